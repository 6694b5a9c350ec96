//! A profile's tables as typed rows: read from the tidy tables `levelfield profile` writes
//! (`estimates`, `comparisons`, `inequality`, `trends`, `data_quality`) and written back in the
//! same layout, so anything that builds these rows (the demo, a profile run) renders the same way.
//! Table and column names, and the columns' order, are [`schema`]'s (its report layout).

use levelfield_profile::schema::{self, Layout, TableSchema, col};
use levelfield_stats::{compare::Benchmark, spc::PointType};
use levelfield_table::{Column, Table, TableError};

use crate::{Meta, ReportError};

/// One estimate: an indicator for one group of one dimension, in one area and period.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EstimateRow {
    /// Indicator id.
    pub indicator_id: String,
    /// Indicator name.
    pub indicator: String,
    /// The statistic, e.g. "crude rate".
    pub statistic: String,
    /// Area code (the comparator's code for the comparator row).
    pub area_code: String,
    /// Area name.
    pub area_name: String,
    /// Period label.
    pub period: String,
    /// Dimension label ([`schema::OVERALL`] for the whole population).
    pub dimension: String,
    /// Group code.
    pub group_code: String,
    /// Group label.
    pub group: String,
    /// True for the dimension's reference group.
    pub reference_group: bool,
    /// Published numerator.
    pub numerator: Option<f64>,
    /// Published denominator.
    pub denominator: Option<f64>,
    /// The value.
    pub value: Option<f64>,
    /// Lower 95 % limit.
    pub lower: Option<f64>,
    /// Upper 95 % limit.
    pub upper: Option<f64>,
    /// Method of the interval.
    pub method: String,
    /// Comparator name.
    pub comparator: String,
    /// Benchmark label against the comparator ("Higher", "Similar", …).
    pub compared_to_comparator: String,
    /// True when disclosure control withheld the value.
    pub suppressed: bool,
    /// Notes.
    pub note: String,
}

/// One group against its dimension's reference group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ComparisonRow {
    /// Indicator id.
    pub indicator_id: String,
    /// Area code.
    pub area_code: String,
    /// Period label.
    pub period: String,
    /// Dimension label.
    pub dimension: String,
    /// Group label.
    pub group: String,
    /// Reference group label.
    pub reference_group: String,
    /// Value minus the reference value.
    pub difference: Option<f64>,
    /// Its lower 95 % limit.
    pub difference_lower: Option<f64>,
    /// Its upper 95 % limit.
    pub difference_upper: Option<f64>,
    /// Value over the reference value.
    pub ratio: Option<f64>,
    /// Its lower 95 % limit.
    pub ratio_lower: Option<f64>,
    /// Its upper 95 % limit.
    pub ratio_upper: Option<f64>,
    /// Method of the ratio's interval.
    pub ratio_method: String,
    /// Why a comparison could not be made, or a caveat.
    pub note: String,
}

/// One inequality summary measure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InequalityRow {
    /// Indicator id.
    pub indicator_id: String,
    /// Area code.
    pub area_code: String,
    /// Period label.
    pub period: String,
    /// Dimension label.
    pub dimension: String,
    /// Measure short name (D, R, SII, RII, …).
    pub measure: String,
    /// Its value.
    pub value: Option<f64>,
    /// Lower 95 % limit.
    pub lower: Option<f64>,
    /// Upper 95 % limit.
    pub upper: Option<f64>,
    /// Number of groups it was computed over.
    pub groups: Option<f64>,
    /// Method.
    pub method: String,
    /// Detail (which pair, direction).
    pub detail: String,
}

/// One point of an SPC trend.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrendRow {
    /// Indicator id.
    pub indicator_id: String,
    /// Area code.
    pub area_code: String,
    /// Dimension label.
    pub dimension: String,
    /// Group label (the series).
    pub group: String,
    /// Period label.
    pub period: String,
    /// The value (missing for a gap).
    pub value: Option<f64>,
    /// Centre line.
    pub mean: Option<f64>,
    /// Lower process limit.
    pub lower_process_limit: Option<f64>,
    /// Upper process limit.
    pub upper_process_limit: Option<f64>,
    /// The special-cause rule that flagged the point.
    pub special_cause: String,
    /// Point type (common cause, special cause improvement/concern/neutral).
    pub point_type: String,
    /// The series' verdict on variation.
    pub series_variation: String,
    /// Notes on the point (breaks in the series, rounding).
    pub note: String,
}

/// Recording completeness of one field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QualityRow {
    /// Area code.
    pub area_code: String,
    /// Period label.
    pub period: String,
    /// The field (ethnicity, sex, …).
    pub field: String,
    /// Records.
    pub records: Option<f64>,
    /// Records with a valid value.
    pub recorded: Option<f64>,
    /// Not stated.
    pub not_stated: Option<f64>,
    /// Not known.
    pub not_known: Option<f64>,
    /// Unrecognised codes.
    pub unrecognised: Option<f64>,
    /// Percentage recorded.
    pub percent_recorded: Option<f64>,
}

/// One area of an association between an area-level determinant and an indicator: the
/// input of [`crate::associate`], which fits the line at render time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssociationRow {
    /// Indicator id.
    pub indicator_id: String,
    /// The determinant's name (with its unit).
    pub determinant: String,
    /// Period of the indicator.
    pub period: String,
    /// Area code.
    pub area_code: String,
    /// Area name.
    pub area_name: String,
    /// The determinant's value in the area.
    pub determinant_value: Option<f64>,
    /// The indicator's value in the area.
    pub value: Option<f64>,
    /// The area's weight (its population, the indicator's denominator).
    pub weight: Option<f64>,
    /// Where the determinant comes from.
    pub source: String,
}

/// One target of an action plan judged in one period ([`crate::plan`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanRow {
    /// The action's id.
    pub action_id: String,
    /// The action.
    pub action: String,
    /// Its owner.
    pub owner: String,
    /// The target in words.
    pub target: String,
    /// Indicator id.
    pub indicator_id: String,
    /// Period judged.
    pub period: String,
    /// The target's deadline.
    pub deadline: String,
    /// met, on track, off track or not yet assessable.
    pub verdict: String,
    /// The value in the period.
    pub value: Option<f64>,
    /// Its lower 95 % limit.
    pub lower: Option<f64>,
    /// Its upper 95 % limit.
    pub upper: Option<f64>,
    /// The trend projected to the deadline.
    pub projected: Option<f64>,
    /// Its lower 95 % limit.
    pub projected_lower: Option<f64>,
    /// Its upper 95 % limit.
    pub projected_upper: Option<f64>,
    /// Why, with the numbers.
    pub reasoning: String,
}

/// The tables of a profile folder, by file stem, in the order they are written.
pub const TABLES: [&str; 7] = [
    schema::ESTIMATES.name,
    schema::COMPARISONS.name,
    schema::INEQUALITY.name,
    schema::TRENDS.name,
    schema::DATA_QUALITY.name,
    schema::ASSOCIATIONS.name,
    schema::PLAN_ASSESSMENT.name,
];

/// A whole profile: its description and its rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileData {
    /// What it is about.
    pub meta: Meta,
    /// Estimates.
    pub estimates: Vec<EstimateRow>,
    /// Comparisons with reference groups.
    pub comparisons: Vec<ComparisonRow>,
    /// Inequality measures.
    pub inequality: Vec<InequalityRow>,
    /// SPC trends.
    pub trends: Vec<TrendRow>,
    /// Data quality.
    pub quality: Vec<QualityRow>,
    /// Areas of associations with determinants.
    pub associations: Vec<AssociationRow>,
    /// Action plans' targets judged period by period.
    pub plan: Vec<PlanRow>,
}

/// Lower and upper limit columns.
type Limits = (Vec<Option<f64>>, Vec<Option<f64>>);

/// Reads one table's columns by name; absent optional columns read as empty.
struct Reader<'a> {
    table: &'a Table,
    stem: &'static str,
}

impl Reader<'_> {
    fn text(&self, name: &str, required: bool) -> Result<Vec<String>, ReportError> {
        let n = self.table.n_rows();
        match self.table.index(name) {
            Ok(k) => Ok((0..n).map(|r| self.table.text(k, r).into_owned()).collect()),
            Err(_) if !required => Ok(vec![String::new(); n]),
            Err(_) => Err(ReportError::Table {
                table: self.stem,
                message: format!(
                    "no `{name}` column; the table must be one written by `levelfield profile` or `levelfield demo`"
                ),
            }),
        }
    }
    /// A text column whose every value is empty or one of `known`: anything else is refused,
    /// naming the row, so no later `match` has to guess what a stray value means.
    fn labels(&self, name: &str, known: &[&str]) -> Result<Vec<String>, ReportError> {
        let values = self.text(name, false)?;
        if let Some((row, bad)) = values
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_empty() && !known.contains(&v.as_str()))
        {
            return Err(ReportError::Table {
                table: self.stem,
                message: format!(
                    "row {}, column `{name}`: `{bad}` is not one of {}; the table must be one \
                     written by `levelfield profile` or `levelfield demo`",
                    row + 2,
                    known.join(", ")
                ),
            });
        }
        Ok(values)
    }
    fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>, ReportError> {
        match self.table.numbers(name) {
            Ok(v) => Ok(v),
            Err(TableError::MissingColumn { .. }) => Ok(vec![None; self.table.n_rows()]),
            Err(e) => Err(ReportError::Table {
                table: self.stem,
                message: e.to_string(),
            }),
        }
    }
    fn flags(&self, name: &str) -> Result<Vec<bool>, ReportError> {
        match self.table.booleans(name) {
            Ok(v) => Ok(v.into_iter().map(|b| b.unwrap_or(false)).collect()),
            Err(TableError::MissingColumn { .. }) => Ok(vec![false; self.table.n_rows()]),
            Err(e) => Err(ReportError::Table {
                table: self.stem,
                message: e.to_string(),
            }),
        }
    }
    /// The 95 % limits if present, else the first level's.
    fn limits(&self, infix: &str) -> Result<Limits, ReportError> {
        let lower = schema::lower(infix, schema::REPORT_SUFFIX);
        let name = if self.table.index(&lower).is_ok() {
            lower
        } else {
            let prefix = schema::lower(infix, "");
            match self.table.names().iter().find(|n| n.starts_with(&prefix)) {
                Some(n) => n.clone(),
                None => {
                    let n = self.table.n_rows();
                    return Ok((vec![None; n], vec![None; n]));
                }
            }
        };
        let upper = schema::upper(infix, &name[schema::lower(infix, "").len()..]);
        Ok((self.numbers(&name)?, self.numbers(&upper)?))
    }
}

impl ProfileData {
    /// Builds the rows from tables keyed by file stem; `estimates` is required, the others may
    /// be absent.
    ///
    /// # Errors
    /// [`ReportError::Table`] naming the table and the column that is missing or malformed.
    pub fn from_tables<S: AsRef<str>>(
        meta: Meta,
        tables: &[(S, Table)],
    ) -> Result<ProfileData, ReportError> {
        let find = |stem: &str| {
            tables
                .iter()
                .find(|(s, _)| s.as_ref() == stem)
                .map(|(_, t)| t)
        };
        let estimates_table = find(schema::ESTIMATES.name).ok_or(ReportError::Table {
            table: schema::ESTIMATES.name,
            message: "not found; a profile folder holds estimates.csv (or .parquet/.xlsx)".into(),
        })?;
        let mut data = ProfileData {
            meta,
            ..ProfileData::default()
        };

        let r = Reader {
            table: estimates_table,
            stem: schema::ESTIMATES.name,
        };
        let (lower, upper) = r.limits(schema::VALUE_LIMITS)?;
        let ids = r.text(col::INDICATOR_ID, true)?;
        let names = r.text(col::INDICATOR, false)?;
        let statistic = r.text(col::STATISTIC, false)?;
        let area_code = r.text(col::AREA_CODE, true)?;
        let area_name = r.text(col::AREA_NAME, false)?;
        let period = r.text(col::PERIOD, true)?;
        let dimension = r.text(col::DIMENSION, true)?;
        let group_code = r.text(col::GROUP_CODE, false)?;
        let group = r.text(col::GROUP, true)?;
        let reference = r.flags(col::REFERENCE_GROUP)?;
        let numerator = r.numbers(col::NUMERATOR)?;
        let denominator = r.numbers(col::DENOMINATOR)?;
        let value = r.numbers(col::VALUE)?;
        let method = r.text(col::METHOD, false)?;
        let comparator = r.text(col::COMPARATOR, false)?;
        let benchmarks = Benchmark::ALL.map(Benchmark::label);
        let compared = r.labels(col::COMPARED_TO_COMPARATOR, &benchmarks)?;
        let suppressed = r.flags(col::SUPPRESSED)?;
        let note = r.text(col::NOTE, false)?;
        for i in 0..estimates_table.n_rows() {
            data.estimates.push(EstimateRow {
                indicator_id: ids[i].clone(),
                indicator: names[i].clone(),
                statistic: statistic[i].clone(),
                area_code: area_code[i].clone(),
                area_name: area_name[i].clone(),
                period: period[i].clone(),
                dimension: dimension[i].clone(),
                group_code: group_code[i].clone(),
                group: group[i].clone(),
                reference_group: reference[i],
                numerator: numerator[i],
                denominator: denominator[i],
                value: value[i],
                lower: lower[i],
                upper: upper[i],
                method: method[i].clone(),
                comparator: comparator[i].clone(),
                compared_to_comparator: compared[i].clone(),
                suppressed: suppressed[i],
                note: note[i].clone(),
            });
        }

        if let Some(t) = find(schema::COMPARISONS.name) {
            let r = Reader {
                table: t,
                stem: schema::COMPARISONS.name,
            };
            let (dl, du) = r.limits(schema::DIFFERENCE_LIMITS)?;
            let (rl, ru) = r.limits(schema::RATIO_LIMITS)?;
            let ids = r.text(col::INDICATOR_ID, true)?;
            let area = r.text(col::AREA_CODE, true)?;
            let period = r.text(col::PERIOD, true)?;
            let dimension = r.text(col::DIMENSION, true)?;
            let group = r.text(col::GROUP, true)?;
            let reference = r.text(col::REFERENCE_GROUP, true)?;
            let difference = r.numbers(col::DIFFERENCE)?;
            let ratio = r.numbers(col::RATIO)?;
            let method = r.text(col::RATIO_METHOD, false)?;
            let note = r.text(col::NOTE, false)?;
            for i in 0..t.n_rows() {
                data.comparisons.push(ComparisonRow {
                    indicator_id: ids[i].clone(),
                    area_code: area[i].clone(),
                    period: period[i].clone(),
                    dimension: dimension[i].clone(),
                    group: group[i].clone(),
                    reference_group: reference[i].clone(),
                    difference: difference[i],
                    difference_lower: dl[i],
                    difference_upper: du[i],
                    ratio: ratio[i],
                    ratio_lower: rl[i],
                    ratio_upper: ru[i],
                    ratio_method: method[i].clone(),
                    note: note[i].clone(),
                });
            }
        }

        if let Some(t) = find(schema::INEQUALITY.name) {
            let r = Reader {
                table: t,
                stem: schema::INEQUALITY.name,
            };
            let (lower, upper) = r.limits(schema::VALUE_LIMITS)?;
            let ids = r.text(col::INDICATOR_ID, true)?;
            let area = r.text(col::AREA_CODE, true)?;
            let period = r.text(col::PERIOD, true)?;
            let dimension = r.text(col::DIMENSION, true)?;
            let measure = r.text(col::MEASURE, true)?;
            let value = r.numbers(col::VALUE)?;
            let groups = r.numbers(col::GROUPS)?;
            let method = r.text(col::METHOD, false)?;
            let detail = r.text(col::DETAIL, false)?;
            for i in 0..t.n_rows() {
                data.inequality.push(InequalityRow {
                    indicator_id: ids[i].clone(),
                    area_code: area[i].clone(),
                    period: period[i].clone(),
                    dimension: dimension[i].clone(),
                    measure: measure[i].clone(),
                    value: value[i],
                    lower: lower[i],
                    upper: upper[i],
                    groups: groups[i],
                    method: method[i].clone(),
                    detail: detail[i].clone(),
                });
            }
        }

        if let Some(t) = find(schema::TRENDS.name) {
            let r = Reader {
                table: t,
                stem: schema::TRENDS.name,
            };
            let ids = r.text(col::INDICATOR_ID, true)?;
            let area = r.text(col::AREA_CODE, true)?;
            let dimension = r.text(col::DIMENSION, true)?;
            let group = r.text(col::GROUP, true)?;
            let period = r.text(col::PERIOD, true)?;
            let value = r.numbers(col::VALUE)?;
            let mean = r.numbers(col::MEAN)?;
            let lo = r.numbers(col::LOWER_PROCESS_LIMIT)?;
            let hi = r.numbers(col::UPPER_PROCESS_LIMIT)?;
            let cause = r.text(col::SPECIAL_CAUSE, false)?;
            let point = r.labels(col::POINT_TYPE, &PointType::ALL.map(PointType::label))?;
            let variation = r.text(col::SERIES_VARIATION, false)?;
            let note = r.text(col::NOTE, false)?;
            for i in 0..t.n_rows() {
                data.trends.push(TrendRow {
                    indicator_id: ids[i].clone(),
                    area_code: area[i].clone(),
                    dimension: dimension[i].clone(),
                    group: group[i].clone(),
                    period: period[i].clone(),
                    value: value[i],
                    mean: mean[i],
                    lower_process_limit: lo[i],
                    upper_process_limit: hi[i],
                    special_cause: cause[i].clone(),
                    point_type: point[i].clone(),
                    series_variation: variation[i].clone(),
                    note: note[i].clone(),
                });
            }
        }

        if let Some(t) = find(schema::DATA_QUALITY.name) {
            let r = Reader {
                table: t,
                stem: schema::DATA_QUALITY.name,
            };
            let area = r.text(col::AREA_CODE, true)?;
            let period = r.text(col::PERIOD, true)?;
            let field = r.text(col::FIELD, true)?;
            let records = r.numbers(col::RECORDS)?;
            let recorded = r.numbers(col::RECORDED)?;
            let not_stated = r.numbers(col::NOT_STATED)?;
            let not_known = r.numbers(col::NOT_KNOWN)?;
            let unrecognised = r.numbers(col::UNRECOGNISED)?;
            let percent = r.numbers(col::PERCENT_RECORDED)?;
            for i in 0..t.n_rows() {
                data.quality.push(QualityRow {
                    area_code: area[i].clone(),
                    period: period[i].clone(),
                    field: field[i].clone(),
                    records: records[i],
                    recorded: recorded[i],
                    not_stated: not_stated[i],
                    not_known: not_known[i],
                    unrecognised: unrecognised[i],
                    percent_recorded: percent[i],
                });
            }
        }
        if let Some(t) = find(schema::ASSOCIATIONS.name) {
            let r = Reader {
                table: t,
                stem: schema::ASSOCIATIONS.name,
            };
            let id = r.text(col::INDICATOR_ID, true)?;
            let determinant = r.text(col::DETERMINANT, true)?;
            let period = r.text(col::PERIOD, false)?;
            let area = r.text(col::AREA_CODE, true)?;
            let name = r.text(col::AREA_NAME, false)?;
            let x = r.numbers(col::DETERMINANT_VALUE)?;
            let y = r.numbers(col::VALUE)?;
            let w = r.numbers(col::WEIGHT)?;
            let source = r.text(col::SOURCE, false)?;
            for i in 0..t.n_rows() {
                data.associations.push(AssociationRow {
                    indicator_id: id[i].clone(),
                    determinant: determinant[i].clone(),
                    period: period[i].clone(),
                    area_code: area[i].clone(),
                    area_name: name[i].clone(),
                    determinant_value: x[i],
                    value: y[i],
                    weight: w[i],
                    source: source[i].clone(),
                });
            }
        }
        if let Some(t) = find(schema::PLAN_ASSESSMENT.name) {
            let r = Reader {
                table: t,
                stem: schema::PLAN_ASSESSMENT.name,
            };
            let text = |name: &str| r.text(name, false);
            let (action_id, action, owner, target) = (
                text(col::ACTION_ID)?,
                text(col::ACTION)?,
                text(col::OWNER)?,
                text(col::TARGET)?,
            );
            let (indicator, period, deadline, verdict) = (
                text(col::INDICATOR_ID)?,
                text(col::PERIOD)?,
                text(col::DEADLINE)?,
                r.text(col::VERDICT, true)?,
            );
            let reasoning = text(col::REASONING)?;
            let (value, lower, upper) = (
                r.numbers(col::VALUE)?,
                r.numbers(&schema::lower(schema::VALUE_LIMITS, schema::REPORT_SUFFIX))?,
                r.numbers(&schema::upper(schema::VALUE_LIMITS, schema::REPORT_SUFFIX))?,
            );
            let (projected, pl, pu) = (
                r.numbers(col::PROJECTED)?,
                r.numbers(col::PROJECTED_LOWER_95)?,
                r.numbers(col::PROJECTED_UPPER_95)?,
            );
            for i in 0..t.n_rows() {
                data.plan.push(PlanRow {
                    action_id: action_id[i].clone(),
                    action: action[i].clone(),
                    owner: owner[i].clone(),
                    target: target[i].clone(),
                    indicator_id: indicator[i].clone(),
                    period: period[i].clone(),
                    deadline: deadline[i].clone(),
                    verdict: verdict[i].clone(),
                    value: value[i],
                    lower: lower[i],
                    upper: upper[i],
                    projected: projected[i],
                    projected_lower: pl[i],
                    projected_upper: pu[i],
                    reasoning: reasoning[i].clone(),
                });
            }
        }
        Ok(data)
    }

    /// The rows as tables in the report layout of [`schema`] (95 % limits only), keyed by
    /// file stem.
    pub fn to_tables(&self) -> Vec<(&'static str, Table)> {
        type Cols = Vec<(String, Column)>;
        fn text<T>(t: &mut Cols, name: &str, rows: &[T], f: impl Fn(&T) -> &str) {
            t.push((name.into(), Column::from_strings(rows.iter().map(f))));
        }
        fn num<T>(t: &mut Cols, name: &str, rows: &[T], f: impl Fn(&T) -> Option<f64>) {
            t.push((name.into(), Column::Number(rows.iter().map(f).collect())));
        }
        fn flag<T>(t: &mut Cols, name: &str, rows: &[T], f: impl Fn(&T) -> bool) {
            t.push((
                name.into(),
                Column::Boolean(rows.iter().map(|r| Some(f(r))).collect()),
            ));
        }
        fn finish(schema: &TableSchema, t: Cols) -> Table {
            let n = t.first().map_or(0, |(_, c)| c.len());
            schema.assemble(Layout::Report, &[schema::REPORT_SUFFIX], n, t)
        }
        let (lower, upper) = (
            schema::lower(schema::VALUE_LIMITS, schema::REPORT_SUFFIX),
            schema::upper(schema::VALUE_LIMITS, schema::REPORT_SUFFIX),
        );
        let mut out = Vec::new();

        let e = &self.estimates;
        let mut t = Cols::new();
        text(&mut t, col::INDICATOR_ID, e, |r| &r.indicator_id);
        text(&mut t, col::INDICATOR, e, |r| &r.indicator);
        text(&mut t, col::STATISTIC, e, |r| &r.statistic);
        text(&mut t, col::AREA_CODE, e, |r| &r.area_code);
        text(&mut t, col::AREA_NAME, e, |r| &r.area_name);
        text(&mut t, col::PERIOD, e, |r| &r.period);
        text(&mut t, col::DIMENSION, e, |r| &r.dimension);
        text(&mut t, col::GROUP_CODE, e, |r| &r.group_code);
        text(&mut t, col::GROUP, e, |r| &r.group);
        flag(&mut t, col::REFERENCE_GROUP, e, |r| r.reference_group);
        num(&mut t, col::NUMERATOR, e, |r| r.numerator);
        num(&mut t, col::DENOMINATOR, e, |r| r.denominator);
        num(&mut t, col::VALUE, e, |r| r.value);
        num(&mut t, &lower, e, |r| r.lower);
        num(&mut t, &upper, e, |r| r.upper);
        text(&mut t, col::METHOD, e, |r| &r.method);
        text(&mut t, col::COMPARATOR, e, |r| &r.comparator);
        text(&mut t, col::COMPARED_TO_COMPARATOR, e, |r| {
            &r.compared_to_comparator
        });
        flag(&mut t, col::SUPPRESSED, e, |r| r.suppressed);
        text(&mut t, col::NOTE, e, |r| &r.note);
        out.push((schema::ESTIMATES.name, finish(&schema::ESTIMATES, t)));

        let c = &self.comparisons;
        let mut t = Cols::new();
        text(&mut t, col::INDICATOR_ID, c, |r| &r.indicator_id);
        text(&mut t, col::AREA_CODE, c, |r| &r.area_code);
        text(&mut t, col::PERIOD, c, |r| &r.period);
        text(&mut t, col::DIMENSION, c, |r| &r.dimension);
        text(&mut t, col::GROUP, c, |r| &r.group);
        text(&mut t, col::REFERENCE_GROUP, c, |r| &r.reference_group);
        num(&mut t, col::DIFFERENCE, c, |r| r.difference);
        num(
            &mut t,
            &schema::lower(schema::DIFFERENCE_LIMITS, schema::REPORT_SUFFIX),
            c,
            |r| r.difference_lower,
        );
        num(
            &mut t,
            &schema::upper(schema::DIFFERENCE_LIMITS, schema::REPORT_SUFFIX),
            c,
            |r| r.difference_upper,
        );
        num(&mut t, col::RATIO, c, |r| r.ratio);
        num(
            &mut t,
            &schema::lower(schema::RATIO_LIMITS, schema::REPORT_SUFFIX),
            c,
            |r| r.ratio_lower,
        );
        num(
            &mut t,
            &schema::upper(schema::RATIO_LIMITS, schema::REPORT_SUFFIX),
            c,
            |r| r.ratio_upper,
        );
        text(&mut t, col::RATIO_METHOD, c, |r| &r.ratio_method);
        text(&mut t, col::NOTE, c, |r| &r.note);
        out.push((schema::COMPARISONS.name, finish(&schema::COMPARISONS, t)));

        let q = &self.inequality;
        let mut t = Cols::new();
        text(&mut t, col::INDICATOR_ID, q, |r| &r.indicator_id);
        text(&mut t, col::AREA_CODE, q, |r| &r.area_code);
        text(&mut t, col::PERIOD, q, |r| &r.period);
        text(&mut t, col::DIMENSION, q, |r| &r.dimension);
        text(&mut t, col::MEASURE, q, |r| &r.measure);
        num(&mut t, col::VALUE, q, |r| r.value);
        num(&mut t, &lower, q, |r| r.lower);
        num(&mut t, &upper, q, |r| r.upper);
        num(&mut t, col::GROUPS, q, |r| r.groups);
        text(&mut t, col::METHOD, q, |r| &r.method);
        text(&mut t, col::DETAIL, q, |r| &r.detail);
        out.push((schema::INEQUALITY.name, finish(&schema::INEQUALITY, t)));

        let s = &self.trends;
        let mut t = Cols::new();
        text(&mut t, col::INDICATOR_ID, s, |r| &r.indicator_id);
        text(&mut t, col::AREA_CODE, s, |r| &r.area_code);
        text(&mut t, col::DIMENSION, s, |r| &r.dimension);
        text(&mut t, col::GROUP, s, |r| &r.group);
        text(&mut t, col::PERIOD, s, |r| &r.period);
        num(&mut t, col::VALUE, s, |r| r.value);
        num(&mut t, col::MEAN, s, |r| r.mean);
        num(&mut t, col::LOWER_PROCESS_LIMIT, s, |r| {
            r.lower_process_limit
        });
        num(&mut t, col::UPPER_PROCESS_LIMIT, s, |r| {
            r.upper_process_limit
        });
        text(&mut t, col::SPECIAL_CAUSE, s, |r| &r.special_cause);
        text(&mut t, col::POINT_TYPE, s, |r| &r.point_type);
        text(&mut t, col::SERIES_VARIATION, s, |r| &r.series_variation);
        text(&mut t, col::NOTE, s, |r| &r.note);
        out.push((schema::TRENDS.name, finish(&schema::TRENDS, t)));

        let d = &self.quality;
        let mut t = Cols::new();
        text(&mut t, col::AREA_CODE, d, |r| &r.area_code);
        text(&mut t, col::PERIOD, d, |r| &r.period);
        text(&mut t, col::FIELD, d, |r| &r.field);
        num(&mut t, col::RECORDS, d, |r| r.records);
        num(&mut t, col::RECORDED, d, |r| r.recorded);
        num(&mut t, col::NOT_STATED, d, |r| r.not_stated);
        num(&mut t, col::NOT_KNOWN, d, |r| r.not_known);
        num(&mut t, col::UNRECOGNISED, d, |r| r.unrecognised);
        num(&mut t, col::PERCENT_RECORDED, d, |r| r.percent_recorded);
        out.push((schema::DATA_QUALITY.name, finish(&schema::DATA_QUALITY, t)));

        let a = &self.associations;
        if !a.is_empty() {
            let mut t = Cols::new();
            text(&mut t, col::INDICATOR_ID, a, |r| &r.indicator_id);
            text(&mut t, col::DETERMINANT, a, |r| &r.determinant);
            text(&mut t, col::PERIOD, a, |r| &r.period);
            text(&mut t, col::AREA_CODE, a, |r| &r.area_code);
            text(&mut t, col::AREA_NAME, a, |r| &r.area_name);
            num(&mut t, col::DETERMINANT_VALUE, a, |r| r.determinant_value);
            num(&mut t, col::VALUE, a, |r| r.value);
            num(&mut t, col::WEIGHT, a, |r| r.weight);
            text(&mut t, col::SOURCE, a, |r| &r.source);
            out.push((schema::ASSOCIATIONS.name, finish(&schema::ASSOCIATIONS, t)));
        }

        let p = &self.plan;
        if !p.is_empty() {
            let mut t = Cols::new();
            text(&mut t, col::ACTION_ID, p, |r| &r.action_id);
            text(&mut t, col::ACTION, p, |r| &r.action);
            text(&mut t, col::OWNER, p, |r| &r.owner);
            text(&mut t, col::TARGET, p, |r| &r.target);
            text(&mut t, col::INDICATOR_ID, p, |r| &r.indicator_id);
            text(&mut t, col::PERIOD, p, |r| &r.period);
            text(&mut t, col::DEADLINE, p, |r| &r.deadline);
            text(&mut t, col::VERDICT, p, |r| &r.verdict);
            num(&mut t, col::VALUE, p, |r| r.value);
            num(&mut t, &lower, p, |r| r.lower);
            num(&mut t, &upper, p, |r| r.upper);
            num(&mut t, col::PROJECTED, p, |r| r.projected);
            num(&mut t, col::PROJECTED_LOWER_95, p, |r| r.projected_lower);
            num(&mut t, col::PROJECTED_UPPER_95, p, |r| r.projected_upper);
            text(&mut t, col::REASONING, p, |r| &r.reasoning);
            out.push((
                schema::PLAN_ASSESSMENT.name,
                finish(&schema::PLAN_ASSESSMENT, t),
            ));
        }
        out
    }

    /// The comparator's code: from the metadata, else the code of the rows whose comparator
    /// column is empty.
    pub fn comparator_code(&self) -> String {
        if !self.meta.comparator_code.is_empty() {
            return self.meta.comparator_code.clone();
        }
        self.estimates
            .iter()
            .find(|e| e.comparator.is_empty())
            .map(|e| e.area_code.clone())
            .unwrap_or_default()
    }

    /// An indicator's display name: the metadata's, else the tables', else its id.
    pub fn indicator_name(&self, id: &str) -> String {
        let m = self.meta.indicator(id);
        if m.name != id {
            return m.name;
        }
        self.estimates
            .iter()
            .find(|e| e.indicator_id == id && !e.indicator.is_empty())
            .map_or_else(|| id.to_string(), |e| e.indicator.clone())
    }

    /// Indicator ids in report order: the metadata's order, then any others as first seen.
    pub fn indicator_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .meta
            .indicators
            .iter()
            .map(|i| i.id.clone())
            .filter(|id| self.estimates.iter().any(|e| &e.indicator_id == id))
            .collect();
        for e in &self.estimates {
            if !ids.contains(&e.indicator_id) {
                ids.push(e.indicator_id.clone());
            }
        }
        ids
    }
}
