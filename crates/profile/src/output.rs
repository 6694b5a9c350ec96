//! A protected profile laid out as tidy tables: `estimates`, `comparisons`, `inequality`,
//! `trends`, `data_quality`, `disclosure_audit`, and the 26-column Fingertips download.
//!
//! Tidy tables carry a `status` column so a suppressed value is never read as missing or zero:
//! `published`, `suppressed` (GSS marker `[c]`), `not available` (`[x]`) or `not applicable`
//! (`[z]`).

use levelfield_stats::{ConfidenceLevel, Interval};
use levelfield_table::{Column, Table};
use rayon::prelude::*;

use crate::{
    compute::{ALL_AREAS, Profile, area_name},
    spec::Spec,
};

/// The tables of a profile, by file stem.
pub struct Tables {
    /// `(stem, table)` in write order.
    pub tables: Vec<(&'static str, Table)>,
}

struct Builder {
    table: Table,
    n: usize,
}

impl Builder {
    fn new(n: usize) -> Builder {
        Builder {
            table: Table::with_rows(n),
            n,
        }
    }
    fn text<S: AsRef<str>>(&mut self, name: &str, cells: impl IntoIterator<Item = S>) {
        let col = Column::from_strings(cells);
        debug_assert_eq!(col.len(), self.n);
        self.table.push(name, col).expect("column length");
    }
    fn number(&mut self, name: &str, cells: impl IntoIterator<Item = Option<f64>>) {
        let v: Vec<Option<f64>> = cells
            .into_iter()
            .map(|x| x.filter(|x| x.is_finite()))
            .collect();
        self.table
            .push(name, Column::Number(v))
            .expect("column length");
    }
    fn boolean(&mut self, name: &str, cells: impl IntoIterator<Item = bool>) {
        let v: Vec<Option<bool>> = cells.into_iter().map(Some).collect();
        self.table
            .push(name, Column::Boolean(v))
            .expect("column length");
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
                &format!("lower{prefix}_ci_{s}"),
                rows.iter()
                    .map(|r| r.get(k).copied().flatten().map(|i| i.lower)),
            );
            self.number(
                &format!("upper{prefix}_ci_{s}"),
                rows.iter()
                    .map(|r| r.get(k).copied().flatten().map(|i| i.upper)),
            );
        }
    }
}

/// The stems of the tables [`tables`] lays out, in order (the files a profile folder holds,
/// beside the Fingertips download).
pub const STEMS: [&str; 6] = [
    "estimates",
    "comparisons",
    "inequality",
    "trends",
    "data_quality",
    "disclosure_audit",
];

/// Lays a protected profile out as tables, each built on its own core where there is one.
pub fn tables(spec: &Spec, p: &Profile) -> Tables {
    type Layout = fn(&Spec, &Profile) -> Table;
    let layouts: [Layout; 6] = [
        estimates,
        comparisons,
        inequality,
        trends,
        data_quality,
        disclosure_audit,
    ];
    let layouts: Vec<(&'static str, Layout)> = STEMS.into_iter().zip(layouts).collect();
    let tables = layouts
        .par_iter()
        .map(|(stem, layout)| (*stem, layout(spec, p)))
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
    p.dimensions[d].map_or("Overall", |k| k.label())
}

/// `estimates`: one row per indicator × period × area × dimension × group.
fn estimates(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let dim_label = |d: usize| dimension_label(p, d);
    let e = &p.estimates;
    let mut b = Builder::new(e.len());
    b.text(
        "indicator_id",
        e.iter().map(|r| &spec.indicators[r.indicator].id),
    );
    b.text(
        "indicator",
        e.iter().map(|r| &spec.indicators[r.indicator].name),
    );
    b.text(
        "statistic",
        e.iter()
            .map(|r| spec.indicators[r.indicator].statistic.label()),
    );
    b.text("area_code", e.iter().map(|r| area_code(r.area)));
    b.text(
        "area_name",
        e.iter().map(|r| area_name(&p.area_names, r.area, spec)),
    );
    b.text("period", e.iter().map(|r| &p.periods[r.period]));
    b.text("dimension", e.iter().map(|r| dim_label(r.dimension)));
    b.text(
        "group_code",
        e.iter().map(|r| &p.groups[r.dimension][r.group].code),
    );
    b.text(
        "group",
        e.iter().map(|r| &p.groups[r.dimension][r.group].label),
    );
    b.boolean(
        "reference_group",
        e.iter().map(|r| p.references[r.dimension] == Some(r.group)),
    );
    b.number("numerator", e.iter().map(|r| r.published_numerator));
    b.number("denominator", e.iter().map(|r| r.published_denominator));
    b.number("value", e.iter().map(|r| r.estimate.value));
    let ivs: Vec<Vec<Option<Interval>>> = e.iter().map(|r| r.estimate.intervals.clone()).collect();
    b.intervals("", &p.levels, &ivs);
    b.number(
        "multiplier",
        e.iter().map(|r| {
            spec.indicators[r.indicator]
                .multiplier_in(&p.periods[r.period])
                .ok()
        }),
    );
    b.text("method", e.iter().map(|r| r.estimate.method.label()));
    b.text(
        "comparator",
        e.iter().map(|r| {
            if r.area == ALL_AREAS {
                ""
            } else {
                spec.areas.total_name.as_str()
            }
        }),
    );
    b.text(
        "compared_to_comparator",
        e.iter().map(|r| r.benchmark.map_or("", |b| b.label())),
    );
    b.boolean("suppressed", e.iter().map(|r| r.hidden));
    b.text(
        "status",
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
    b.text("note", e.iter().map(|r| r.notes.join("; ")));
    b.text("disclosure_rule", e.iter().map(|_| p.rule.as_str()));
    b.table
}

/// `comparisons`: each group against its reference.
fn comparisons(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let dim_label = |d: usize| dimension_label(p, d);
    let c = &p.comparisons;
    let mut b = Builder::new(c.len());
    b.text(
        "indicator_id",
        c.iter().map(|r| &spec.indicators[r.indicator].id),
    );
    b.text("area_code", c.iter().map(|r| area_code(r.area)));
    b.text("period", c.iter().map(|r| &p.periods[r.period]));
    b.text("dimension", c.iter().map(|r| dim_label(r.dimension)));
    b.text(
        "group",
        c.iter().map(|r| &p.groups[r.dimension][r.group].label),
    );
    b.text(
        "reference_group",
        c.iter().map(|r| &p.groups[r.dimension][r.reference].label),
    );
    b.number(
        "difference",
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
    b.intervals("_difference", &p.levels, &ivs);
    b.number(
        "ratio",
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
    b.intervals("_ratio", &p.levels, &ivs);
    b.text(
        "difference_method",
        c.iter()
            .map(|r| r.comparison.as_ref().map_or("", |c| c.methods.0)),
    );
    b.text(
        "ratio_method",
        c.iter()
            .map(|r| r.comparison.as_ref().map_or("", |c| c.methods.1)),
    );
    b.text(
        "status",
        c.iter().map(|r| match &r.comparison {
            Ok(_) => PUBLISHED,
            Err(e) if e.contains("disclosure control") => SUPPRESSED,
            Err(_) => NOT_AVAILABLE,
        }),
    );
    b.text(
        "note",
        c.iter()
            .map(|r| r.comparison.as_ref().err().cloned().unwrap_or_default()),
    );
    b.text("disclosure_rule", c.iter().map(|_| p.rule.as_str()));
    b.table
}

/// `inequality`: the summary measures of each table of groups.
fn inequality(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let dim_label = |d: usize| dimension_label(p, d);
    let q = &p.inequality;
    let mut b = Builder::new(q.len());
    b.text(
        "indicator_id",
        q.iter().map(|r| &spec.indicators[r.indicator].id),
    );
    b.text("area_code", q.iter().map(|r| area_code(r.area)));
    b.text("period", q.iter().map(|r| &p.periods[r.period]));
    b.text("dimension", q.iter().map(|r| dim_label(r.dimension)));
    b.text("measure", q.iter().map(|r| r.measure));
    b.number("value", q.iter().map(|r| r.value.map(|m| m.value)));
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
    b.intervals("", &p.levels, &ivs);
    b.number("groups", q.iter().map(|r| Some(r.n_groups as f64)));
    b.text("method", q.iter().map(|r| r.method));
    b.text("detail", q.iter().map(|r| &r.detail));
    b.text("disclosure_rule", q.iter().map(|_| p.rule.as_str()));
    b.table
}

/// `trends`: the SPC points of each series.
fn trends(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let dim_label = |d: usize| dimension_label(p, d);
    let t = &p.trends;
    let mut b = Builder::new(t.len());
    b.text(
        "indicator_id",
        t.iter().map(|r| &spec.indicators[r.indicator].id),
    );
    b.text("area_code", t.iter().map(|r| area_code(r.area)));
    b.text("dimension", t.iter().map(|r| dim_label(r.dimension)));
    b.text(
        "group",
        t.iter().map(|r| &p.groups[r.dimension][r.group].label),
    );
    b.text("period", t.iter().map(|r| &p.periods[r.period]));
    b.number("value", t.iter().map(|r| r.point.value));
    b.number("mean", t.iter().map(|r| Some(r.point.mean)));
    b.number(
        "lower_process_limit",
        t.iter().map(|r| Some(r.point.lower_limit)),
    );
    b.number(
        "upper_process_limit",
        t.iter().map(|r| Some(r.point.upper_limit)),
    );
    b.text(
        "special_cause",
        t.iter().map(|r| r.point.rule.map_or("", |x| x.label())),
    );
    b.text("point_type", t.iter().map(|r| r.point.point_type.label()));
    b.text("series_variation", t.iter().map(|r| r.variation));
    b.text("disclosure_rule", t.iter().map(|_| p.rule.as_str()));
    b.table
}

/// `data_quality`: recording completeness by area, period and field.
fn data_quality(spec: &Spec, p: &Profile) -> Table {
    let area_code = |a: u32| code_of_area(spec, p, a);
    let d = &p.quality;
    let mut b = Builder::new(d.len());
    b.text("area_code", d.iter().map(|r| area_code(r.area)));
    b.text("period", d.iter().map(|r| &p.periods[r.period]));
    b.text("field", d.iter().map(|r| r.field));
    b.number("records", d.iter().map(|r| Some(r.records_published)));
    b.number("recorded", d.iter().map(|r| Some(r.published[0])));
    b.number("not_stated", d.iter().map(|r| Some(r.published[1])));
    b.number("not_known", d.iter().map(|r| Some(r.published[2])));
    b.number("unrecognised", d.iter().map(|r| Some(r.published[3])));
    b.number(
        "percent_recorded",
        d.iter().map(|r| {
            // From the published counts: percent × records ÷ 100 gives back only the
            // published recorded count.
            (r.records_published > 0.0 && r.published[0].is_finite())
                .then(|| r.published[0] / r.records_published * 100.0)
        }),
    );
    b.text(
        "status",
        d.iter().map(|r| {
            if r.records_published.is_finite() && r.published.iter().all(|x| x.is_finite()) {
                PUBLISHED
            } else {
                SUPPRESSED
            }
        }),
    );
    b.text("unrecognised_codes", d.iter().map(|r| &r.codes));
    b.text("disclosure_rule", d.iter().map(|_| p.rule.as_str()));
    b.table
}

/// `status` of a published value.
pub const PUBLISHED: &str = "published";
/// `status` of a value hidden by disclosure control (GSS marker `[c]`).
pub const SUPPRESSED: &str = "suppressed";
/// `status` of a value that could not be computed (GSS marker `[x]`).
pub const NOT_AVAILABLE: &str = "not available";
/// `status` of a value that does not apply, such as a rate for a group with no population
/// (GSS marker `[z]`).
pub const NOT_APPLICABLE: &str = "not applicable";

/// `disclosure_audit`: what the attacker audit checked, what it repaired, what is left.
fn disclosure_audit(_spec: &Spec, p: &Profile) -> Table {
    let a = &p.audit;
    let mut b = Builder::new(a.len());
    b.text("check", a.iter().map(|r| &r.check));
    b.text("scope", a.iter().map(|r| &r.scope));
    b.number("checked", a.iter().map(|r| Some(r.checked as f64)));
    b.number("repaired", a.iter().map(|r| Some(r.repaired as f64)));
    b.number("residual", a.iter().map(|r| Some(r.residual as f64)));
    b.text("detail", a.iter().map(|r| &r.detail));
    b.text("disclosure_rule", a.iter().map(|_| p.rule.as_str()));
    b.table
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
    b.table
}
