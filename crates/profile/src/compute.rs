//! The profile's statistics from aggregated strata: mapping codes to groups, summing strata
//! into cells (period × area × dimension × group, and by age band × sex for standardisation),
//! then estimates, comparisons with the reference group, inequality measures, SPC trends and
//! data quality.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use levelfield_model::{
    age::Scheme,
    deprivation::imd_decile,
    ethnicity::{BroadGroup, CATEGORIES},
};
use levelfield_stats::{
    ConfidenceLevel, Estimate, Method, Note,
    compare::{self, Benchmark, Comparison},
    dsr::{DsrAccumulator, Stratum},
    esp2013::ESP2013,
    inequality::{DimensionType, Group as IneqGroup, Measure as IneqMeasure, Polarity},
    isr::IsrAccumulator,
    mean::MeanAccumulator,
    proportion, rate,
    spc::{self, Improvement, SpcConfig},
};

use crate::{
    ProfileError,
    groups::{
        AGE_NOT_KNOWN, BROAD, Codes, ETH_NOT_KNOWN, ETH_NOT_STATED, GENDERS, Group, IMD_NOT_KNOWN,
        SEX_NOT_KNOWN, SEX_NOT_STATED, broad_of, default_reference, ethnic_index, group_of, groups,
        sex_code,
    },
    query::Layout,
    spec::{DimensionKind, Spec, Standard, Statistic, UnknownCodes},
    strata::{Population, Role, Strata},
};

/// The data-quality fields, in decoding order.
const FIELDS: [&str; 4] = ["ethnicity", "age", "sex", "imd"];

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

fn pack(period: usize, area: u32, dim: usize, group: u8) -> u64 {
    (period as u64) << 40 | u64::from(area) << 20 | (dim as u64) << 8 | u64::from(group)
}

/// Where a cell lies in a dense grid: group (all dimensions' groups in a row) × period × area
/// slot (the areas, then the all-areas total). Each dimension's cells are one contiguous run.
#[derive(Clone, Debug)]
struct Shape {
    offsets: Vec<usize>,
    sizes: Vec<usize>,
    n_periods: usize,
    n_areas: usize,
}

impl Shape {
    fn cells(&self) -> usize {
        self.sizes.iter().sum::<usize>() * self.n_periods * (self.n_areas + 1)
    }
    fn index(&self, key: u64) -> usize {
        let period = (key >> 40) as usize;
        let area = ((key >> 20) & 0xF_FFFF) as u32;
        let dim = ((key >> 8) & 0xFFF) as usize;
        let group = (key & 0xFF) as usize;
        let slot = if area == ALL_AREAS {
            self.n_areas
        } else {
            area as usize
        };
        ((self.offsets[dim] + group) * self.n_periods + period) * (self.n_areas + 1) + slot
    }
    /// The cells of each dimension, as `(first, count)`.
    fn runs(&self) -> Vec<(usize, usize)> {
        let per_group = self.n_periods * (self.n_areas + 1);
        self.offsets
            .iter()
            .zip(&self.sizes)
            .map(|(o, s)| (o * per_group, s * per_group))
            .collect()
    }
}

/// Sums of measures by cell, laid out densely ([`Shape`]). Cells are addressed by packed keys
/// ([`pack`]); a dense array is far faster than hashing for the millions of additions a large
/// profile makes.
struct Grid {
    n: usize,
    shape: Shape,
    values: Vec<f64>,
    present: Vec<bool>,
}

impl Grid {
    /// The most cells a grid may hold (× measures), about 1.6 GB of sums.
    const MAX_VALUES: usize = 200_000_000;

    fn new(
        n: usize,
        dim_sizes: &[usize],
        n_periods: usize,
        n_areas: usize,
    ) -> Result<Grid, ProfileError> {
        let mut offsets = Vec::with_capacity(dim_sizes.len());
        let mut total = 0;
        for size in dim_sizes {
            offsets.push(total);
            total += size;
        }
        let shape = Shape {
            offsets,
            sizes: dim_sizes.to_vec(),
            n_periods,
            n_areas,
        };
        let cells = shape.cells();
        if cells.saturating_mul(n.max(1)) > Grid::MAX_VALUES {
            return Err(ProfileError::Data(format!(
                "{n_periods} periods × {n_areas} areas × {total} groups is more than one profile holds; split the profile by period or region"
            )));
        }
        Ok(Grid {
            n,
            shape,
            values: vec![0.0; cells * n],
            present: vec![false; cells],
        })
    }
    fn index(&self, key: u64) -> usize {
        self.shape.index(key)
    }
    fn get(&self, key: u64) -> Option<&[f64]> {
        let i = self.index(key);
        self.present[i].then(|| &self.values[i * self.n..(i + 1) * self.n])
    }
    /// One part per dimension, each free to fill on its own thread.
    fn parts(&mut self) -> Vec<Part<'_>> {
        let mut values = self.values.as_mut_slice();
        let mut present = self.present.as_mut_slice();
        self.shape
            .runs()
            .into_iter()
            .map(|(first, count)| {
                let (v, rest) = std::mem::take(&mut values).split_at_mut(count * self.n);
                values = rest;
                let (p, rest) = std::mem::take(&mut present).split_at_mut(count);
                present = rest;
                Part {
                    first,
                    n: self.n,
                    values: v,
                    present: p,
                }
            })
            .collect()
    }
}

/// One dimension's cells of a [`Grid`].
struct Part<'a> {
    first: usize,
    n: usize,
    values: &'a mut [f64],
    present: &'a mut [bool],
}

impl Part<'_> {
    /// Adds each run of `slots` cells' first `slots − 1` (the areas) into its last (all areas).
    fn total_areas(&mut self, slots: usize) {
        let n = self.n;
        for (values, present) in self
            .values
            .chunks_exact_mut(slots * n)
            .zip(self.present.chunks_exact_mut(slots))
        {
            let (areas, total) = values.split_at_mut((slots - 1) * n);
            for area in areas.chunks_exact(n) {
                for (t, v) in total.iter_mut().zip(area) {
                    *t += v;
                }
            }
            let (areas, total) = present.split_at_mut(slots - 1);
            total[0] |= areas.iter().any(|p| *p);
        }
    }

    /// Adds measure `m`'s `value(m)` for every measure to the cell at grid index `i`.
    fn add(&mut self, i: usize, value: impl Fn(usize) -> f64) {
        let i = i - self.first;
        self.present[i] = true;
        for (m, slot) in self.values[i * self.n..(i + 1) * self.n]
            .iter_mut()
            .enumerate()
        {
            *slot += value(m);
        }
    }
}

/// Sums by cell × age band × sex slot (male, female, any other), dense like [`Grid`], for
/// standardisation.
struct StdGrid {
    n: usize,
    n_bands: usize,
    values: Vec<f64>,
}

impl StdGrid {
    fn new(n: usize, grid: &Grid, n_bands: usize) -> Result<StdGrid, ProfileError> {
        let cells = grid.present.len() * n_bands * 3;
        if cells.saturating_mul(n) > Grid::MAX_VALUES {
            return Err(ProfileError::Data(
                "too many periods × areas × groups × age bands for standardised indicators in one profile; split the profile by period or region".into(),
            ));
        }
        Ok(StdGrid {
            n,
            n_bands,
            values: vec![0.0; cells * n],
        })
    }
    fn at(&self, cell: usize, band: u8, slot: usize) -> usize {
        ((cell * self.n_bands + band as usize) * 3 + slot) * self.n
    }
    fn get(&self, cell: usize, band: u8, slot: usize, m: usize) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        self.values[self.at(cell, band, slot) + m]
    }
    /// One part per dimension of `shape`, each free to fill on its own thread.
    fn parts(&mut self, shape: &Shape) -> Vec<StdPart<'_>> {
        let per_cell = self.n_bands * 3 * self.n;
        let mut values = self.values.as_mut_slice();
        shape
            .runs()
            .into_iter()
            .map(|(first, count)| {
                let (v, rest) = std::mem::take(&mut values).split_at_mut(count * per_cell);
                values = rest;
                StdPart {
                    first,
                    n: self.n,
                    n_bands: self.n_bands,
                    values: v,
                }
            })
            .collect()
    }
}

/// One dimension's cells of a [`StdGrid`].
struct StdPart<'a> {
    first: usize,
    n: usize,
    n_bands: usize,
    values: &'a mut [f64],
}

impl StdPart<'_> {
    /// As [`Part::total_areas`], for every age band and sex slot of the cells.
    fn total_areas(&mut self, slots: usize) {
        let block = self.n_bands * 3 * self.n;
        if block == 0 {
            return;
        }
        for values in self.values.chunks_exact_mut(slots * block) {
            let (areas, total) = values.split_at_mut((slots - 1) * block);
            for area in areas.chunks_exact(block) {
                for (t, v) in total.iter_mut().zip(area) {
                    *t += v;
                }
            }
        }
    }

    fn add(&mut self, cell: usize, band: u8, slot: usize, value: impl Fn(usize) -> f64) {
        let i = (((cell - self.first) * self.n_bands + band as usize) * 3 + slot) * self.n;
        for (k, x) in self.values[i..i + self.n].iter_mut().enumerate() {
            *x += value(k);
        }
    }
}

/// `FILE: row N` in a message, written only when a message is.
struct RowAt<'a>(&'a str, usize);

impl std::fmt::Display for RowAt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: row {}", self.0, self.1)
    }
}

/// A stratum or population row with its cell coordinates decoded.
#[derive(Clone, Copy)]
struct Placed {
    row: usize,
    period: usize,
    area: u32,
    codes: Codes,
}

/// Sums placed rows into every dimension's cells (and, for standardised indicators, their
/// age × sex cells), one dimension per thread. A row is added to its area's cell only, in row
/// order; each all-areas cell is then the sum of its areas' cells, which halves the additions
/// and is exact for counts (whole numbers below 2^53 add exactly in any order). `value(row, m)`
/// is measure `m` of a row, `std_value(row, k)` the `k`th standardised measure, `std_slot` the
/// sex slot of a row's codes. Returns, per dimension, which groups had any row.
#[allow(clippy::too_many_arguments)]
fn spread(
    cells: &mut Grid,
    std_cells: &mut StdGrid,
    dims: &[Option<DimensionKind>],
    n_bands: usize,
    placed: &[Placed],
    value: impl Fn(usize, usize) -> f64 + Sync,
    std_value: Option<&(dyn Fn(usize, usize) -> f64 + Sync)>,
    std_slot: impl Fn(Codes) -> usize + Sync,
) -> Vec<Vec<bool>> {
    let shape = cells.shape.clone();
    let parts: Vec<_> = cells
        .parts()
        .into_iter()
        .zip(std_cells.parts(&shape))
        .enumerate()
        .collect();
    parts
        .into_par_iter()
        .map(|(d, (mut part, mut std_part))| {
            let kind = dims[d];
            let mut seen = vec![false; shape.sizes[d]];
            for p in placed {
                let g = group_of(kind, p.codes, n_bands);
                seen[g as usize] = true;
                let i = shape.index(pack(p.period, p.area, d, g));
                part.add(i, |m| value(p.row, m));
                if let Some(std_value) = std_value
                    && p.codes.age != AGE_NOT_KNOWN
                {
                    std_part.add(i, p.codes.age, std_slot(p.codes), |k| std_value(p.row, k));
                }
            }
            // The all-areas cells are the sums of the areas' (exact for counts, in any order).
            let slots = shape.n_areas + 1;
            part.total_areas(slots);
            std_part.total_areas(slots);
            seen
        })
        .collect()
}

/// The standardisation slot of a sex code: male, female, or any other.
fn sex_slot(sex: u8) -> usize {
    match sex {
        0 => 0,
        1 => 1,
        _ => 2,
    }
}

/// Interns text keys into sorted indices.
fn sorted_dictionary(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = values.collect();
    v.sort();
    v.dedup();
    v
}

#[derive(Default)]
struct Unrecognised {
    // (field, code) -> records, by (period, area)
    by_cell: BTreeMap<(usize, u32, &'static str), BTreeMap<String, f64>>,
    total: BTreeMap<(&'static str, String), f64>,
}

struct Mapper<'a> {
    spec: &'a Spec,
    scheme: Scheme,
    unrecognised: Unrecognised,
}

impl Mapper<'_> {
    fn note(&mut self, period: usize, area: u32, field: &'static str, code: &str, records: f64) {
        for a in [area, ALL_AREAS] {
            *self
                .unrecognised
                .by_cell
                .entry((period, a, field))
                .or_default()
                .entry(code.to_string())
                .or_default() += records;
            if area == ALL_AREAS {
                break;
            }
        }
        *self
            .unrecognised
            .total
            .entry((field, code.to_string()))
            .or_default() += records;
    }

    /// The code of one value of a field (0 ethnicity, 1 age band, 2 sex, 3 IMD), and whether
    /// the value is unknown to the lookups (then it is coded as not known).
    fn decode(&self, field: usize, text: Option<&str>) -> (u8, bool) {
        let text = text.map(str::trim).filter(|s| !s.is_empty());
        match field {
            0 => match text {
                None => (ETH_NOT_KNOWN, false),
                Some(code) => ethnic_index(code).map_or((ETH_NOT_KNOWN, true), |c| (c, false)),
            },
            1 => match text {
                None => (AGE_NOT_KNOWN, false),
                Some(label) => match self.scheme.parse(label) {
                    Ok(b) => (
                        self.scheme
                            .bands()
                            .iter()
                            .position(|x| x.label == b.label)
                            .map_or(AGE_NOT_KNOWN, |i| i as u8),
                        false,
                    ),
                    Err(_) => (AGE_NOT_KNOWN, true),
                },
            },
            2 => sex_code(text).map_or((SEX_NOT_KNOWN, true), |c| (c, false)),
            _ => match text {
                None => (IMD_NOT_KNOWN, false),
                Some(label) => {
                    // Parquet integers arrive as `3`; floats as `3.0`.
                    let label = label.strip_suffix(".0").unwrap_or(label);
                    imd_decile(label, self.spec.lookups.direction())
                        .map_or((IMD_NOT_KNOWN, true), |d| (d, false))
                }
            },
        }
    }
}

/// A key column with each dictionary value's code and whether it was unknown.
type Decoded<'a> = (&'a crate::strata::KeyColumn, Vec<(u8, bool)>);

/// How a population file's ethnicity reads: NHS category codes, or broad-group labels only.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PopEthnicity {
    Absent,
    Codes,
    Broad,
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
    let scheme = spec.lookups.scheme();
    let n_bands = scheme.bands().len();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let source = spec
        .numerator_source()
        .map(|(s, _)| s.path.display().to_string())
        .unwrap_or_default();

    // Dictionaries: periods from the events; areas from events and populations.
    let key = |role| strata.key(role);
    let period_key = key(Role::Period).ok_or_else(|| ProfileError::Data("no period".into()))?;
    if period_key.dictionary.iter().any(Option::is_none) {
        diagnostics.push(Diagnostic {
            error: true,
            message: format!(
                "{source}: some rows have no period in column `{}`; give every row a period",
                spec.numerator_source()
                    .map_or("", |(s, _)| &s.columns.period)
            ),
        });
    }
    let periods = sorted_dictionary(period_key.dictionary.iter().flatten().cloned());
    let area_key = key(Role::Area);
    let mut area_values: FxHashSet<&str> = area_key
        .map(|k| k.dictionary.iter().flatten().map(String::as_str).collect())
        .unwrap_or_default();
    if area_key.is_some()
        && let Some(p) = population
    {
        area_values.extend(p.rows.iter().map(|r| r.area.as_str()));
    }
    let areas = sorted_dictionary(area_values.into_iter().map(str::to_string));
    let period_index: FxHashMap<&str, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i))
        .collect();
    let area_index: FxHashMap<&str, u32> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i as u32))
        .collect();

    let dims: Vec<Option<DimensionKind>> = std::iter::once(None)
        .chain(spec.dimensions.iter().map(|d| Some(d.kind)))
        .collect();
    let dim_groups: Vec<Vec<Group>> = dims.iter().map(|d| groups(*d, scheme)).collect();
    let standardised = spec
        .indicators
        .iter()
        .any(|i| matches!(i.statistic, Statistic::Dsr | Statistic::Isr));

    // Map strata and sum them into cells.
    let mut mapper = Mapper {
        spec,
        scheme,
        unrecognised: Unrecognised::default(),
    };
    let n_measures = layout.n_measures;
    let dim_sizes: Vec<usize> = dim_groups.iter().map(Vec::len).collect();
    let mut cells = Grid::new(n_measures, &dim_sizes, periods.len(), areas.len())?;
    // Standardisation cells hold only the numerators of DSR and ISR indicators.
    let mut std_measures: Vec<usize> = Vec::new();
    for (ind, l) in spec.indicators.iter().zip(&layout.indicators) {
        if matches!(ind.statistic, Statistic::Dsr | Statistic::Isr)
            && let Some(m) = l.numerator
            && !std_measures.contains(&m)
        {
            std_measures.push(m);
        }
    }
    let mut std_cells = StdGrid::new(
        std_measures.len(),
        &cells,
        if standardised { n_bands } else { 0 },
    )?;
    // Data quality: records by (period, area, field) → [records, recorded, not stated, not known, unrecognised].
    let n_slots = areas.len() + 1;
    let mut quality: Vec<Option<[f64; 5]>> = vec![None; periods.len() * n_slots * 4];
    let quality_at = |period: usize, area: u32, field: usize| {
        let slot = if area == ALL_AREAS {
            n_slots - 1
        } else {
            area as usize
        };
        (period * n_slots + slot) * 4 + field
    };
    let records_of = |row: usize| -> f64 {
        match layout.records {
            Some(m) => strata.values[m][row],
            None => layout
                .indicators
                .first()
                .and_then(|l| l.numerator)
                .map_or(0.0, |m| strata.values[m][row]),
        }
    };
    if layout.records.is_none() {
        diagnostics.push(Diagnostic {
            error: false,
            message: format!(
                "{source}: no `{}` column: data quality is measured on the first indicator's counts",
                spec.numerator_source()
                    .map_or("records", |(s, _)| &s.columns.records)
            ),
        });
    }
    // Periods decoded once per dictionary value, as the other fields below.
    let period_of: Vec<Option<usize>> = period_key
        .dictionary
        .iter()
        .map(|p| p.as_deref().map(|p| period_index[p]))
        .collect();
    // Each field's dictionary decoded once: strata repeat the same few codes many times.
    let decoded: Vec<Option<Decoded<'_>>> = [Role::Ethnicity, Role::AgeBand, Role::Sex, Role::Imd]
        .iter()
        .enumerate()
        .map(|(f, role)| {
            key(*role).map(|k| {
                let table = k
                    .dictionary
                    .iter()
                    .map(|v| mapper.decode(f, v.as_deref()))
                    .collect();
                (k, table)
            })
        })
        .collect();
    // Broad groups decoded once per category.
    let broad_by_category: Vec<u8> = (0..CATEGORIES.len())
        .map(|c| broad_of(c as u8, spec.lookups.placements()))
        .collect();
    // Areas decoded once per dictionary value too.
    let area_of: Option<Vec<Option<u32>>> = area_key.map(|k| {
        k.dictionary
            .iter()
            .map(|a| a.as_deref().map(|a| area_index[a]))
            .collect()
    });
    let present = [
        key(Role::Ethnicity).is_some(),
        key(Role::AgeBand).is_some(),
        key(Role::Sex).is_some(),
        key(Role::Imd).is_some(),
    ];
    let mut negative = Vec::new();
    let mut placed = Vec::with_capacity(strata.len());
    for row in 0..strata.len() {
        let Some(period) = period_of[period_key.codes[row] as usize] else {
            continue;
        };
        let area = match (&area_of, area_key) {
            (Some(area_of), Some(k)) => match area_of[k.codes[row] as usize] {
                Some(a) => a,
                None => {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!(
                            "{source}: some rows have no area code; give every row an area"
                        ),
                    });
                    continue;
                }
            },
            _ => ALL_AREAS,
        };
        for (m, values) in strata.values.iter().enumerate() {
            if values[row] < 0.0 && negative.len() < 20 {
                negative.push((m, values[row]));
            }
        }
        let records = records_of(row);
        let mut unknown = [false; 4];
        let mut code = [ETH_NOT_KNOWN, AGE_NOT_KNOWN, SEX_NOT_KNOWN, IMD_NOT_KNOWN];
        for f in 0..4 {
            if let Some((column, table)) = &decoded[f] {
                let (c, u) = table[column.codes[row] as usize];
                code[f] = c;
                if u {
                    unknown[f] = true;
                    let text = column.value(row).unwrap_or("").trim().to_string();
                    mapper.note(period, area, FIELDS[f], &text, records);
                }
            }
        }
        let codes = Codes {
            ethnicity: code[0],
            broad: broad_by_category[code[0] as usize],
            age: code[1],
            sex: code[2],
            imd: code[3],
        };
        for field in 0..4 {
            if !present[field] {
                continue;
            }
            let status = match field {
                0 => match codes.ethnicity {
                    ETH_NOT_STATED => 2,
                    ETH_NOT_KNOWN => 3,
                    _ => 1,
                },
                1 => usize::from(codes.age == AGE_NOT_KNOWN) * 2 + 1,
                2 => match codes.sex {
                    SEX_NOT_STATED => 2,
                    SEX_NOT_KNOWN => 3,
                    _ => 1,
                },
                _ => usize::from(codes.imd == IMD_NOT_KNOWN) * 2 + 1,
            };
            let status = if unknown[field] { 4 } else { status };
            for a in [area, ALL_AREAS] {
                let q = quality[quality_at(period, a, field)].get_or_insert([0.0; 5]);
                q[0] += records;
                q[status] += records;
                if area == ALL_AREAS {
                    break;
                }
            }
        }
        placed.push(Placed {
            row,
            period,
            area,
            codes,
        });
    }
    let std_value = |row: usize, k: usize| strata.values[std_measures[k]][row];
    spread(
        &mut cells,
        &mut std_cells,
        &dims,
        n_bands,
        &placed,
        |row, m| strata.values[m][row],
        standardised.then_some(&std_value as &(dyn Fn(usize, usize) -> f64 + Sync)),
        |codes| sex_slot(codes.sex),
    );
    drop(placed);
    for (m, v) in &negative {
        diagnostics.push(Diagnostic {
            error: true,
            message: format!(
                "{source}: a negative count ({v}) in measure {} — counts must be zero or more; correct the file",
                m + 1
            ),
        });
    }
    for ((field, code), records) in &mapper.unrecognised.total {
        diagnostics.push(Diagnostic {
            error: spec.validation.unknown_codes == UnknownCodes::Error,
            message: format!(
                "{source}: {records} record(s) have the {field} code `{code}`, which no lookup knows; {}",
                match spec.validation.unknown_codes {
                    UnknownCodes::Error => "correct the code, or set [validation] unknown_codes = \"report\" to count them as not known",
                    UnknownCodes::Report => "counted as not known and listed in data_quality.csv",
                }
            ),
        });
    }

    // Populations into cells.
    let mut pop_cells = Grid::new(1, &dim_sizes, periods.len(), areas.len())?;
    let mut pop_std = StdGrid::new(1, &cells, if standardised { n_bands } else { 0 })?;
    let mut pop_ethnicity = PopEthnicity::Absent;
    // The groups the population file has at all: events in a group it never has (non-binary,
    // when populations are by male and female) get a note, not an error.
    let mut pop_groups: Vec<Vec<bool>> = dim_sizes.iter().map(|&n| vec![false; n]).collect();
    let pop_roles: Vec<Role> = population.map(|p| p.roles.clone()).unwrap_or_default();
    let pop_has_role = |r: Role| pop_roles.contains(&r);
    if let Some(pop) = population {
        if pop_has_role(Role::Ethnicity) {
            pop_ethnicity = if pop.rows.iter().all(|r| {
                r.ethnicity
                    .as_deref()
                    .is_some_and(|e| ethnic_index(e).is_some())
            }) {
                PopEthnicity::Codes
            } else {
                PopEthnicity::Broad
            };
        }
        let mut seen: FxHashMap<(usize, u32, Codes), usize> = FxHashMap::default();
        let mut cache: [FxHashMap<String, (u8, bool)>; 4] = Default::default();
        let mut ethnic_cache: FxHashMap<String, Result<(u8, u8), String>> = FxHashMap::default();
        let mut placed = Vec::with_capacity(pop.rows.len());
        let mut missing_periods: BTreeMap<String, usize> = BTreeMap::new();
        for (row, r) in pop.rows.iter().enumerate() {
            let at = RowAt(&pop.file, r.row + 1);
            let Some(&period) = period_index.get(r.period.as_str()) else {
                *missing_periods.entry(r.period.clone()).or_default() += 1;
                continue;
            };
            let area = if area_key.is_some() && pop_has_role(Role::Area) {
                area_index[r.area.as_str()]
            } else {
                ALL_AREAS
            };
            if !(r.population.is_finite() && r.population >= 0.0) {
                diagnostics.push(Diagnostic {
                    error: true,
                    message: format!(
                        "{at}, column `population`: {} is not a population; give a number zero or more",
                        r.population
                    ),
                });
                continue;
            }
            let label = r.ethnicity.as_deref().unwrap_or("");
            let decoded = match ethnic_cache.get(label) {
                Some(decoded) => decoded,
                None => {
                    let decoded = match pop_ethnicity {
                        PopEthnicity::Absent => Ok((ETH_NOT_KNOWN, 6)),
                        PopEthnicity::Codes => {
                            let e = ethnic_index(label).unwrap_or(ETH_NOT_KNOWN);
                            Ok((e, broad_by_category[e as usize]))
                        }
                        PopEthnicity::Broad => BroadGroup::parse_label(label)
                            .map(|g| {
                                (
                                    ETH_NOT_KNOWN,
                                    BROAD.iter().position(|b| *b == g).unwrap_or(6) as u8,
                                )
                            })
                            .map_err(|e| e.to_string()),
                    };
                    ethnic_cache.entry(label.to_string()).or_insert(decoded)
                }
            };
            let (ethnicity, broad) = match decoded {
                Ok(codes) => *codes,
                Err(e) => {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!("{at}, column `ethnicity`: {e}"),
                    });
                    continue;
                }
            };
            let mut decoded = [AGE_NOT_KNOWN, SEX_NOT_KNOWN, IMD_NOT_KNOWN];
            let mut failed = false;
            for (k, (field, text, column)) in [
                (1, &r.age_band, "age band"),
                (2, &r.sex, "sex"),
                (3, &r.imd, "imd"),
            ]
            .into_iter()
            .enumerate()
            {
                let Some(text) = text else { continue };
                let (code, unknown) = match cache[field].get(text.as_str()) {
                    Some(decoded) => *decoded,
                    None => {
                        let decoded = mapper.decode(field, Some(text));
                        cache[field].insert(text.clone(), decoded);
                        decoded
                    }
                };
                if unknown {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!(
                            "{at}, column `{column}`: `{text}` is not a known {column} code; use the profile's age bands, 1/2 or Male/Female, and IMD deciles 1–10"
                        ),
                    });
                    failed = true;
                }
                decoded[k] = code;
            }
            if failed {
                continue;
            }
            let [age, sex, imd] = decoded;
            let codes = Codes {
                ethnicity,
                broad,
                age,
                sex,
                imd,
            };
            if let Some(first) = seen.insert((period, area, codes), r.row) {
                diagnostics.push(Diagnostic {
                    error: true,
                    message: format!(
                        "{at}: duplicates row {} (same period, area, ethnicity, age band, sex and IMD); keep one row per stratum",
                        first + 1
                    ),
                });
                continue;
            }
            placed.push(Placed {
                row,
                period,
                area,
                codes,
            });
        }
        let by_sex = pop_has_role(Role::Sex);
        let std_value = |row: usize, _: usize| pop.rows[row].population;
        pop_groups = spread(
            &mut pop_cells,
            &mut pop_std,
            &dims,
            n_bands,
            &placed,
            |row, _| pop.rows[row].population,
            standardised.then_some(&std_value as &(dyn Fn(usize, usize) -> f64 + Sync)),
            |codes| if by_sex { sex_slot(codes.sex) } else { 0 },
        );
        for (p, n) in missing_periods {
            diagnostics.push(Diagnostic {
                error: false,
                message: format!(
                    "{}: {n} row(s) for period `{p}`, which has no events; not used",
                    pop.file
                ),
            });
        }
        let uses_population = spec.indicators.iter().any(|i| i.uses_population());
        if uses_population {
            for (i, p) in periods.iter().enumerate() {
                if pop_cells.get(pack(i, ALL_AREAS, 0, 0)).is_none() {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!(
                            "{}: no population for period `{p}`, which has events; add its rows or remove the period's events",
                            pop.file
                        ),
                    });
                }
            }
        }
    }
    // Whether the population breaks down by each dimension.
    let pop_by = |kind: Option<DimensionKind>| -> bool {
        match kind {
            None => true,
            Some(DimensionKind::Ethnicity) => pop_ethnicity != PopEthnicity::Absent,
            Some(DimensionKind::EthnicityDetailed) => pop_ethnicity == PopEthnicity::Codes,
            Some(DimensionKind::ImdDecile | DimensionKind::ImdQuintile) => {
                pop_roles.contains(&Role::Imd)
            }
            Some(DimensionKind::Age) => pop_roles.contains(&Role::AgeBand),
            Some(DimensionKind::Sex) => pop_roles.contains(&Role::Sex),
        }
    };
    let pop_sex = pop_roles.contains(&Role::Sex);
    if standardised && population.is_some() && !pop_roles.contains(&Role::AgeBand) {
        diagnostics.push(Diagnostic {
            error: true,
            message: format!(
                "{}: standardised indicators need an age band column in the population file",
                population.map(|p| p.file.as_str()).unwrap_or("")
            ),
        });
    }

    // Reference groups: the spec's, the natural one, or the largest denominator overall — but
    // never for age: the largest band is no meaningful reference ("5-9 is 84 % lower than
    // 50-54"), so age bands are compared only with a band the spec names.
    let mut references = vec![None];
    for (d, dim) in spec.dimensions.iter().enumerate() {
        let gs = &dim_groups[d + 1];
        let r = match &dim.reference {
            Some(text) => {
                let t = text.trim();
                let found = gs.iter().position(|g| {
                    g.recorded
                        && (g.code.eq_ignore_ascii_case(t) || g.label.eq_ignore_ascii_case(t))
                });
                if found.is_none() {
                    diagnostics.push(Diagnostic {
                        error: true,
                        message: format!(
                            "[[dimension]] {:?}: reference `{t}` is not one of its groups ({})",
                            dim.kind,
                            gs.iter()
                                .filter(|g| g.recorded)
                                .map(|g| g.code.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                found
            }
            None if dim.kind == DimensionKind::Age => None,
            None => default_reference(dim.kind).map(usize::from).or_else(|| {
                (0..gs.len()).filter(|&g| gs[g].recorded).max_by(|&a, &b| {
                    let size = |g: usize| -> f64 {
                        (0..periods.len())
                            .map(|p| {
                                let c = pack(p, ALL_AREAS, d + 1, g as u8);
                                pop_cells
                                    .get(c)
                                    .map(|v| v[0])
                                    .or_else(|| {
                                        cells.get(c).map(|v| layout.records.map_or(0.0, |m| v[m]))
                                    })
                                    .unwrap_or(0.0)
                            })
                            .sum()
                    };
                    size(a).total_cmp(&size(b))
                })
            }),
        };
        references.push(r);
    }
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

    // Estimates.
    let area_list: Vec<u32> = if area_key.is_some() {
        (0..areas.len() as u32).chain([ALL_AREAS]).collect()
    } else {
        vec![ALL_AREAS]
    };
    // Events of measure `m` in a standardisation cell; without a sex column in the population,
    // events of every sex share one cell (sex 0).
    let std_events = |cell: u64, band: u8, sex: u8, m: usize| -> f64 {
        let m = std_measures.iter().position(|x| *x == m).unwrap_or(0);
        let cell = cells.index(cell);
        if pop_sex {
            std_cells.get(cell, band, sex_slot(sex), m)
        } else {
            (0..3).map(|slot| std_cells.get(cell, band, slot, m)).sum()
        }
    };
    let std_population = |cell: u64, band: u8, sex: u8| -> f64 {
        pop_std.get(cells.index(cell), band, sex_slot(sex), 0)
    };
    // One (indicator, dimension) block of cells: blocks are independent, so they run on every
    // core and are put back in order — the same rows, in the same order, as one pass.
    let block = |i: usize, d: usize| -> Result<(Vec<EstimateRow>, Vec<String>), ProfileError> {
        let ind = &spec.indicators[i];
        let l = &layout.indicators[i];
        let kind = &dims[d];
        let zero = vec![0.0; n_measures];
        let mut estimates = Vec::new();
        let mut problems = Vec::new();
        for (period, period_label) in periods.iter().enumerate() {
            // Per year when annualised: 4 × a quarter's rate, 12 × a month's.
            let multiplier = ind
                .multiplier_in(period_label)
                .map_err(ProfileError::Data)?;
            for &area in &area_list {
                for (g, group) in dim_groups[d].iter().enumerate() {
                    let cell = pack(period, area, d, g as u8);
                    let sums = cells.get(cell);
                    let pop = pop_cells.get(cell).map(|v| v[0]);
                    // Skip cells with neither events nor population (e.g. not-known groups
                    // that never occur).
                    // (Event-based statistics need events; rates also show zero-event groups
                    // that have a population.)
                    if sums.is_none() && (pop.is_none() || !ind.uses_population()) {
                        continue;
                    }
                    let sums = sums.unwrap_or(&zero);
                    let numerator = l.numerator.map(|m| sums[m]);
                    let mut notes = Vec::new();
                    let mut standardised_count = None;
                    let (denominator, estimate) = match ind.statistic {
                        Statistic::Proportion => {
                            let x = numerator.unwrap_or(0.0);
                            let n = l.denominator.map_or(0.0, |m| sums[m]);
                            if x > n {
                                problems.push(format!(
                                        "indicator `{}`, {} {}, {} {}: numerator {x} is above denominator {n}; a proportion's numerator must be part of its denominator — check the two conditions",
                                        ind.id, period_label, area_name(&areas, area, spec), dims_label(*kind), group.label
                                    ));
                                continue;
                            }
                            let e = if n > 0.0 {
                                proportion::proportion(x, n, &levels, multiplier)
                                    .map_err(|e| ProfileError::Data(e.to_string()))?
                            } else {
                                notes.push("denominator is zero: not estimated".into());
                                Estimate::withheld(
                                    levels.len(),
                                    Method::Wilson,
                                    Note::MissingDenominator,
                                )
                            };
                            (Some(n), e)
                        }
                        Statistic::Rate => {
                            let x = numerator.unwrap_or(0.0);
                            let e = match (pop, pop_by(*kind) && group.recorded) {
                                (Some(n), true) if n > 0.0 => {
                                    rate::crude_rate(x, n, &levels, multiplier)
                                        .map_err(|e| ProfileError::Data(e.to_string()))?
                                }
                                (_, available) => {
                                    notes.push(no_population(available, *kind, group));
                                    if available && x > 0.0 && group.recorded && pop_groups[d][g] {
                                        problems.push(format!(
                                                "indicator `{}`, {} {}, {} {}: {x} events but no population; add the population rows for this stratum",
                                                ind.id, period_label, area_name(&areas, area, spec), dims_label(*kind), group.label
                                            ));
                                    }
                                    Estimate::withheld(
                                        levels.len(),
                                        Method::Exact,
                                        Note::MissingDenominator,
                                    )
                                }
                            };
                            (pop.filter(|_| pop_by(*kind) && group.recorded), e)
                        }
                        Statistic::Dsr | Statistic::Isr => {
                            let x = numerator.unwrap_or(0.0);
                            if !(pop_by(*kind) && group.recorded) || pop.is_none() {
                                notes.push(no_population(pop_by(*kind), *kind, group));
                                (
                                    None,
                                    Estimate::withheld(
                                        levels.len(),
                                        Method::Dobson,
                                        Note::MissingDenominator,
                                    ),
                                )
                            } else {
                                let m = l.numerator.unwrap_or(0);
                                let mut excluded = 0.0;
                                let mut dsr = DsrAccumulator::default();
                                let mut isr = IsrAccumulator::default();
                                // Standard bands with no population in this group: a DSR over
                                // the others is not standardised over the whole standard.
                                let mut bands_left_out: Vec<&str> = Vec::new();
                                for band in 0..n_bands as u8 {
                                    let mut band_has_population = false;
                                    for (sex, gender) in GENDERS.iter().enumerate() {
                                        let sex = sex as u8;
                                        if pop_sex && !gender.in_standard_population() {
                                            continue;
                                        }
                                        if !pop_sex && sex > 0 {
                                            continue;
                                        }
                                        let events = std_events(cell, band, sex, m);
                                        let p = std_population(cell, band, sex);
                                        if p <= 0.0 {
                                            excluded += events;
                                            continue;
                                        }
                                        band_has_population = true;
                                        if ind.statistic == Statistic::Dsr {
                                            let w = match ind.standard.unwrap_or(Standard::Esp2013)
                                            {
                                                Standard::Esp2013 => ESP2013[band as usize],
                                                Standard::Total => std_population(
                                                    pack(period, ALL_AREAS, 0, 0),
                                                    band,
                                                    sex,
                                                ),
                                            };
                                            dsr.add(Stratum::independent(events, p, w))
                                                .map_err(|e| ProfileError::Data(e.to_string()))?;
                                        } else {
                                            let all = pack(period, ALL_AREAS, 0, 0);
                                            let ref_events = std_events(all, band, sex, m);
                                            let ref_pop = std_population(all, band, sex);
                                            if ref_pop > 0.0 {
                                                isr.add(
                                                    Some(events),
                                                    Some(p),
                                                    Some(ref_events),
                                                    ref_pop,
                                                )
                                                .map_err(|e| ProfileError::Data(e.to_string()))?;
                                            }
                                        }
                                    }
                                    if !band_has_population {
                                        bands_left_out.push(scheme.bands()[band as usize].label);
                                    }
                                }
                                if ind.statistic == Statistic::Dsr && !bands_left_out.is_empty() {
                                    notes.push(format!(
                                        "standardised over {} of the {n_bands} standard age bands: no population in {}; not comparable with rates over every band",
                                        n_bands - bands_left_out.len(),
                                        bands_left_out.join(", ")
                                    ));
                                }
                                let standard_x = if ind.statistic == Statistic::Dsr {
                                    dsr.total_count
                                } else {
                                    isr.observed
                                };
                                standardised_count = Some(standard_x);
                                let unstandardised = x - standard_x - excluded;
                                if excluded + unstandardised > 0.0 {
                                    notes.push(
                                            "events with age or sex not known, or in an age-sex stratum without population, are not in the standardised value (see data_quality.csv)".into(),
                                        );
                                }
                                let e = if ind.statistic == Statistic::Dsr {
                                    if dsr.total_standard_population > 0.0 {
                                        dsr.estimate(&levels, multiplier)
                                            .map_err(|e| ProfileError::Data(e.to_string()))?
                                    } else {
                                        Estimate::withheld(
                                            levels.len(),
                                            Method::Dobson,
                                            Note::MissingDenominator,
                                        )
                                    }
                                } else {
                                    isr.ratio(&levels, multiplier)
                                        .map_err(|e| ProfileError::Data(e.to_string()))?
                                };
                                (pop, e)
                            }
                        }
                        Statistic::Mean => {
                            let [c, s, q] = l.mean.unwrap_or([0, 0, 0]);
                            let acc = MeanAccumulator::from_sums(sums[c] as u64, sums[s], sums[q]);
                            (None, acc.estimate(&levels))
                        }
                    };
                    let numerator = match ind.statistic {
                        Statistic::Mean => l.mean.map(|[c, _, _]| sums[c]),
                        _ => numerator,
                    };
                    if notes.is_empty()
                        && let Some(n) = &estimate.note
                    {
                        // Stats' notes may quote a count; a profile publishes counts only
                        // through disclosure control.
                        notes.push(match n {
                                Note::TooFewEvents { minimum, .. } => format!(
                                    "fewer than {minimum} events: value and limits not published (too few for a standardised rate)"
                                ),
                                Note::MissingValues { .. } => "some values missing: mean not estimated".into(),
                                other => other.to_string(),
                            });
                    }
                    estimates.push(EstimateRow {
                        indicator: i,
                        period,
                        area,
                        dimension: d,
                        group: g,
                        numerator,
                        denominator,
                        estimate,
                        notes,
                        benchmark: None,
                        hidden: false,
                        published_numerator: numerator,
                        published_denominator: denominator,
                        standardised_count,
                    });
                }
            }
        }
        Ok((estimates, problems))
    };
    let blocks: Vec<(usize, usize)> = (0..spec.indicators.len())
        .flat_map(|i| (0..dims.len()).map(move |d| (i, d)))
        .collect();
    let blocks: Vec<_> = blocks.into_par_iter().map(|(i, d)| block(i, d)).collect();
    let mut estimates = Vec::new();
    let mut problems = Vec::new();
    for b in blocks {
        let (e, p) = b?;
        estimates.extend(e);
        problems.extend(p);
    }
    if !problems.is_empty() {
        let more = problems.len().saturating_sub(20);
        problems.truncate(20);
        if more > 0 {
            problems.push(format!("… and {more} more of the same kinds"));
        }
        return Err(ProfileError::Data(problems.join("\n")));
    }

    benchmarks(spec, &mut estimates, &levels);

    let profile = Profile {
        periods,
        area_names: areas.clone(),
        areas,
        groups: dim_groups,
        dimensions: dims,
        references,
        estimates,
        comparisons: Vec::new(),
        inequality: Vec::new(),
        trends: Vec::new(),
        quality: quality
            .into_iter()
            .enumerate()
            .filter_map(|(i, q)| {
                let q = q?;
                let (field, slot, period) = (i % 4, (i / 4) % n_slots, i / 4 / n_slots);
                let area = if slot == n_slots - 1 {
                    ALL_AREAS
                } else {
                    slot as u32
                };
                Some((period, area, field, q))
            })
            .map(|(period, area, field, q)| {
                let name = ["ethnicity", "age", "sex", "imd"][field];
                QualityRow {
                    period,
                    area,
                    field: name,
                    records: q[0],
                    recorded: q[1],
                    not_stated: q[2],
                    not_known: q[3],
                    unrecognised: q[4],
                    records_published: q[0],
                    published: [q[1], q[2], q[3], q[4]],
                    codes: mapper
                        .unrecognised
                        .by_cell
                        .get(&(period, area, name))
                        .map(|m| {
                            m.iter()
                                .map(|(c, n)| {
                                    format!("{c} ({})", levelfield_table::format_number(*n))
                                })
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                        .unwrap_or_default(),
                }
            })
            .collect(),
        diagnostics,
        levels,
        rule: String::new(),
        audit: Vec::new(),
    };
    Ok(profile)
}

/// Benchmarks each area against the all-areas value of the same group (95 % interval
/// overlap), from the values as they stand: disclosure control calls it again once values are
/// computed from the published counts.
pub(crate) fn benchmarks(spec: &Spec, estimates: &mut [EstimateRow], levels: &[ConfidenceLevel]) {
    let first95 = levels
        .iter()
        .position(|l| (l.fraction() - 0.95).abs() < 1e-12)
        .unwrap_or(0);
    let lookup: HashMap<(usize, usize, usize, usize, u32), usize> = estimates
        .iter()
        .enumerate()
        .map(|(k, e)| ((e.indicator, e.period, e.dimension, e.group, e.area), k))
        .collect();
    for k in 0..estimates.len() {
        let e = &estimates[k];
        if e.area == ALL_AREAS {
            continue;
        }
        let Some(&c) = lookup.get(&(e.indicator, e.period, e.dimension, e.group, ALL_AREAS)) else {
            continue;
        };
        let comparator = &estimates[c].estimate;
        let b = compare::benchmark(
            e.estimate.value,
            e.estimate.intervals.get(first95).copied().flatten(),
            comparator.value,
            None,
            spec.indicators[e.indicator].polarity.polarity(),
        );
        estimates[k].benchmark = Some(b);
    }
}

fn dims_label(kind: Option<DimensionKind>) -> &'static str {
    kind.map_or("overall", DimensionKind::label)
}

/// The name of an area (from `names`, aligned with the area codes) or of the all-areas row.
pub fn area_name<'a>(areas: &'a [String], area: u32, spec: &'a Spec) -> &'a str {
    if area == ALL_AREAS {
        &spec.areas.total_name
    } else {
        &areas[area as usize]
    }
}

fn no_population(available: bool, kind: Option<DimensionKind>, group: &Group) -> String {
    // No counts in notes: a note is published beside a count that may be rounded or hidden.
    if !group.recorded {
        format!(
            "{} not recorded: no population, so no rate (see data_quality.csv)",
            kind.map_or("group", |k| match k {
                DimensionKind::Ethnicity | DimensionKind::EthnicityDetailed => "ethnicity",
                DimensionKind::ImdDecile | DimensionKind::ImdQuintile => "IMD decile",
                DimensionKind::Age => "age",
                DimensionKind::Sex => "sex",
            })
        )
    } else if !available {
        "the population file has no breakdown by this dimension: no rate".into()
    } else {
        "no population for this group: no rate".into()
    }
}

/// The standard error of an estimate from its interval at the first level.
fn se_of(e: &Estimate, levels: &[ConfidenceLevel]) -> Option<f64> {
    let (i, l) = e
        .intervals
        .iter()
        .zip(levels)
        .find_map(|(i, l)| i.map(|i| (i, *l)))?;
    Some((i.upper - i.lower) / (2.0 * l.z()))
}

/// Adds comparisons, inequality measures and trends; rows whose groups are hidden by disclosure
/// control are left out or marked (call after [`crate::disclose::protect`]).
pub fn derive(spec: &Spec, profile: &mut Profile) {
    let (gaps, trends) = rayon::join(|| gaps(spec, profile), || trends(spec, profile));
    for (comparisons, inequality) in gaps {
        profile.comparisons.extend(comparisons);
        profile.inequality.extend(inequality);
    }
    profile.trends.extend(trends);
}

/// Comparisons with the reference group and inequality measures, one table (indicator,
/// period, area, dimension) at a time, the tables on every core and in order.
fn gaps(spec: &Spec, profile: &Profile) -> Vec<(Vec<ComparisonRow>, Vec<InequalityRow>)> {
    let levels = &profile.levels;
    // Index estimates by (indicator, period, area, dimension) → rows.
    let mut tables: BTreeMap<(usize, usize, u32, usize), Vec<usize>> = BTreeMap::new();
    for (k, e) in profile.estimates.iter().enumerate() {
        if e.dimension != 0 {
            tables
                .entry((e.indicator, e.period, e.area, e.dimension))
                .or_default()
                .push(k);
        }
    }
    let tables: Vec<_> = tables.into_iter().collect();
    tables
        .into_par_iter()
        .map(|((i, period, area, d), rows)| {
            let mut comparisons = Vec::new();
            let mut inequality = Vec::new();
        let ind = &spec.indicators[i];
        // The estimates' own multiplier (per year when annualised; its period label was
        // checked when they were made).
        let multiplier = ind
            .multiplier_in(&profile.periods[period])
            .unwrap_or_else(|_| ind.multiplier());
        let kind = profile.dimensions[d].expect("dimension");
        let groups = &profile.groups[d];
        let by_group: HashMap<usize, &EstimateRow> = rows
            .iter()
            .map(|&k| (profile.estimates[k].group, &profile.estimates[k]))
            .collect();
        // Comparisons with the reference.
        if let Some(r) = profile.references[d] {
            for (g, grp) in groups.iter().enumerate() {
                if g == r || !grp.recorded {
                    continue;
                }
                let Some(e) = by_group.get(&g) else { continue };
                let comparison = match by_group.get(&r) {
                    None => Err("no estimate for the reference group".to_string()),
                    Some(_) if e.hidden => {
                        Err("not published: the group's count is hidden by disclosure control".into())
                    }
                    Some(refe) if refe.hidden => Err(
                        "not published: the reference group's count is hidden by disclosure control"
                            .into(),
                    ),
                    Some(refe) => compare_rows(ind.statistic, e, refe, levels, multiplier),
                };
                comparisons.push(ComparisonRow {
                    indicator: i,
                    period,
                    area,
                    dimension: d,
                    group: g,
                    reference: r,
                    comparison,
                });
            }
        }
        // Inequality over the recorded, published groups with a value.
        let used: Vec<(usize, &EstimateRow)> = (0..groups.len())
            .filter(|g| groups[*g].recorded)
            .filter_map(|g| by_group.get(&g).map(|e| (g, *e)))
            .filter(|(_, e)| !e.hidden && e.estimate.value.is_some())
            .collect();
        let hidden = (0..groups.len())
            .filter(|g| groups[*g].recorded)
            .filter(|g| by_group.get(g).is_some_and(|e| e.hidden))
            .count();
        let ineq: Vec<IneqGroup> = used
            .iter()
            .filter_map(|(_, e)| {
                Some(IneqGroup {
                    value: e.estimate.value?,
                    se: se_of(&e.estimate, levels).unwrap_or(0.0),
                    population: e.published_denominator.unwrap_or(0.0),
                })
            })
            .collect();
        let names: Vec<&str> = used
            .iter()
            .map(|(g, _)| groups[*g].label.as_str())
            .collect();
        let dimension = match kind {
            DimensionKind::ImdDecile | DimensionKind::ImdQuintile => DimensionType::Ordered,
            _ => DimensionType::Unordered,
        };
        let polarity = ind.polarity.polarity().unwrap_or(Polarity::Adverse);
        let mut push = |measure: &'static str,
                        value: Option<IneqMeasure>,
                        method: &'static str,
                        detail: String| {
            let detail = if hidden > 0 && value.is_some() {
                format!(
                    "{detail}{}{hidden} group(s) left out: counts hidden by disclosure control",
                    if detail.is_empty() { "" } else { "; " }
                )
            } else {
                detail
            };
            inequality.push(InequalityRow {
                indicator: i,
                period,
                area,
                dimension: d,
                measure,
                value,
                method,
                detail,
                n_groups: ineq.len(),
            });
        };
        // An ordered dimension's measures compare its ends (most against least deprived) and
        // rank the groups between: with an end unpublished they would silently compare other
        // groups (quintile 3 instead of 5), so they mean something else from area to area.
        let ends_missing = dimension == DimensionType::Ordered && {
            let recorded: Vec<usize> = (0..groups.len()).filter(|g| groups[*g].recorded).collect();
            let published = |g: Option<&usize>| g.is_some_and(|g| used.iter().any(|(u, _)| u == g));
            !published(recorded.first()) || !published(recorded.last())
        };
        if ends_missing {
            push(
                levelfield_stats::measure::MeasureCode::D.code(),
                None,
                "",
                "withheld: the most or the least deprived group has no published value here, so the measures would compare other groups".into(),
            );
        } else if ineq.len() < 2 || ineq.iter().any(|g| g.population <= 0.0) {
            push(
                levelfield_stats::measure::MeasureCode::D.code(),
                None,
                "",
                "needs at least two groups with values and denominators".into(),
            );
        } else {
            for m in levelfield_stats::measure::summaries(&ineq, &names, dimension, polarity) {
                push(m.measure.code(), m.value, m.method, m.detail);
            }
        }
        (comparisons, inequality)
        })
        .collect()
}

/// Trends: one SPC chart per series (indicator, area, dimension, group) with enough periods,
/// the series on every core and in order.
fn trends(spec: &Spec, profile: &Profile) -> Vec<TrendRow> {
    let n_periods = profile.periods.len();
    if n_periods < spec.trends.min_periods {
        return Vec::new();
    }
    let mut series: BTreeMap<(usize, u32, usize, usize), Vec<Option<usize>>> = BTreeMap::new();
    for (k, e) in profile.estimates.iter().enumerate() {
        series
            .entry((e.indicator, e.area, e.dimension, e.group))
            .or_insert_with(|| vec![None; n_periods])[e.period] = Some(k);
    }
    let series: Vec<_> = series.into_iter().collect();
    series
        .into_par_iter()
        .flat_map_iter(|((i, area, d, g), ks)| {
            let values: Vec<Option<f64>> = ks
                .iter()
                .map(|k| {
                    k.and_then(|k| {
                        let e = &profile.estimates[k];
                        if e.hidden { None } else { e.estimate.value }
                    })
                })
                .collect();
            if values.iter().flatten().count() < spec.trends.min_periods {
                return Vec::new();
            }
            let config = SpcConfig {
                improvement: match spec.indicators[i].polarity.polarity() {
                    Some(Polarity::Adverse) => Improvement::Decrease,
                    Some(Polarity::Favourable) => Improvement::Increase,
                    None => Improvement::Neutral,
                },
                run_length: spec.trends.run_length,
                ..SpcConfig::default()
            };
            let chart = spc::spc(&values, None, &config);
            let variation = chart.variation.label();
            chart
                .points
                .into_iter()
                .enumerate()
                .map(|(period, point)| TrendRow {
                    indicator: i,
                    area,
                    dimension: d,
                    group: g,
                    period,
                    point,
                    variation,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn compare_rows(
    statistic: Statistic,
    e: &EstimateRow,
    r: &EstimateRow,
    levels: &[ConfidenceLevel],
    multiplier: f64,
) -> Result<Comparison, String> {
    // The published counts: a comparison reveals nothing the counts beside it do not.
    let counts = (
        e.published_numerator,
        e.published_denominator,
        r.published_numerator,
        r.published_denominator,
    );
    let result = match (statistic, counts) {
        (Statistic::Rate, (Some(x1), Some(n1), Some(x2), Some(n2))) if n1 > 0.0 && n2 > 0.0 => {
            compare::compare_rates(x1, n1, x2, n2, levels, multiplier)
        }
        (Statistic::Proportion, (Some(x1), Some(n1), Some(x2), Some(n2)))
            if n1 > 0.0 && n2 > 0.0 =>
        {
            compare::compare_proportions(x1, n1, x2, n2, levels, multiplier)
        }
        (Statistic::Rate | Statistic::Proportion, _) => {
            return Err("no denominator for one of the groups".into());
        }
        _ => {
            let (Some(v1), Some(v2)) = (e.estimate.value, r.estimate.value) else {
                return Err("no value for one of the groups".into());
            };
            let (Some(s1), Some(s2)) = (se_of(&e.estimate, levels), se_of(&r.estimate, levels))
            else {
                return Err("no interval for one of the groups".into());
            };
            compare::compare_estimates((v1, s1), (v2, s2), levels)
        }
    };
    result.map_err(|e| e.to_string())
}
