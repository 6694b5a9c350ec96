//! A profile's tables as typed rows: read from the tidy tables `levelfield profile` writes
//! (`estimates`, `comparisons`, `inequality`, `trends`, `data_quality`) and written back in the
//! same layout, so anything that builds these rows (the demo, a profile run) renders the same way.

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
    /// Dimension label ("Overall" for the whole population).
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
    pub compared: String,
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
    pub lower_limit: Option<f64>,
    /// Upper process limit.
    pub upper_limit: Option<f64>,
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
    "estimates",
    "comparisons",
    "inequality",
    "trends",
    "data_quality",
    "associations",
    "plan_assessment",
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
        let lower = format!("lower{infix}_ci_95_0");
        let name = if self.table.index(&lower).is_ok() {
            lower
        } else {
            let prefix = format!("lower{infix}_ci_");
            match self.table.names().iter().find(|n| n.starts_with(&prefix)) {
                Some(n) => n.clone(),
                None => {
                    let n = self.table.n_rows();
                    return Ok((vec![None; n], vec![None; n]));
                }
            }
        };
        let upper = name.replacen("lower", "upper", 1);
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
        let estimates_table = find("estimates").ok_or(ReportError::Table {
            table: "estimates",
            message: "not found; a profile folder holds estimates.csv (or .parquet/.xlsx)".into(),
        })?;
        let mut data = ProfileData {
            meta,
            ..ProfileData::default()
        };

        let r = Reader {
            table: estimates_table,
            stem: "estimates",
        };
        let (lower, upper) = r.limits("")?;
        let ids = r.text("indicator_id", true)?;
        let names = r.text("indicator", false)?;
        let statistic = r.text("statistic", false)?;
        let area_code = r.text("area_code", true)?;
        let area_name = r.text("area_name", false)?;
        let period = r.text("period", true)?;
        let dimension = r.text("dimension", true)?;
        let group_code = r.text("group_code", false)?;
        let group = r.text("group", true)?;
        let reference = r.flags("reference_group")?;
        let numerator = r.numbers("numerator")?;
        let denominator = r.numbers("denominator")?;
        let value = r.numbers("value")?;
        let method = r.text("method", false)?;
        let comparator = r.text("comparator", false)?;
        let compared = r.text("compared_to_comparator", false)?;
        let suppressed = r.flags("suppressed")?;
        let note = r.text("note", false)?;
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
                compared: compared[i].clone(),
                suppressed: suppressed[i],
                note: note[i].clone(),
            });
        }

        if let Some(t) = find("comparisons") {
            let r = Reader {
                table: t,
                stem: "comparisons",
            };
            let (dl, du) = r.limits("_difference")?;
            let (rl, ru) = r.limits("_ratio")?;
            let ids = r.text("indicator_id", true)?;
            let area = r.text("area_code", true)?;
            let period = r.text("period", true)?;
            let dimension = r.text("dimension", true)?;
            let group = r.text("group", true)?;
            let reference = r.text("reference_group", true)?;
            let difference = r.numbers("difference")?;
            let ratio = r.numbers("ratio")?;
            let method = r.text("ratio_method", false)?;
            let note = r.text("note", false)?;
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

        if let Some(t) = find("inequality") {
            let r = Reader {
                table: t,
                stem: "inequality",
            };
            let (lower, upper) = r.limits("")?;
            let ids = r.text("indicator_id", true)?;
            let area = r.text("area_code", true)?;
            let period = r.text("period", true)?;
            let dimension = r.text("dimension", true)?;
            let measure = r.text("measure", true)?;
            let value = r.numbers("value")?;
            let groups = r.numbers("groups")?;
            let method = r.text("method", false)?;
            let detail = r.text("detail", false)?;
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

        if let Some(t) = find("trends") {
            let r = Reader {
                table: t,
                stem: "trends",
            };
            let ids = r.text("indicator_id", true)?;
            let area = r.text("area_code", true)?;
            let dimension = r.text("dimension", true)?;
            let group = r.text("group", true)?;
            let period = r.text("period", true)?;
            let value = r.numbers("value")?;
            let mean = r.numbers("mean")?;
            let lo = r.numbers("lower_process_limit")?;
            let hi = r.numbers("upper_process_limit")?;
            let cause = r.text("special_cause", false)?;
            let point = r.text("point_type", false)?;
            let variation = r.text("series_variation", false)?;
            let note = r.text("note", false)?;
            for i in 0..t.n_rows() {
                data.trends.push(TrendRow {
                    indicator_id: ids[i].clone(),
                    area_code: area[i].clone(),
                    dimension: dimension[i].clone(),
                    group: group[i].clone(),
                    period: period[i].clone(),
                    value: value[i],
                    mean: mean[i],
                    lower_limit: lo[i],
                    upper_limit: hi[i],
                    special_cause: cause[i].clone(),
                    point_type: point[i].clone(),
                    series_variation: variation[i].clone(),
                    note: note[i].clone(),
                });
            }
        }

        if let Some(t) = find("data_quality") {
            let r = Reader {
                table: t,
                stem: "data_quality",
            };
            let area = r.text("area_code", true)?;
            let period = r.text("period", true)?;
            let field = r.text("field", true)?;
            let records = r.numbers("records")?;
            let recorded = r.numbers("recorded")?;
            let not_stated = r.numbers("not_stated")?;
            let not_known = r.numbers("not_known")?;
            let unrecognised = r.numbers("unrecognised")?;
            let percent = r.numbers("percent_recorded")?;
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
        if let Some(t) = find("associations") {
            let r = Reader {
                table: t,
                stem: "associations",
            };
            let id = r.text("indicator_id", true)?;
            let determinant = r.text("determinant", true)?;
            let period = r.text("period", false)?;
            let area = r.text("area_code", true)?;
            let name = r.text("area_name", false)?;
            let x = r.numbers("determinant_value")?;
            let y = r.numbers("value")?;
            let w = r.numbers("weight")?;
            let source = r.text("source", false)?;
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
        if let Some(t) = find("plan_assessment") {
            let r = Reader {
                table: t,
                stem: "plan_assessment",
            };
            let text = |name: &str| r.text(name, false);
            let (action_id, action, owner, target) = (
                text("action_id")?,
                text("action")?,
                text("owner")?,
                text("target")?,
            );
            let (indicator, period, deadline, verdict) = (
                text("indicator_id")?,
                text("period")?,
                text("deadline")?,
                r.text("verdict", true)?,
            );
            let reasoning = text("reasoning")?;
            let (value, lower, upper) = (
                r.numbers("value")?,
                r.numbers("lower_ci_95_0")?,
                r.numbers("upper_ci_95_0")?,
            );
            let (projected, pl, pu) = (
                r.numbers("projected")?,
                r.numbers("projected_lower_95")?,
                r.numbers("projected_upper_95")?,
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

    /// The rows as tables in the profile layout (95 % limits only), keyed by file stem.
    pub fn to_tables(&self) -> Vec<(&'static str, Table)> {
        fn text<T>(t: &mut Table, name: &str, rows: &[T], f: impl Fn(&T) -> &str) {
            t.push(name, Column::from_strings(rows.iter().map(f)))
                .expect("column length");
        }
        fn num<T>(t: &mut Table, name: &str, rows: &[T], f: impl Fn(&T) -> Option<f64>) {
            t.push(name, Column::Number(rows.iter().map(f).collect()))
                .expect("column length");
        }
        fn flag<T>(t: &mut Table, name: &str, rows: &[T], f: impl Fn(&T) -> bool) {
            t.push(
                name,
                Column::Boolean(rows.iter().map(|r| Some(f(r))).collect()),
            )
            .expect("column length");
        }
        let mut out = Vec::new();

        let e = &self.estimates;
        let mut t = Table::with_rows(e.len());
        text(&mut t, "indicator_id", e, |r| &r.indicator_id);
        text(&mut t, "indicator", e, |r| &r.indicator);
        text(&mut t, "statistic", e, |r| &r.statistic);
        text(&mut t, "area_code", e, |r| &r.area_code);
        text(&mut t, "area_name", e, |r| &r.area_name);
        text(&mut t, "period", e, |r| &r.period);
        text(&mut t, "dimension", e, |r| &r.dimension);
        text(&mut t, "group_code", e, |r| &r.group_code);
        text(&mut t, "group", e, |r| &r.group);
        flag(&mut t, "reference_group", e, |r| r.reference_group);
        num(&mut t, "numerator", e, |r| r.numerator);
        num(&mut t, "denominator", e, |r| r.denominator);
        num(&mut t, "value", e, |r| r.value);
        num(&mut t, "lower_ci_95_0", e, |r| r.lower);
        num(&mut t, "upper_ci_95_0", e, |r| r.upper);
        text(&mut t, "method", e, |r| &r.method);
        text(&mut t, "comparator", e, |r| &r.comparator);
        text(&mut t, "compared_to_comparator", e, |r| &r.compared);
        flag(&mut t, "suppressed", e, |r| r.suppressed);
        text(&mut t, "note", e, |r| &r.note);
        out.push(("estimates", t));

        let c = &self.comparisons;
        let mut t = Table::with_rows(c.len());
        text(&mut t, "indicator_id", c, |r| &r.indicator_id);
        text(&mut t, "area_code", c, |r| &r.area_code);
        text(&mut t, "period", c, |r| &r.period);
        text(&mut t, "dimension", c, |r| &r.dimension);
        text(&mut t, "group", c, |r| &r.group);
        text(&mut t, "reference_group", c, |r| &r.reference_group);
        num(&mut t, "difference", c, |r| r.difference);
        num(&mut t, "lower_difference_ci_95_0", c, |r| {
            r.difference_lower
        });
        num(&mut t, "upper_difference_ci_95_0", c, |r| {
            r.difference_upper
        });
        num(&mut t, "ratio", c, |r| r.ratio);
        num(&mut t, "lower_ratio_ci_95_0", c, |r| r.ratio_lower);
        num(&mut t, "upper_ratio_ci_95_0", c, |r| r.ratio_upper);
        text(&mut t, "ratio_method", c, |r| &r.ratio_method);
        text(&mut t, "note", c, |r| &r.note);
        out.push(("comparisons", t));

        let q = &self.inequality;
        let mut t = Table::with_rows(q.len());
        text(&mut t, "indicator_id", q, |r| &r.indicator_id);
        text(&mut t, "area_code", q, |r| &r.area_code);
        text(&mut t, "period", q, |r| &r.period);
        text(&mut t, "dimension", q, |r| &r.dimension);
        text(&mut t, "measure", q, |r| &r.measure);
        num(&mut t, "value", q, |r| r.value);
        num(&mut t, "lower_ci_95_0", q, |r| r.lower);
        num(&mut t, "upper_ci_95_0", q, |r| r.upper);
        num(&mut t, "groups", q, |r| r.groups);
        text(&mut t, "method", q, |r| &r.method);
        text(&mut t, "detail", q, |r| &r.detail);
        out.push(("inequality", t));

        let s = &self.trends;
        let mut t = Table::with_rows(s.len());
        text(&mut t, "indicator_id", s, |r| &r.indicator_id);
        text(&mut t, "area_code", s, |r| &r.area_code);
        text(&mut t, "dimension", s, |r| &r.dimension);
        text(&mut t, "group", s, |r| &r.group);
        text(&mut t, "period", s, |r| &r.period);
        num(&mut t, "value", s, |r| r.value);
        num(&mut t, "mean", s, |r| r.mean);
        num(&mut t, "lower_process_limit", s, |r| r.lower_limit);
        num(&mut t, "upper_process_limit", s, |r| r.upper_limit);
        text(&mut t, "special_cause", s, |r| &r.special_cause);
        text(&mut t, "point_type", s, |r| &r.point_type);
        text(&mut t, "series_variation", s, |r| &r.series_variation);
        text(&mut t, "note", s, |r| &r.note);
        out.push(("trends", t));

        let d = &self.quality;
        let mut t = Table::with_rows(d.len());
        text(&mut t, "area_code", d, |r| &r.area_code);
        text(&mut t, "period", d, |r| &r.period);
        text(&mut t, "field", d, |r| &r.field);
        num(&mut t, "records", d, |r| r.records);
        num(&mut t, "recorded", d, |r| r.recorded);
        num(&mut t, "not_stated", d, |r| r.not_stated);
        num(&mut t, "not_known", d, |r| r.not_known);
        num(&mut t, "unrecognised", d, |r| r.unrecognised);
        num(&mut t, "percent_recorded", d, |r| r.percent_recorded);
        out.push(("data_quality", t));

        let a = &self.associations;
        if !a.is_empty() {
            let mut t = Table::with_rows(a.len());
            text(&mut t, "indicator_id", a, |r| &r.indicator_id);
            text(&mut t, "determinant", a, |r| &r.determinant);
            text(&mut t, "period", a, |r| &r.period);
            text(&mut t, "area_code", a, |r| &r.area_code);
            text(&mut t, "area_name", a, |r| &r.area_name);
            num(&mut t, "determinant_value", a, |r| r.determinant_value);
            num(&mut t, "value", a, |r| r.value);
            num(&mut t, "weight", a, |r| r.weight);
            text(&mut t, "source", a, |r| &r.source);
            out.push(("associations", t));
        }

        let p = &self.plan;
        if !p.is_empty() {
            let mut t = Table::with_rows(p.len());
            text(&mut t, "action_id", p, |r| &r.action_id);
            text(&mut t, "action", p, |r| &r.action);
            text(&mut t, "owner", p, |r| &r.owner);
            text(&mut t, "target", p, |r| &r.target);
            text(&mut t, "indicator_id", p, |r| &r.indicator_id);
            text(&mut t, "period", p, |r| &r.period);
            text(&mut t, "deadline", p, |r| &r.deadline);
            text(&mut t, "verdict", p, |r| &r.verdict);
            num(&mut t, "value", p, |r| r.value);
            num(&mut t, "lower_ci_95_0", p, |r| r.lower);
            num(&mut t, "upper_ci_95_0", p, |r| r.upper);
            num(&mut t, "projected", p, |r| r.projected);
            num(&mut t, "projected_lower_95", p, |r| r.projected_lower);
            num(&mut t, "projected_upper_95", p, |r| r.projected_upper);
            text(&mut t, "reasoning", p, |r| &r.reasoning);
            out.push(("plan_assessment", t));
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
