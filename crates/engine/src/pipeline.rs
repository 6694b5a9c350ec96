//! A whole profile run from a checked spec: read the source's columns, aggregate, read
//! the population, estimate, protect and derive — the stages every caller (the command line,
//! the web app's worker) runs in the same order, reporting each as it starts.

use std::time::{Duration, Instant};

use levelfield_profile::{
    Spec,
    compute::Profile,
    query::{Layout, aggregation},
    strata::{Population, Strata},
};

use crate::EngineError;

/// The stages of a run, in order; [`STAGES`] counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reading the numerator source's columns and deciding the aggregation it needs.
    Columns,
    /// The DataFusion aggregation to strata.
    Aggregate,
    /// Reading the population file (begun beside the aggregation; this stage is the wait for
    /// whatever of it is left).
    Population,
    /// Estimates, benchmarks and data quality.
    Estimate,
    /// Disclosure control.
    Protect,
    /// Comparisons, inequality measures and trends from the published groups.
    Derive,
}

/// How many stages a run has.
pub const STAGES: u32 = 6;

impl Stage {
    /// Its position, counting from 0.
    pub fn index(self) -> u32 {
        self as u32
    }

    /// What the stage does, in a few words.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Columns => "reading the columns",
            Stage::Aggregate => "aggregating records to strata",
            Stage::Population => "reading the population",
            Stage::Estimate => "estimating",
            Stage::Protect => "applying disclosure control",
            Stage::Derive => "comparing groups, inequality measures and trends",
        }
    }
}

/// A computed, protected profile and how it was made.
#[derive(Debug)]
pub struct Run {
    /// The profile, ready for `levelfield_profile::output`.
    pub profile: Profile,
    /// How many strata the aggregation produced.
    pub strata: usize,
    /// Each stage's wall time, in order.
    pub timings: Vec<(Stage, Duration)>,
}

/// Everything up to the computed profile: the layout of the sums, the strata and the
/// population.
///
/// # Errors
/// [`EngineError`] for a spec without a source, unreadable files and expressions that are
/// not valid over the source's columns.
pub fn prepare(
    spec: &Spec,
    on_stage: &mut dyn FnMut(Stage),
) -> Result<(Layout, Strata, Option<Population>), EngineError> {
    let (source, _) = spec.numerator_source().ok_or_else(|| {
        levelfield_profile::ProfileError::Spec("the spec has no [events] or [counts]".into())
    })?;
    on_stage(Stage::Columns);
    let columns = crate::columns(&source.path)?;
    let (request, layout) = aggregation(spec, &columns)?;
    on_stage(Stage::Aggregate);
    // The population is read on a thread of its own while the aggregation runs: the
    // aggregation leaves a core idle while it plans and while its groups are collected.
    let (strata, population) = std::thread::scope(|scope| {
        let population = scope.spawn(|| -> Result<Option<Population>, EngineError> {
            match &spec.population {
                Some(p) => {
                    let table = levelfield_table::read(&p.path)?;
                    Ok(Some(Population::from_table(&table, &p.columns)?))
                }
                None => Ok(None),
            }
        });
        let strata = crate::aggregate_on(&request, spec.execution.cluster.as_deref());
        on_stage(Stage::Population);
        let population = population
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (strata, population)
    });
    // The source's errors first, as when the two were read one after the other.
    let strata = strata?;
    if strata.is_empty() {
        return Err(EngineError::Read {
            path: source.path.display().to_string(),
            message: "the file has a header but no rows; a profile of no data would publish nothing. Check that the extract is complete".into(),
        });
    }
    Ok((layout, strata, population?))
}

/// Runs the whole profile: [`prepare`], then estimates, disclosure control, the derived
/// comparisons, inequality measures and trends, and area names. `on_stage` hears each stage as
/// it starts.
///
/// # Errors
/// As [`prepare`], and the data problems `levelfield_profile` collects.
pub fn run(spec: &Spec, on_stage: &mut dyn FnMut(Stage)) -> Result<Run, EngineError> {
    let mut timings = Vec::with_capacity(STAGES as usize);
    let mut last: Option<(Stage, Instant)> = None;
    let mut mark = |stage: Stage, timings: &mut Vec<(Stage, Duration)>| {
        let now = Instant::now();
        if let Some((s, t)) = last.replace((stage, now)) {
            timings.push((s, now - t));
        }
        on_stage(stage);
    };
    let (layout, strata, population) = {
        let mut inner = |s: Stage| mark(s, &mut timings);
        prepare(spec, &mut inner)?
    };
    mark(Stage::Estimate, &mut timings);
    let mut profile =
        levelfield_profile::compute::compute(spec, &layout, &strata, population.as_ref())?;
    mark(Stage::Protect, &mut timings);
    levelfield_profile::disclose::protect(spec, &mut profile)?;
    mark(Stage::Derive, &mut timings);
    levelfield_profile::compute::derive(spec, &mut profile);
    if let Some(names) = &spec.areas.names {
        levelfield_profile::name_areas(&mut profile, &levelfield_table::read(names)?)?;
    }
    if let Some((s, t)) = last {
        timings.push((s, t.elapsed()));
    }
    Ok(Run {
        profile,
        strata: strata.len(),
        timings,
    })
}
