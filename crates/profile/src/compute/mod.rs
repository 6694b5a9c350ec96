//! The profile's statistics from aggregated strata: mapping codes to groups, summing strata
//! into cells (period × area × dimension × group, and by age band × sex for standardisation),
//! then estimates, comparisons with the reference group, inequality measures, SPC trends and
//! data quality.
//!
//! [`compute`] runs the phases before disclosure control, each a module:
//!
//! | module | phase |
//! |---|---|
//! | `frame` | periods, areas and dimensions |
//! | `decode` | codes of each field, and codes no lookup knows |
//! | `grid` | the dense cells, and rows spread into them |
//! | `events` | the strata into cells |
//! | `quality` | recording completeness of each field |
//! | `population` | the populations into cells |
//! | `reference` | each dimension's reference group |
//! | `estimate` | estimates of every cell |
//! | `standardise` | standardised rates and ratios of a cell |
//! | `benchmark` | each area against all areas |
//!
//! [`derive()`] runs the phases after it: `gaps` (the tables of estimates), `compare`
//! (comparisons with the reference group), `inequality` (summary measures) and `trend` (SPC
//! charts).

mod benchmark;
mod compare;
mod decode;
mod estimate;
mod events;
mod frame;
mod gaps;
mod grid;
mod inequality;
mod population;
mod quality;
mod reference;
mod standardise;
mod trend;

#[cfg(test)]
mod fixtures;

use levelfield_stats::{
    ConfidenceLevel, Estimate,
    compare::{Benchmark, Comparison},
    inequality::Measure as IneqMeasure,
    spc,
};

use crate::{
    ProfileError,
    groups::Group,
    query::Layout,
    spec::{DimensionKind, Spec},
    strata::{Population, Strata},
};

pub(crate) use benchmark::benchmarks;

/// Area index of the all-areas total.
pub const ALL_AREAS: u32 = (1 << 20) - 1;

/// A problem found in the data.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// True when the run cannot go on.
    pub error: bool,
    /// File, column and what was found, and what to do.
    pub message: String,
}

/// One estimate row.
#[derive(Clone, Debug, PartialEq)]
pub struct EstimateRow {
    /// Indicator index in the spec.
    pub indicator: usize,
    /// Period index.
    pub period: usize,
    /// Area index, or [`ALL_AREAS`].
    pub area: u32,
    /// Dimension index: 0 overall, then the spec's dimensions from 1.
    pub dimension: usize,
    /// Group index in the dimension.
    pub group: usize,
    /// Numerator (events, or the count of values for a mean).
    pub numerator: Option<f64>,
    /// Denominator (population or event-based).
    pub denominator: Option<f64>,
    /// The estimate.
    pub estimate: Estimate,
    /// Further notes (why a value is missing, events left out of a standardised rate).
    pub notes: Vec<String>,
    /// Benchmark against the all-areas value of the same group (95 % interval overlap).
    pub benchmark: Option<Benchmark>,
    /// Set by disclosure control: the numerator is hidden.
    pub hidden: bool,
    /// Set by disclosure control: the numerator as published.
    pub published_numerator: Option<f64>,
    /// Set by disclosure control: the denominator as published.
    pub published_denominator: Option<f64>,
    /// Standardised rates and ratios: the events inside the standardisation (the count their
    /// interval is built on), which disclosure control replaces by a rounded count.
    pub standardised_count: Option<f64>,
}

/// One comparison row: a group against its dimension's reference group.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonRow {
    /// Indicator index.
    pub indicator: usize,
    /// Period index.
    pub period: usize,
    /// Area index.
    pub area: u32,
    /// Dimension index (from 1).
    pub dimension: usize,
    /// Group index.
    pub group: usize,
    /// Reference group index.
    pub reference: usize,
    /// The comparison, or why there is none.
    pub comparison: Result<Comparison, String>,
}

/// One inequality summary measure.
#[derive(Clone, Debug, PartialEq)]
pub struct InequalityRow {
    /// Indicator index.
    pub indicator: usize,
    /// Period index.
    pub period: usize,
    /// Area index.
    pub area: u32,
    /// Dimension index (from 1).
    pub dimension: usize,
    /// Measure code (HEAT's: D, R, PAR, PAF, BGV, TI, MLD, SII, RII, ACI, RCI).
    pub measure: &'static str,
    /// The value and its standard error.
    pub value: Option<IneqMeasure>,
    /// How the interval is built.
    pub method: &'static str,
    /// Which groups it compares, or why it was not computed.
    pub detail: String,
    /// Number of groups used.
    pub n_groups: usize,
}

/// One point of an SPC chart over periods.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendRow {
    /// Indicator index.
    pub indicator: usize,
    /// Area index.
    pub area: u32,
    /// Dimension index.
    pub dimension: usize,
    /// Group index.
    pub group: usize,
    /// Period index.
    pub period: usize,
    /// The point.
    pub point: spc::SpcPoint,
    /// The series' verdict on variation.
    pub variation: &'static str,
}

/// Recording completeness of one field in one area and period.
#[derive(Clone, Debug, PartialEq)]
pub struct QualityRow {
    /// Period index.
    pub period: usize,
    /// Area index.
    pub area: u32,
    /// `ethnicity`, `age`, `sex` or `imd`.
    pub field: &'static str,
    /// Records.
    pub records: f64,
    /// Records with a usable value.
    pub recorded: f64,
    /// Records whose value says "not stated" (asked, declined).
    pub not_stated: f64,
    /// Records with no value or "not known".
    pub not_known: f64,
    /// Records with a code no lookup knows, and those codes with their counts.
    pub unrecognised: f64,
    /// `code (records)` list of unrecognised codes.
    pub codes: String,
    /// Records as published (NaN: hidden by disclosure control).
    pub records_published: f64,
    /// Recorded, not stated, not known, unrecognised as published (NaN: hidden).
    pub published: [f64; 4],
}

/// A computed profile, before it is laid out as tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// Period labels, sorted.
    pub periods: Vec<String>,
    /// Area codes, sorted.
    pub areas: Vec<String>,
    /// Area names, aligned with `areas` (the codes unless names are given).
    pub area_names: Vec<String>,
    /// Groups of each dimension (index 0 the overall row).
    pub groups: Vec<Vec<Group>>,
    /// Dimension kinds (index 0 `None`, the overall row).
    pub dimensions: Vec<Option<DimensionKind>>,
    /// Reference group of each dimension.
    pub references: Vec<Option<usize>>,
    /// Estimates.
    pub estimates: Vec<EstimateRow>,
    /// Comparisons.
    pub comparisons: Vec<ComparisonRow>,
    /// Inequality measures.
    pub inequality: Vec<InequalityRow>,
    /// SPC points.
    pub trends: Vec<TrendRow>,
    /// Data quality.
    pub quality: Vec<QualityRow>,
    /// Problems found (none are errors when a profile is returned).
    pub diagnostics: Vec<Diagnostic>,
    /// Confidence levels.
    pub levels: Vec<ConfidenceLevel>,
    /// The disclosure rule applied, as words.
    pub rule: String,
    /// What the disclosure audit checked and repaired, and what it left (`disclosure_audit`).
    pub audit: Vec<crate::disclose::AuditRow>,
}
/// Computes a profile from aggregated strata and populations.
///
/// # Errors
/// [`ProfileError::Data`] listing every problem that stops the run (unknown codes under
/// `unknown_codes = "error"`, negative counts, a numerator above its denominator, events with
/// no population, duplicated population rows, periods without population).
pub fn compute(
    spec: &Spec,
    layout: &Layout,
    strata: &Strata,
    population: Option<&Population>,
) -> Result<Profile, ProfileError> {
    let levels = spec.levels()?;
    let source = spec
        .numerator_source()
        .map(|(s, _)| s.path.display().to_string())
        .unwrap_or_default();
    // Pooled periods: the strata and populations summed into them first.
    let pooled;
    let pooled_population;
    let (strata, population, pools) = if spec.periods.pool == crate::spec::Pool::None {
        (strata, population, crate::pool::Pooled::default())
    } else {
        let (s, parts) = crate::pool::pool_strata(spec.periods.pool, strata, &source)?;
        pooled = s;
        pooled_population = population
            .map(|p| crate::pool::pool_population(spec.periods.pool, p, &parts))
            .transpose()?;
        (&pooled, pooled_population.as_ref(), parts)
    };
    let decoder = decode::Decoder::new(spec);

    let (frame, mut diagnostics) = frame::frame(spec, strata, population, &source)?;
    let read = events::events(spec, layout, strata, &frame, decoder, &source)?;
    diagnostics.extend(read.diagnostics);
    let (pop, found) = population::populations(spec, population, &frame, decoder)?;
    diagnostics.extend(found);
    let (references, found) =
        reference::references(spec, &frame, &read.cells.cells, &pop.cells, layout.records);
    diagnostics.extend(found);
    if diagnostics.iter().any(|d| d.error) {
        return Err(ProfileError::Data(
            diagnostics
                .iter()
                .filter(|d| d.error)
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }

    let mut estimates = estimate::estimates(estimate::Inputs {
        spec,
        layout,
        frame: &frame,
        events: &read.cells,
        population: &pop,
        levels: &levels,
    })?;
    benchmarks(spec, &mut estimates, &levels);
    // Every row of a pooled period says what it pools.
    for e in &mut estimates {
        if let Some(note) = pools.note(&frame.periods[e.period]) {
            e.notes.push(note);
        }
    }

    let frame::Frame {
        periods,
        areas,
        dims,
        groups,
        ..
    } = frame;
    Ok(Profile {
        periods,
        area_names: areas.clone(),
        areas,
        groups,
        dimensions: dims,
        references,
        estimates,
        comparisons: Vec::new(),
        inequality: Vec::new(),
        trends: Vec::new(),
        quality: read.quality.rows(&read.unrecognised),
        diagnostics,
        levels,
        rule: String::new(),
        audit: Vec::new(),
    })
}

/// The name of an area (from `names`, aligned with the area codes) or of the all-areas row.
pub fn area_name<'a>(areas: &'a [String], area: u32, spec: &'a Spec) -> &'a str {
    if area == ALL_AREAS {
        &spec.areas.total_name
    } else {
        &areas[area as usize]
    }
}

/// Adds comparisons, inequality measures and trends; rows whose groups are hidden by disclosure
/// control are left out or marked (call after [`crate::disclose::protect`]).
pub fn derive(spec: &Spec, profile: &mut Profile) {
    let (gaps, trends) = rayon::join(
        || gaps::gaps(spec, profile),
        || trend::trends(spec, profile),
    );
    for (comparisons, inequality) in gaps {
        profile.comparisons.extend(comparisons);
        profile.inequality.extend(inequality);
    }
    profile.trends.extend(trends);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population() -> Population {
        fixtures::population(&[
            ("2024", "E1", "White", "20-24", "1", 10_000.0),
            ("2024", "E2", "White", "20-24", "1", 20_000.0),
            ("2024", "E1", "Black", "20-24", "2", 3_000.0),
        ])
    }

    #[test]
    fn problems_of_every_phase_stop_the_run_together_in_order() {
        let spec = fixtures::spec("[[dimension]]\nkind = \"age\"\nreference = \"200+\"");
        let layout = fixtures::layout(&spec);
        let strata = fixtures::strata(
            &spec,
            &[
                ("", "E1", "A", "20-24", "1", [1.0, 1.0, 1.0, 1.0]),
                ("2024", "E1", "A", "20-24", "1", [1.0, -1.0, 1.0, 1.0]),
            ],
        );
        let err = compute(&spec, &layout, &strata, Some(&population()))
            .unwrap_err()
            .to_string();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{err}");
        assert!(lines[0].contains("some rows have no period"), "{err}");
        assert!(lines[1].contains("a negative count (-1)"), "{err}");
        assert!(
            lines[2].contains("reference `200+` is not one of its groups"),
            "{err}"
        );
    }

    #[test]
    fn a_profile_holds_the_frame_the_estimates_and_the_quality() {
        let spec = fixtures::spec("");
        let layout = fixtures::layout(&spec);
        let strata = fixtures::strata(
            &spec,
            &[
                ("2024", "E2", "A", "20-24", "1", [10.0, 20.0, 50.0, 10.0]),
                ("2024", "E1", "M", "20-24", "2", [10.0, 6.0, 10.0, 5.0]),
            ],
        );
        let p = compute(&spec, &layout, &strata, Some(&population())).unwrap();
        assert_eq!(p.periods, ["2024"]);
        assert_eq!(p.areas, ["E1", "E2"]);
        assert_eq!(p.area_names, p.areas);
        // White as the spec says; for sex, the largest population (Male).
        assert_eq!(p.references, [None, Some(0), Some(0)]);
        assert_eq!(p.levels, fixtures::levels());
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        // Areas are benchmarked against the total; the total is not.
        assert!(
            p.estimates
                .iter()
                .all(|e| e.benchmark.is_some() == (e.area != ALL_AREAS))
        );
        let overall = p
            .estimates
            .iter()
            .find(|e| e.indicator == 0 && e.dimension == 0 && e.area == ALL_AREAS)
            .unwrap();
        assert_eq!(overall.numerator, Some(26.0));
        // Ethnicity, age and sex in each area and the total.
        assert_eq!(p.quality.len(), 9);
        assert!(p.comparisons.is_empty() && p.inequality.is_empty() && p.trends.is_empty());
    }

    #[test]
    fn derive_adds_comparisons_measures_and_trends() {
        let spec = fixtures::spec("[trends]\nmin_periods = 2");
        let layout = fixtures::layout(&spec);
        let strata = fixtures::strata(
            &spec,
            &[
                ("2024", "E2", "A", "20-24", "1", [10.0, 20.0, 50.0, 10.0]),
                ("2024", "E1", "M", "20-24", "2", [10.0, 6.0, 10.0, 5.0]),
                ("2025", "E2", "A", "20-24", "1", [10.0, 25.0, 50.0, 10.0]),
                ("2025", "E1", "M", "20-24", "2", [10.0, 4.0, 10.0, 5.0]),
            ],
        );
        let mut pop = population();
        let next: Vec<_> = pop
            .rows
            .iter()
            .map(|r| crate::strata::PopulationRow {
                period: "2025".into(),
                row: r.row + 3,
                ..r.clone()
            })
            .collect();
        pop.rows.extend(next);
        let mut p = compute(&spec, &layout, &strata, Some(&pop)).unwrap();
        derive(&spec, &mut p);
        assert!(!p.comparisons.is_empty());
        // White and Male are the references.
        assert!(
            p.comparisons
                .iter()
                .all(|c| c.reference == 0 && c.group != 0)
        );
        assert!(p.comparisons.iter().any(|c| c.dimension == 1));
        assert!(p.comparisons.iter().any(|c| c.dimension == 2));
        assert!(
            p.inequality
                .iter()
                .any(|r| r.measure == "D" && r.value.is_some())
        );
        // Every series with two values has both periods, each the estimate's value.
        assert!(!p.trends.is_empty() && p.trends.len().is_multiple_of(2));
        for t in &p.trends {
            let e = p
                .estimates
                .iter()
                .find(|e| {
                    (e.indicator, e.area, e.dimension, e.group, e.period)
                        == (t.indicator, t.area, t.dimension, t.group, t.period)
                })
                .unwrap();
            assert_eq!(t.point.value, e.estimate.value);
            assert!(t.point.value.is_some());
        }
        assert_eq!(area_name(&p.areas, 1, &spec), "E2");
        assert_eq!(area_name(&p.areas, ALL_AREAS, &spec), spec.areas.total_name);
    }
}
