//! Small hand-made specs, strata and populations for the phases' unit tests.

use std::path::Path;

use levelfield_stats::{ConfidenceLevel, Estimate, Interval, Method};

use crate::{
    query::{Layout, aggregation},
    spec::Spec,
    strata::{Measure, Population, PopulationRow, Role, Strata},
};

use super::EstimateRow;

/// A counts spec: a rate, a proportion and a DSR, by ethnicity and sex. `extra` is appended
/// (more dimensions, validation).
pub(super) fn spec(extra: &str) -> Spec {
    let text = format!(
        r#"
name = "unit"
confidence = [95]
[counts]
path = "counts.csv"
[population]
path = "population.csv"
[[indicator]]
id = "det"
name = "Detentions"
statistic = "rate"
numerator = "detentions"
polarity = "low-is-good"
[[indicator]]
id = "restr"
name = "Restrained"
statistic = "proportion"
numerator = "restrained"
denominator = "inpatients"
[[indicator]]
id = "std"
name = "Standardised"
statistic = "dsr"
numerator = "detentions"
[[dimension]]
kind = "ethnicity"
reference = "White"
[[dimension]]
kind = "sex"
{extra}
"#
    );
    Spec::parse(&text, "unit spec", Path::new(".")).unwrap()
}

/// The counts file's columns.
pub(super) fn columns() -> Vec<String> {
    [
        "period",
        "area_code",
        "ethnic_category",
        "age_band",
        "sex",
        "records",
        "detentions",
        "inpatients",
        "restrained",
    ]
    .map(String::from)
    .to_vec()
}

/// The layout of [`spec`] over [`columns`].
pub(super) fn layout(spec: &Spec) -> Layout {
    aggregation(spec, &columns()).unwrap().1
}

/// One stratum: period, area, ethnic code, age band, sex, and [records, detentions,
/// inpatients, restrained].
pub(super) type Row<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, [f64; 4]);

/// Strata of rows, with the measures in the order the spec's aggregation asks for them.
pub(super) fn strata(spec: &Spec, rows: &[Row<'_>]) -> Strata {
    let (request, _) = aggregation(spec, &columns()).unwrap();
    let names = ["records", "detentions", "inpatients", "restrained"];
    let order: Vec<usize> = request
        .measures
        .iter()
        .map(|m| match m {
            Measure::SumColumn(c) => names.iter().position(|n| n == c).unwrap(),
            other => panic!("unexpected measure {other:?}"),
        })
        .collect();
    let rows: Vec<(Vec<Option<&str>>, Vec<f64>)> = rows
        .iter()
        .map(|(p, a, e, g, s, v)| {
            let keys = [*p, *a, *e, *g, *s]
                .iter()
                .map(|k| (!k.is_empty()).then_some(*k))
                .collect();
            (keys, order.iter().map(|&k| v[k]).collect())
        })
        .collect();
    Strata::from_rows(
        &[
            Role::Period,
            Role::Area,
            Role::Ethnicity,
            Role::AgeBand,
            Role::Sex,
        ],
        &rows,
    )
}

/// A population row: period, area, broad group label, age band, sex, population.
pub(super) type PopRow<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, f64);

/// A population file of rows by period, area, ethnicity, age band and sex.
pub(super) fn population(rows: &[PopRow<'_>]) -> Population {
    Population {
        file: "population.csv".into(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, (p, a, e, g, s, n))| PopulationRow {
                period: p.to_string(),
                area: a.to_string(),
                ethnicity: Some(e.to_string()),
                age_band: Some(g.to_string()),
                sex: Some(s.to_string()),
                imd: None,
                population: *n,
                row: i,
            })
            .collect(),
        roles: vec![
            Role::Period,
            Role::Area,
            Role::Ethnicity,
            Role::AgeBand,
            Role::Sex,
        ],
    }
}

/// The 95 % level.
pub(super) fn levels() -> Vec<ConfidenceLevel> {
    vec![ConfidenceLevel::new(95.0).unwrap()]
}

/// An estimate row of indicator 0 in period 0, with a value and a 95 % interval.
pub(super) fn row(area: u32, dimension: usize, group: usize, value: f64, half: f64) -> EstimateRow {
    EstimateRow {
        indicator: 0,
        period: 0,
        area,
        dimension,
        group,
        numerator: Some(value),
        denominator: Some(100.0),
        estimate: Estimate {
            value: Some(value),
            intervals: vec![Some(Interval {
                lower: value - half,
                upper: value + half,
            })],
            method: Method::Exact,
            note: None,
        },
        notes: Vec::new(),
        benchmark: None,
        hidden: false,
        published_numerator: Some(value),
        published_denominator: Some(100.0),
        standardised_count: None,
    }
}

/// Everything the estimates are made from, for strata rows and a population.
pub(super) struct Made {
    /// The layout.
    pub(super) layout: Layout,
    /// The frame.
    pub(super) frame: super::frame::Frame,
    /// The strata's cells.
    pub(super) events: super::events::EventsRead,
    /// The population's cells.
    pub(super) population: super::population::PopulationCells,
    /// Diagnostics of every phase.
    pub(super) diagnostics: Vec<super::Diagnostic>,
}

/// Runs the phases before the estimates.
pub(super) fn made(spec: &Spec, rows: &[Row<'_>], population: &Population) -> Made {
    let layout = layout(spec);
    let strata = strata(spec, rows);
    let decoder = super::decode::Decoder::new(spec);
    let (frame, mut diagnostics) =
        super::frame::frame(spec, &strata, Some(population), "c.csv").unwrap();
    let events = super::events::events(spec, &layout, &strata, &frame, decoder, "c.csv").unwrap();
    diagnostics.extend(events.diagnostics.iter().cloned());
    let (population, found) =
        super::population::populations(spec, Some(population), &frame, decoder).unwrap();
    diagnostics.extend(found);
    Made {
        layout,
        frame,
        events,
        population,
        diagnostics,
    }
}

impl Made {
    /// The estimates' inputs.
    pub(super) fn inputs<'a>(
        &'a self,
        spec: &'a Spec,
        levels: &'a [ConfidenceLevel],
    ) -> super::estimate::Inputs<'a> {
        super::estimate::Inputs {
            spec,
            layout: &self.layout,
            frame: &self.frame,
            events: &self.events.cells,
            population: &self.population,
            levels,
        }
    }
}

/// A table of estimates of indicator 0, period 0, area 0 in dimension 1 of kind `kind`.
pub(super) fn table<'a>(
    kind: crate::spec::DimensionKind,
    statistic: crate::spec::Statistic,
    groups: &'a [crate::groups::Group],
    rows: &'a [EstimateRow],
    reference: Option<usize>,
    levels: &'a [ConfidenceLevel],
) -> super::gaps::GroupTable<'a> {
    super::gaps::GroupTable {
        indicator: 0,
        period: 0,
        area: 0,
        dimension: 1,
        kind,
        statistic,
        polarity: Some(levelfield_stats::inequality::Polarity::Adverse),
        multiplier: 100.0,
        groups,
        reference,
        by_group: rows.iter().map(|r| (r.group, r)).collect(),
        levels,
    }
}
