//! A protected profile laid out as tidy tables: `estimates`, `comparisons`, `inequality`,
//! `trends`, `data_quality`, `disclosure_audit`, and the 26-column Fingertips download. The
//! tidy tables' columns and their order are [`crate::schema`]'s.
//!
//! Tidy tables carry a `status` column so a suppressed value is never read as missing or zero:
//! `published`, `suppressed` (GSS marker `[c]`), `not available` (`[x]`) or `not applicable`
//! (`[z]`).

use levelfield_stats::{ConfidenceLevel, Interval};
use levelfield_table::{Column, Table};
use rayon::prelude::*;

pub use crate::schema::{NOT_APPLICABLE, NOT_AVAILABLE, PUBLISHED, SUPPRESSED};
use crate::{
    compute::{ALL_AREAS, Profile, area_name},
    schema::{self, Layout, OVERALL, TableSchema, col},
    spec::Spec,
};

/// The tables of a profile, by file stem.
pub struct Tables {
    /// `(stem, table)` in write order.
    pub tables: Vec<(&'static str, Table)>,
}

/// A table's columns gathered by name, then put in the order of its [`TableSchema`].
struct Builder {
    columns: Vec<(String, Column)>,
    n: usize,
}

impl Builder {
    fn new(n: usize) -> Builder {
        Builder {
            columns: Vec::new(),
            n,
        }
    }
    fn push(&mut self, name: &str, col: Column) {
        assert_eq!(col.len(), self.n, "column length");
        self.columns.push((name.to_string(), col));
    }
    fn text<S: AsRef<str>>(&mut self, name: &str, cells: impl IntoIterator<Item = S>) {
        self.push(name, Column::from_strings(cells));
    }
    fn number(&mut self, name: &str, cells: impl IntoIterator<Item = Option<f64>>) {
        let v: Vec<Option<f64>> = cells
            .into_iter()
            .map(|x| x.filter(|x| x.is_finite()))
            .collect();
        self.push(name, Column::Number(v));
    }
    fn boolean(&mut self, name: &str, cells: impl IntoIterator<Item = bool>) {
        let v: Vec<Option<bool>> = cells.into_iter().map(Some).collect();
        self.push(name, Column::Boolean(v));
    }
    /// The table with its columns in the order they were given.
    fn in_order(self) -> Table {
        let mut table = Table::with_rows(self.n);
        for (name, col) in self.columns {
            table.push(name, col).expect("column length");
        }
        table
    }
    /// The table in the profile layout of `schema`, limits at the profile's levels.
    fn finish(self, schema: &TableSchema, levels: &[ConfidenceLevel]) -> Table {
        let suffixes: Vec<String> = levels.iter().map(|l| l.column_suffix()).collect();
        schema.assemble(Layout::Profile, &suffixes, self.n, self.columns)
    }
    fn intervals(
        &mut self,
        prefix: &str,
        levels: &[ConfidenceLevel],
        rows: &[Vec<Option<Interval>>],
    ) {
        for (k, l) in levels.iter().enumerate() {
            let s = l.column_suffix();
            self.number(
                &schema::lower(prefix, &s),
                rows.iter()
                    .map(|r| r.get(k).copied().flatten().map(|i| i.lower)),
            );
            self.number(
                &schema::upper(prefix, &s),
                rows.iter()
                    .map(|r| r.get(k).copied().flatten().map(|i| i.upper)),
            );
        }
    }
}

/// The stems of the tables [`tables`] lays out, in order (the files a profile folder holds,
/// beside the Fingertips download).
pub const STEMS: [&str; 6] = [
    schema::PROFILE_TABLES[0].name,
    schema::PROFILE_TABLES[1].name,
    schema::PROFILE_TABLES[2].name,
    schema::PROFILE_TABLES[3].name,
    schema::PROFILE_TABLES[4].name,
    schema::PROFILE_TABLES[5].name,
];

/// Lays a protected profile out as tables, each built on its own core where there is one.
pub fn tables(spec: &Spec, p: &Profile) -> Tables {
    type Build = fn(&Spec, &Profile) -> Table;
    let builds: [Build; 6] = [
        estimates,
        comparisons,
        inequality,
        trends,
        data_quality,
        disclosure_audit,
    ];
    let builds: Vec<(&'static str, Build)> = STEMS.into_iter().zip(builds).collect();
    let tables = builds
        .par_iter()
        .map(|(stem, build)| (*stem, build(spec, p)))
        .collect();
    Tables { tables }
}

/// An area's code, or the comparator's for all areas.
fn code_of_area(spec: &Spec, p: &Profile, a: u32) -> String {
    if a == ALL_AREAS {
        spec.areas.total_code.clone()
    } else {
        p.areas[a as usize].clone()
    }
}

/// A dimension's label, `Overall` for none.
fn dimension_label(p: &Profile, d: usize) -> &'static str {
    p.dimensions[d].map_or(OVERALL, |k| k.label())
}

/// `estimates`: one row per indicator × period × area × dimension × group.
fn estimates(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let dim_label = |d: usize| dimension_label(p, d);
    let e = &p.estimates;
    let mut b = Builder::new(e.len());
    b.text(
        col::INDICATOR_ID,
        e.iter().map(|r| &spec.indicators[r.indicator].id),
    );
    b.text(
        col::INDICATOR,
        e.iter().map(|r| &spec.indicators[r.indicator].name),
    );
    b.text(
        col::STATISTIC,
        e.iter()
            .map(|r| spec.indicators[r.indicator].statistic.label()),
    );
    b.text(col::AREA_CODE, e.iter().map(|r| area_code(r.area)));
    b.text(
        col::AREA_NAME,
        e.iter().map(|r| area_name(&p.area_names, r.area, spec)),
    );
    b.text(col::PERIOD, e.iter().map(|r| &p.periods[r.period]));
    b.text(col::DIMENSION, e.iter().map(|r| dim_label(r.dimension)));
    b.text(
        col::GROUP_CODE,
        e.iter().map(|r| &p.groups[r.dimension][r.group].code),
    );
    b.text(
        col::GROUP,
        e.iter().map(|r| &p.groups[r.dimension][r.group].label),
    );
    b.boolean(
        col::REFERENCE_GROUP,
        e.iter().map(|r| p.references[r.dimension] == Some(r.group)),
    );
    b.number(col::NUMERATOR, e.iter().map(|r| r.published_numerator));
    b.number(col::DENOMINATOR, e.iter().map(|r| r.published_denominator));
    b.number(col::VALUE, e.iter().map(|r| r.estimate.value));
    let ivs: Vec<Vec<Option<Interval>>> = e.iter().map(|r| r.estimate.intervals.clone()).collect();
    b.intervals(schema::VALUE_LIMITS, &p.levels, &ivs);
    b.number(
        col::MULTIPLIER,
        e.iter().map(|r| {
            spec.indicators[r.indicator]
                .multiplier_in(&p.periods[r.period])
                .ok()
        }),
    );
    b.text(col::METHOD, e.iter().map(|r| r.estimate.method.label()));
    b.text(
        col::COMPARATOR,
        e.iter().map(|r| {
            if r.area == ALL_AREAS {
                ""
            } else {
                spec.areas.total_name.as_str()
            }
        }),
    );
    b.text(
        col::COMPARED_TO_COMPARATOR,
        e.iter().map(|r| r.benchmark.map_or("", |b| b.label())),
    );
    b.boolean(col::SUPPRESSED, e.iter().map(|r| r.hidden));
    b.text(
        col::STATUS,
        e.iter().map(|r| {
            if r.hidden {
                SUPPRESSED
            } else if r.estimate.value.is_some() {
                PUBLISHED
            } else if !p.groups[r.dimension][r.group].recorded {
                NOT_APPLICABLE
            } else {
                NOT_AVAILABLE
            }
        }),
    );
    b.text(col::NOTE, e.iter().map(|r| r.notes.join("; ")));
    b.text(col::DISCLOSURE_RULE, e.iter().map(|_| p.rule.as_str()));
    b.finish(&schema::ESTIMATES, &p.levels)
}

/// `comparisons`: each group against its reference.
fn comparisons(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let dim_label = |d: usize| dimension_label(p, d);
    let c = &p.comparisons;
    let mut b = Builder::new(c.len());
    b.text(
        col::INDICATOR_ID,
        c.iter().map(|r| &spec.indicators[r.indicator].id),
    );
    b.text(col::AREA_CODE, c.iter().map(|r| area_code(r.area)));
    b.text(col::PERIOD, c.iter().map(|r| &p.periods[r.period]));
    b.text(col::DIMENSION, c.iter().map(|r| dim_label(r.dimension)));
    b.text(
        col::GROUP,
        c.iter().map(|r| &p.groups[r.dimension][r.group].label),
    );
    b.text(
        col::REFERENCE_GROUP,
        c.iter().map(|r| &p.groups[r.dimension][r.reference].label),
    );
    b.number(
        col::DIFFERENCE,
        c.iter()
            .map(|r| r.comparison.as_ref().ok().map(|c| c.difference)),
    );
    let ivs: Vec<Vec<Option<Interval>>> = c
        .iter()
        .map(|r| match &r.comparison {
            Ok(c) => c.difference_intervals.iter().map(|i| Some(*i)).collect(),
            Err(_) => vec![None; p.levels.len()],
        })
        .collect();
    b.intervals(schema::DIFFERENCE_LIMITS, &p.levels, &ivs);
    b.number(
        col::RATIO,
        c.iter()
            .map(|r| r.comparison.as_ref().ok().and_then(|c| c.ratio)),
    );
    let ivs: Vec<Vec<Option<Interval>>> = c
        .iter()
        .map(|r| match &r.comparison {
            Ok(c) => c.ratio_intervals.clone(),
            Err(_) => vec![None; p.levels.len()],
        })
        .collect();
    b.intervals(schema::RATIO_LIMITS, &p.levels, &ivs);
    b.text(
        col::DIFFERENCE_METHOD,
        c.iter()
            .map(|r| r.comparison.as_ref().map_or("", |c| c.methods.0)),
    );
    b.text(
        col::RATIO_METHOD,
        c.iter()
            .map(|r| r.comparison.as_ref().map_or("", |c| c.methods.1)),
    );
    b.text(
        col::STATUS,
        c.iter().map(|r| match &r.comparison {
            Ok(_) => PUBLISHED,
            Err(e) if e.contains("disclosure control") => SUPPRESSED,
            Err(_) => NOT_AVAILABLE,
        }),
    );
    b.text(
        col::NOTE,
        c.iter()
            .map(|r| r.comparison.as_ref().err().cloned().unwrap_or_default()),
    );
    b.text(col::DISCLOSURE_RULE, c.iter().map(|_| p.rule.as_str()));
    b.finish(&schema::COMPARISONS, &p.levels)
}

/// `inequality`: the summary measures of each table of groups.
fn inequality(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let dim_label = |d: usize| dimension_label(p, d);
    let q = &p.inequality;
    let mut b = Builder::new(q.len());
    b.text(
        col::INDICATOR_ID,
        q.iter().map(|r| &spec.indicators[r.indicator].id),
    );
    b.text(col::AREA_CODE, q.iter().map(|r| area_code(r.area)));
    b.text(col::PERIOD, q.iter().map(|r| &p.periods[r.period]));
    b.text(col::DIMENSION, q.iter().map(|r| dim_label(r.dimension)));
    b.text(col::MEASURE, q.iter().map(|r| r.measure));
    b.number(col::VALUE, q.iter().map(|r| r.value.map(|m| m.value)));
    let ivs: Vec<Vec<Option<Interval>>> = q
        .iter()
        .map(|r| {
            p.levels
                .iter()
                .map(|l| {
                    r.value
                        .and_then(|m| m.interval(l.fraction()))
                        .map(|(lower, upper)| Interval { lower, upper })
                })
                .collect()
        })
        .collect();
    b.intervals(schema::VALUE_LIMITS, &p.levels, &ivs);
    b.number(col::GROUPS, q.iter().map(|r| Some(r.n_groups as f64)));
    b.text(col::METHOD, q.iter().map(|r| r.method));
    b.text(col::DETAIL, q.iter().map(|r| &r.detail));
    b.text(col::DISCLOSURE_RULE, q.iter().map(|_| p.rule.as_str()));
    b.finish(&schema::INEQUALITY, &p.levels)
}

/// `trends`: the SPC points of each series.
fn trends(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let dim_label = |d: usize| dimension_label(p, d);
    let t = &p.trends;
    let mut b = Builder::new(t.len());
    b.text(
        col::INDICATOR_ID,
        t.iter().map(|r| &spec.indicators[r.indicator].id),
    );
    b.text(col::AREA_CODE, t.iter().map(|r| area_code(r.area)));
    b.text(col::DIMENSION, t.iter().map(|r| dim_label(r.dimension)));
    b.text(
        col::GROUP,
        t.iter().map(|r| &p.groups[r.dimension][r.group].label),
    );
    b.text(col::PERIOD, t.iter().map(|r| &p.periods[r.period]));
    b.number(col::VALUE, t.iter().map(|r| r.point.value));
    b.number(col::MEAN, t.iter().map(|r| Some(r.point.mean)));
    b.number(
        col::LOWER_PROCESS_LIMIT,
        t.iter().map(|r| Some(r.point.lower_limit)),
    );
    b.number(
        col::UPPER_PROCESS_LIMIT,
        t.iter().map(|r| Some(r.point.upper_limit)),
    );
    b.text(
        col::SPECIAL_CAUSE,
        t.iter().map(|r| r.point.rule.map_or("", |x| x.label())),
    );
    b.text(
        col::POINT_TYPE,
        t.iter().map(|r| r.point.point_type.label()),
    );
    b.text(col::SERIES_VARIATION, t.iter().map(|r| r.variation));
    b.text(col::DISCLOSURE_RULE, t.iter().map(|_| p.rule.as_str()));
    b.finish(&schema::TRENDS, &p.levels)
}

/// `data_quality`: recording completeness by area, period and field.
fn data_quality(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let d = &p.quality;
    let mut b = Builder::new(d.len());
    b.text(col::AREA_CODE, d.iter().map(|r| area_code(r.area)));
    b.text(col::PERIOD, d.iter().map(|r| &p.periods[r.period]));
    b.text(col::FIELD, d.iter().map(|r| r.field));
    b.number(col::RECORDS, d.iter().map(|r| Some(r.records_published)));
    b.number(col::RECORDED, d.iter().map(|r| Some(r.published[0])));
    b.number(col::NOT_STATED, d.iter().map(|r| Some(r.published[1])));
    b.number(col::NOT_KNOWN, d.iter().map(|r| Some(r.published[2])));
    b.number(col::UNRECOGNISED, d.iter().map(|r| Some(r.published[3])));
    b.number(
        col::PERCENT_RECORDED,
        d.iter().map(|r| {
            // From the published counts: percent × records ÷ 100 gives back only the
            // published recorded count.
            (r.records_published > 0.0 && r.published[0].is_finite())
                .then(|| r.published[0] / r.records_published * 100.0)
        }),
    );
    b.text(
        col::STATUS,
        d.iter().map(|r| {
            if r.records_published.is_finite() && r.published.iter().all(|x| x.is_finite()) {
                PUBLISHED
            } else {
                SUPPRESSED
            }
        }),
    );
    b.text(col::UNRECOGNISED_CODES, d.iter().map(|r| &r.codes));
    b.text(col::DISCLOSURE_RULE, d.iter().map(|_| p.rule.as_str()));
    b.finish(&schema::DATA_QUALITY, &p.levels)
}

/// `disclosure_audit`: what the attacker audit checked, what it repaired, what is left.
fn disclosure_audit(_spec: &Spec, p: &Profile) -> Table {
    let a = &p.audit;
    let mut b = Builder::new(a.len());
    b.text(col::CHECK, a.iter().map(|r| &r.check));
    b.text(col::SCOPE, a.iter().map(|r| &r.scope));
    b.number(col::CHECKED, a.iter().map(|r| Some(r.checked as f64)));
    b.number(col::REPAIRED, a.iter().map(|r| Some(r.repaired as f64)));
    b.number(col::RESIDUAL, a.iter().map(|r| Some(r.residual as f64)));
    b.text(col::DETAIL, a.iter().map(|r| &r.detail));
    b.text(col::DISCLOSURE_RULE, a.iter().map(|_| p.rule.as_str()));
    b.finish(&schema::DISCLOSURE_AUDIT, &p.levels)
}

/// The Fingertips download header (API `all_data/csv`), 26 columns.
pub const FINGERTIPS_HEADER: [&str; 26] = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
];

/// The estimates in Fingertips' 26-column download format: indicator IDs are the indicators'
/// positions in the spec (1, 2, …); the all-areas row is the parent; the overall row has a blank
/// category, as Fingertips' headline rows; the comparison with the parent fills "Compared to
/// Region value or percentiles" (there is no England value inside a local profile).
pub fn fingertips(spec: &Spec, p: &Profile) -> Table {
    let e = &p.estimates;
    let level_at = |pct: f64| {
        p.levels
            .iter()
            .position(|l| (l.fraction() * 100.0 - pct).abs() < 1e-9)
    };
    let (l95, l998) = (level_at(95.0), level_at(99.8));
    let limit = |k: Option<usize>, r: &crate::compute::EstimateRow, upper: bool| {
        k.and_then(|k| r.estimate.intervals.get(k).copied().flatten())
            .map(|i| if upper { i.upper } else { i.lower })
    };
    let mut b = Builder::new(e.len());
    let names: Vec<String> = FINGERTIPS_HEADER.iter().map(|s| s.to_string()).collect();
    let area_code = |a: u32| {
        if a == ALL_AREAS {
            spec.areas.total_code.clone()
        } else {
            p.areas[a as usize].clone()
        }
    };
    b.text(&names[0], e.iter().map(|r| (r.indicator + 1).to_string()));
    b.text(
        &names[1],
        e.iter().map(|r| &spec.indicators[r.indicator].name),
    );
    b.text(
        &names[2],
        e.iter().map(|r| {
            if r.area == ALL_AREAS {
                String::new()
            } else {
                spec.areas.total_code.clone()
            }
        }),
    );
    b.text(
        &names[3],
        e.iter().map(|r| {
            if r.area == ALL_AREAS {
                ""
            } else {
                spec.areas.total_name.as_str()
            }
        }),
    );
    b.text(&names[4], e.iter().map(|r| area_code(r.area)));
    b.text(
        &names[5],
        e.iter().map(|r| area_name(&p.area_names, r.area, spec)),
    );
    b.text(&names[6], e.iter().map(|_| spec.areas.area_type.as_str()));
    b.text(&names[7], e.iter().map(|_| "Persons"));
    b.text(&names[8], e.iter().map(|_| "All ages"));
    b.text(
        &names[9],
        e.iter().map(|r| {
            if r.dimension == 0 {
                ""
            } else {
                p.dimensions[r.dimension].map_or("", |k| k.label())
            }
        }),
    );
    b.text(
        &names[10],
        e.iter().map(|r| {
            if r.dimension == 0 {
                ""
            } else {
                p.groups[r.dimension][r.group].label.as_str()
            }
        }),
    );
    b.text(&names[11], e.iter().map(|r| &p.periods[r.period]));
    b.number(&names[12], e.iter().map(|r| r.estimate.value));
    b.number(&names[13], e.iter().map(|r| limit(l95, r, false)));
    b.number(&names[14], e.iter().map(|r| limit(l95, r, true)));
    b.number(&names[15], e.iter().map(|r| limit(l998, r, false)));
    b.number(&names[16], e.iter().map(|r| limit(l998, r, true)));
    b.number(&names[17], e.iter().map(|r| r.published_numerator));
    b.number(&names[18], e.iter().map(|r| r.published_denominator));
    b.text(
        &names[19],
        e.iter().map(|r| {
            if r.hidden {
                "Value suppressed for disclosure control"
            } else {
                ""
            }
        }),
    );
    b.text(&names[20], e.iter().map(|_| ""));
    b.text(&names[21], e.iter().map(|_| ""));
    b.text(
        &names[22],
        e.iter().map(|r| r.benchmark.map_or("", |b| b.label())),
    );
    b.number(&names[23], e.iter().map(|r| Some(r.period as f64 + 1.0)));
    b.text(&names[24], e.iter().map(|_| ""));
    b.text(&names[25], e.iter().map(|_| ""));
    b.in_order()
}
