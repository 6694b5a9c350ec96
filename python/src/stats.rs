//! The statistics of `levelfield stats` on an Arrow table: the same checks, grouping, sums and
//! output columns as the command line, calling `levelfield-stats` for every estimate.

use std::{collections::BTreeMap, sync::Arc};

use arrow_array::{BooleanArray, Float64Array, Int64Array, RecordBatch};
use levelfield_stats::{
    ConfidenceLevel, Estimate, StatsError,
    confidence::label_levels,
    dsr::{self, DsrAccumulator, Stratum},
    esp2013,
    isr::{self, IsrAccumulator},
    life_expectancy::{self, AgeBand},
    mean::MeanAccumulator,
    proportion, quantile, rate,
    sii::{IntervalMethod, Quantile, SiiConfig, Spread, ValueType, slope_index_of_inequality},
    simulation::{item_seed, par_map},
};

use crate::{
    frame::{Frame, Keys, Problem},
    groups::{Groups, describe},
    output::{Columns, Results},
};

/// Confidence levels from the numbers given (fractions or percentages; none for no intervals).
pub fn levels(confidence: &[f64]) -> Result<Vec<ConfidenceLevel>, Problem> {
    ConfidenceLevel::list(confidence).map_err(|e| Problem::new(format!("confidence: {e}")))
}

/// The table grouped by `group_by`, with the key text for messages.
struct Grouped {
    keys: Keys,
    groups: Groups,
}

impl Grouped {
    fn new(frame: &Frame, group_by: &[String]) -> Result<Grouped, Problem> {
        let keys = Keys::new(frame, group_by)?;
        let groups = Groups::new(&keys, frame.n_rows());
        Ok(Grouped { keys, groups })
    }

    /// A problem with a whole group, named by its key.
    fn problem(&self, group_by: &[String], row: usize, what: impl std::fmt::Display) -> Problem {
        Problem::new(format!("{}: {what}", describe(&self.keys, group_by, row)))
    }

    /// The group columns, one row per group.
    fn key_columns(&self, frame: &Frame, group_by: &[String]) -> Result<Columns, Problem> {
        Columns::from_frame(frame, group_by, &self.groups.first_rows())
    }
}

/// Refuses the first present value that fails `ok`.
fn check(
    values: &[Option<f64>],
    column: &str,
    ok: impl Fn(f64) -> bool,
    err: impl Fn(f64) -> StatsError,
) -> Result<(), Problem> {
    match values.iter().position(|v| v.is_some_and(|v| !ok(v))) {
        Some(row) => Err(Problem::at(
            row,
            column,
            err(values[row].unwrap_or(f64::NAN)),
        )),
        None => Ok(()),
    }
}

/// As [`check`], but a missing value is refused too.
fn require(
    values: &[Option<f64>],
    column: &str,
    ok: impl Fn(f64) -> bool,
    err: impl Fn(f64) -> StatsError,
) -> Result<(), Problem> {
    match values.iter().position(|v| !v.is_some_and(&ok)) {
        Some(row) => Err(Problem::at(
            row,
            column,
            err(values[row].unwrap_or(f64::NAN)),
        )),
        None => Ok(()),
    }
}

fn positive_multiplier(multiplier: f64) -> Result<(), Problem> {
    if multiplier > 0.0 && multiplier.is_finite() {
        Ok(())
    } else {
        Err(Problem::new(format!(
            "multiplier: {}",
            StatsError::Multiplier(multiplier)
        )))
    }
}

/// Sums a column over some rows, `None` if any is missing.
fn sum_rows(values: &[Option<f64>], rows: &[usize]) -> Option<f64> {
    rows.iter()
        .try_fold(0.0, |acc, &r| values[r].map(|v| acc + v))
}

/// Proportion or crude rate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RatioKind {
    /// Wilson score intervals.
    Proportion,
    /// Exact Poisson (< 10 events) or Byar's intervals.
    Rate,
}

/// Options of a proportion or a rate.
pub struct RatioOptions<'a> {
    /// Column of numerators.
    pub numerator: &'a str,
    /// Column of denominators.
    pub denominator: &'a str,
    /// Group columns: rows are summed within each group.
    pub group_by: &'a [String],
    /// Confidence levels.
    pub levels: &'a [ConfidenceLevel],
    /// Scale (default 1 for proportions, 100000 for rates).
    pub multiplier: Option<f64>,
}

/// `stats proportion` and `stats rate`.
pub fn ratio(frame: &Frame, kind: RatioKind, o: &RatioOptions) -> Result<RecordBatch, Problem> {
    let x = frame.numbers(o.numerator)?;
    let n = frame.numbers(o.denominator)?;
    let multiplier = o.multiplier.unwrap_or(match kind {
        RatioKind::Proportion => 1.0,
        RatioKind::Rate => 100000.0,
    });
    positive_multiplier(multiplier)?;
    check(&x, o.numerator, |v| v >= 0.0, StatsError::NegativeNumerator)?;
    check(
        &n,
        o.denominator,
        |v| v > 0.0,
        StatsError::NonPositiveDenominator,
    )?;
    if kind == RatioKind::Proportion {
        for row in 0..frame.n_rows() {
            if let (Some(a), Some(b)) = (x[row], n[row])
                && a > b
            {
                return Err(Problem::at(
                    row,
                    o.numerator,
                    StatsError::NumeratorAboveDenominator {
                        numerator: a,
                        denominator: b,
                    },
                ));
            }
        }
    }
    let statistic = match kind {
        RatioKind::Proportion => proportion::statistic_label(multiplier),
        RatioKind::Rate => rate::statistic_label(multiplier),
    };
    let estimate = |x: Option<f64>, n: Option<f64>| -> Result<Estimate, StatsError> {
        match kind {
            RatioKind::Proportion => proportion::proportion_or_missing(x, n, o.levels, multiplier),
            RatioKind::Rate => rate::crude_rate_or_missing(x, n, o.levels, multiplier),
        }
    };
    if o.group_by.is_empty() {
        let keys = Columns::others(frame, &[o.numerator, o.denominator])?;
        let mut results = Results::new(o.levels, frame.n_rows());
        for row in 0..frame.n_rows() {
            let est = estimate(x[row], n[row])
                .map_err(|e| Problem::new(format!("row {row} (0-based): {e}")))?;
            results.push(x[row], n[row], &est, statistic.clone());
        }
        return results.into_batch(keys, "numerator", "denominator");
    }
    let grouped = Grouped::new(frame, o.group_by)?;
    let mut results = Results::new(o.levels, grouped.groups.len());
    for rows in grouped.groups.iter() {
        let (sx, sn) = (sum_rows(&x, rows), sum_rows(&n, rows));
        let est = estimate(sx, sn).map_err(|e| grouped.problem(o.group_by, rows[0], e))?;
        results.push(sx, sn, &est, statistic.clone());
    }
    results.into_batch(
        grouped.key_columns(frame, o.group_by)?,
        "numerator",
        "denominator",
    )
}

/// `stats mean`: one mean per group (the whole table when ungrouped).
pub fn mean(
    frame: &Frame,
    value: &str,
    group_by: &[String],
    levels: &[ConfidenceLevel],
) -> Result<RecordBatch, Problem> {
    let values = frame.numbers(value)?;
    let grouped = Grouped::new(frame, group_by)?;
    let mut results = Results::new(levels, grouped.groups.len());
    let sd = results.extra("standard_deviation");
    for rows in grouped.groups.iter() {
        let mut acc = MeanAccumulator::default();
        rows.iter().for_each(|&r| acc.push(values[r]));
        let est = acc.estimate(levels);
        let sum = (acc.n_missing == 0 && acc.count > 0).then_some(acc.sum);
        let count = (acc.count + acc.n_missing) as f64;
        results.push(sum, Some(count), &est, "mean".to_string());
        results.push_extra(
            sd,
            if acc.n_missing == 0 {
                acc.standard_deviation()
            } else {
                None
            },
        );
    }
    results.into_batch(
        grouped.key_columns(frame, group_by)?,
        "numerator",
        "denominator",
    )
}

/// Options of a directly standardised rate.
pub struct DsrOptions<'a> {
    /// Column of events per age band.
    pub numerator: &'a str,
    /// Column of populations per age band.
    pub denominator: &'a str,
    /// Column of standard population weights, or `esp2013`.
    pub standard_population: &'a str,
    /// Column of age bands: rows of the same group and band are summed.
    pub age_band: Option<&'a str>,
    /// Column of event frequencies (non-independent events).
    pub event_frequency: Option<&'a str>,
    /// Group columns.
    pub group_by: &'a [String],
    /// Confidence levels.
    pub levels: &'a [ConfidenceLevel],
    /// Scale of the rate.
    pub multiplier: f64,
}

/// One age band of one group while rows are summed.
struct DsrBand {
    band: usize,
    first_row: usize,
    events: f64,
    variance: f64,
    population: f64,
    weight: f64,
    n_missing: usize,
}

/// `stats dsr`.
pub fn dsr(frame: &Frame, o: &DsrOptions) -> Result<RecordBatch, Problem> {
    let x = frame.numbers(o.numerator)?;
    let n = frame.numbers(o.denominator)?;
    let use_esp = o.standard_population.eq_ignore_ascii_case("esp2013")
        && frame.index(o.standard_population).is_err();
    let stdpop_name = if use_esp {
        "esp2013"
    } else {
        o.standard_population
    };
    let weights = if use_esp {
        let Some(band_name) = o.age_band else {
            return Err(Problem::new(
                "standard_population=\"esp2013\" needs age_band=COL, a column of ESP2013 band numbers 1 (ages 0-4) to 19 (90+)",
            ));
        };
        let bands = frame.numbers(band_name)?;
        bands
            .iter()
            .enumerate()
            .map(|(row, b)| match b.and_then(esp2013::weight) {
                Some(w) => Ok(Some(w)),
                None => Err(Problem::at(
                    row,
                    band_name,
                    format!(
                        "`{}` is not an ESP2013 age band; use band numbers 1 (ages 0-4) to 19 (90+)",
                        b.map_or("missing".to_string(), |b| b.to_string())
                    ),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        frame.numbers(o.standard_population)?
    };
    // Age bands numbered once, so summing within group × band is a direct lookup; without
    // age_band every row is its own stratum.
    let (band_ids, n_bands) = match o.age_band {
        Some(c) => crate::frame::intern(frame, c)?,
        None => ((0..frame.n_rows() as u32).collect(), frame.n_rows()),
    };
    let freq = o.event_frequency.map(|c| frame.numbers(c)).transpose()?;
    if freq.is_some() && o.age_band.is_none() {
        return Err(Problem::new(
            "event_frequency needs age_band=COL, so rows for the same age band can be combined",
        ));
    }
    positive_multiplier(o.multiplier)?;
    check(&x, o.numerator, |v| v >= 0.0, StatsError::NegativeNumerator)?;
    for row in 0..frame.n_rows() {
        match n[row] {
            None => {
                return Err(Problem::at(
                    row,
                    o.denominator,
                    "the population is missing; every age band needs a population (use 0 events, not a missing population, for empty bands)",
                ));
            }
            Some(v) if v <= 0.0 => {
                return Err(Problem::at(
                    row,
                    o.denominator,
                    StatsError::NonPositiveDenominator(v),
                ));
            }
            _ => {}
        }
        match weights[row] {
            None => {
                return Err(Problem::at(
                    row,
                    stdpop_name,
                    "the standard population is missing; give a weight for every age band",
                ));
            }
            Some(w) if w < 0.0 => {
                return Err(Problem::at(
                    row,
                    stdpop_name,
                    StatsError::NegativeStandardPopulation(w),
                ));
            }
            _ => {}
        }
        if let (Some(freq), Some(name)) = (&freq, o.event_frequency) {
            match freq[row] {
                Some(f) if f >= 0.0 => {}
                other => {
                    return Err(Problem::at(
                        row,
                        name,
                        format!(
                            "event frequency `{}` must be a number of events per person (0 or more)",
                            other.map_or("missing".to_string(), |f| f.to_string())
                        ),
                    ));
                }
            }
        }
    }

    let grouped = Grouped::new(frame, o.group_by)?;
    let mut results = Results::new(o.levels, grouped.groups.len());
    let mut slot_of_band: Vec<Option<usize>> = vec![None; n_bands];
    for rows in grouped.groups.iter() {
        let mut bands: Vec<DsrBand> = Vec::with_capacity(20);
        for &row in rows {
            let f = freq.as_ref().map_or(1.0, |f| f[row].unwrap_or(1.0));
            let (events, missing) = match x[row] {
                Some(v) => (v, 0),
                None => (0.0, 1),
            };
            let (pop, w) = (n[row].unwrap_or(0.0), weights[row].unwrap_or(0.0));
            let band_id = band_ids[row] as usize;
            match slot_of_band[band_id] {
                Some(i) => {
                    let band = &mut bands[i];
                    // The band's text, for messages only (read when a message needs it).
                    let label = |r: usize| {
                        o.age_band
                            .and_then(|c| frame.text_column(c).ok())
                            .map(|t| t.value(r).to_string())
                            .unwrap_or_default()
                    };
                    if band.weight != w {
                        return Err(Problem::new(format!(
                            "rows {} and {} (0-based): the same group and age band `{}` have different standard populations ({} and {w}); each age band has one standard weight",
                            band.first_row,
                            row,
                            label(band.first_row),
                            band.weight
                        )));
                    }
                    if freq.is_some() {
                        if band.population != pop {
                            return Err(Problem::new(format!(
                                "rows {} and {} (0-based): with event_frequency, every row of a group and age band must give the same population, but age band `{}` has {} and {pop}",
                                band.first_row,
                                row,
                                label(band.first_row),
                                band.population
                            )));
                        }
                    } else {
                        band.population += pop;
                    }
                    band.events += f * events;
                    band.variance += f * f * events;
                    band.n_missing += missing;
                }
                None => {
                    slot_of_band[band_id] = Some(bands.len());
                    bands.push(DsrBand {
                        band: band_id,
                        first_row: row,
                        events: f * events,
                        variance: f * f * events,
                        population: pop,
                        weight: w,
                        n_missing: missing,
                    });
                }
            }
        }
        for band in &bands {
            slot_of_band[band.band] = None;
        }
        let mut acc = DsrAccumulator::default();
        acc.non_independent = freq.is_some();
        for band in &bands {
            acc.add(Stratum {
                events: band.events,
                events_variance: band.variance,
                population: band.population,
                standard_population: band.weight,
            })
            .map_err(|e| grouped.problem(o.group_by, rows[0], e))?;
            acc.n_missing += band.n_missing;
        }
        let est = acc
            .estimate(o.levels, o.multiplier)
            .map_err(|e| grouped.problem(o.group_by, rows[0], e))?;
        let statistic = dsr::statistic_label(&est, o.multiplier);
        results.push(Some(acc.total_count), Some(acc.total_pop), &est, statistic);
    }
    results.into_batch(
        grouped.key_columns(frame, o.group_by)?,
        "numerator",
        "denominator",
    )
}

/// Indirectly standardised ratio or rate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum IsrKind {
    /// Observed ÷ expected × reference value.
    Ratio,
    /// Ratio × the reference rate.
    Rate,
}

/// Options of an indirectly standardised ratio or rate.
pub struct IsrOptions<'a> {
    /// Column of observed events per age band.
    pub numerator: &'a str,
    /// Column of local populations per age band.
    pub denominator: &'a str,
    /// Column of reference events per age band.
    pub reference_numerator: &'a str,
    /// Column of reference populations per age band.
    pub reference_denominator: &'a str,
    /// Column of age bands.
    pub age_band: Option<&'a str>,
    /// Observed totals per group, in place of the numerator column: (group key texts, total).
    pub observed_totals: Option<Vec<(Vec<String>, Option<f64>)>>,
    /// Group columns.
    pub group_by: &'a [String],
    /// Confidence levels.
    pub levels: &'a [ConfidenceLevel],
    /// Ratio scale (1 or 100).
    pub reference_value: Option<f64>,
    /// Rate scale.
    pub multiplier: Option<f64>,
}

/// `stats isratio` and `stats israte`.
pub fn isr(frame: &Frame, kind: IsrKind, o: &IsrOptions) -> Result<RecordBatch, Problem> {
    let x = if o.observed_totals.is_some() {
        vec![None; frame.n_rows()]
    } else {
        frame.numbers(o.numerator)?
    };
    let n = frame.numbers(o.denominator)?;
    let x_ref = frame.numbers(o.reference_numerator)?;
    let n_ref = frame.numbers(o.reference_denominator)?;
    let band_keys = match o.age_band {
        Some(c) => Some(Keys::new(frame, &[c.to_string()])?),
        None => None,
    };
    let (reference_value, multiplier) = match kind {
        IsrKind::Ratio => (o.reference_value.unwrap_or(1.0), 1.0),
        IsrKind::Rate => (1.0, o.multiplier.unwrap_or(100000.0)),
    };
    if kind == IsrKind::Ratio && !(reference_value > 0.0 && reference_value.is_finite()) {
        return Err(Problem::new(format!(
            "reference_value {reference_value} must be positive: 1 for a ratio, 100 for a ratio × 100"
        )));
    }
    if kind == IsrKind::Rate {
        positive_multiplier(multiplier)?;
    }
    check(&x, o.numerator, |v| v >= 0.0, StatsError::NegativeNumerator)?;
    check(
        &n,
        o.denominator,
        |v| v >= 0.0,
        StatsError::NegativeDenominator,
    )?;
    check(
        &x_ref,
        o.reference_numerator,
        |v| v >= 0.0,
        StatsError::NegativeNumerator,
    )?;
    require(
        &n_ref,
        o.reference_denominator,
        |v| v > 0.0,
        StatsError::ReferenceDenominator,
    )?;
    let totals: Option<std::collections::HashMap<Vec<String>, f64>> = match &o.observed_totals {
        None => None,
        Some(rows) => {
            let mut map = std::collections::HashMap::new();
            for (row, (key, total)) in rows.iter().enumerate() {
                let Some(v) = *total else {
                    return Err(Problem::at(
                        row,
                        o.numerator,
                        "the observed total is missing (observed_totals)",
                    ));
                };
                if v < 0.0 {
                    return Err(Problem::at(
                        row,
                        o.numerator,
                        StatsError::NegativeNumerator(v),
                    ));
                }
                if map.insert(key.clone(), v).is_some() {
                    return Err(Problem::new(format!(
                        "observed_totals: row {row} (0-based): this group appears more than once; give one observed total per group"
                    )));
                }
            }
            Some(map)
        }
    };

    struct Band<'a> {
        key: &'a str,
        first_row: usize,
        x: Option<f64>,
        n_missing: usize,
        n: Option<f64>,
        x_ref: Option<f64>,
        n_ref: f64,
    }
    let grouped = Grouped::new(frame, o.group_by)?;
    let mut results = Results::new(o.levels, grouped.groups.len());
    let ref_rate = (kind == IsrKind::Rate).then(|| results.extra("reference_rate"));
    for rows in grouped.groups.iter() {
        let mut bands: Vec<Band<'_>> = Vec::with_capacity(20);
        for &row in rows {
            let key = band_keys.as_ref().map(|k| k.text(0, row));
            let existing = key
                .as_ref()
                .and_then(|k| bands.iter_mut().find(|b| b.key == *k));
            match existing {
                Some(band) => {
                    if band.x_ref != x_ref[row] || band.n_ref != n_ref[row].unwrap_or(0.0) {
                        return Err(Problem::new(format!(
                            "rows {} and {row} (0-based): age band `{}` of the same group has different reference values; the reference rate of an age band must be the same on every row",
                            band.first_row, band.key
                        )));
                    }
                    band.x = Some(band.x.unwrap_or(0.0) + x[row].unwrap_or(0.0));
                    band.n_missing += usize::from(x[row].is_none());
                    band.n = Some(band.n.unwrap_or(0.0) + n[row].unwrap_or(0.0));
                }
                None => bands.push(Band {
                    key: key.unwrap_or_default(),
                    first_row: row,
                    x: x[row],
                    n_missing: usize::from(x[row].is_none()),
                    n: n[row],
                    x_ref: x_ref[row],
                    n_ref: n_ref[row].unwrap_or(0.0),
                }),
            }
        }
        let mut acc = IsrAccumulator::default();
        for band in &bands {
            acc.add(band.x.or(Some(0.0)), band.n, band.x_ref, band.n_ref)
                .map_err(|e| grouped.problem(o.group_by, rows[0], e))?;
            acc.n_missing += band.n_missing;
        }
        if let Some(totals) = &totals {
            let key: Vec<String> = (0..o.group_by.len())
                .map(|k| grouped.keys.text(k, rows[0]).to_string())
                .collect();
            acc.observed = *totals.get(&key).ok_or_else(|| {
                grouped.problem(
                    o.group_by,
                    rows[0],
                    "has no row in observed_totals; add one, with its observed total",
                )
            })?;
            acc.n_missing = 0;
        }
        let est = match kind {
            IsrKind::Ratio => acc.ratio(o.levels, reference_value),
            IsrKind::Rate => acc.rate(o.levels, multiplier),
        }
        .map_err(|e| grouped.problem(o.group_by, rows[0], e))?;
        let statistic = match kind {
            IsrKind::Ratio => isr::ratio_label(reference_value),
            IsrKind::Rate => isr::rate_label(multiplier),
        };
        results.push(Some(acc.observed), Some(acc.expected), &est, statistic);
        if let Some(i) = ref_rate {
            results.push_extra(i, Some(acc.reference_rate(multiplier)));
        }
    }
    results.into_batch(
        grouped.key_columns(frame, o.group_by)?,
        "observed",
        "expected",
    )
}

/// Whether quantile 1 holds the highest values: one answer for all, or a column per group.
pub enum Invert<'a> {
    /// The same for every group.
    All(bool),
    /// A column of TRUE/FALSE, one value per group.
    Column(&'a str),
}

/// `stats quantile`: the input rows in input order, with `quantile`, `n_quantiles` and
/// `inverted` added.
pub fn quantile(
    frame: &Frame,
    value: &str,
    n_quantiles: u32,
    invert: Invert,
    group_by: &[String],
) -> Result<RecordBatch, Problem> {
    let values = frame.numbers(value)?;
    let flags = match invert {
        Invert::Column(c) => Some((c, frame.booleans(c)?)),
        Invert::All(_) => None,
    };
    let grouped = Grouped::new(frame, group_by)?;
    let n = frame.n_rows();
    let mut q_out: Vec<Option<i64>> = vec![None; n];
    let mut inverted: Vec<Option<bool>> = vec![None; n];
    for rows in grouped.groups.iter() {
        let inv = match (&invert, &flags) {
            (Invert::All(b), _) => *b,
            (Invert::Column(_), Some((name, flags))) => {
                let first = flags[rows[0]];
                if let Some(&r) = rows.iter().find(|&&r| flags[r] != first) {
                    return Err(grouped.problem(
                        group_by,
                        rows[0],
                        format!(
                            "rows {} and {r} (0-based) disagree in column `{name}`; give one TRUE/FALSE per group",
                            rows[0]
                        ),
                    ));
                }
                first.ok_or_else(|| {
                    grouped.problem(group_by, rows[0], "has no TRUE/FALSE in the invert column")
                })?
            }
            (Invert::Column(_), None) => false,
        };
        let group_values: Vec<Option<f64>> = rows.iter().map(|&r| values[r]).collect();
        let q = quantile::assign_quantiles(&group_values, n_quantiles, inv)
            .map_err(|e| Problem::new(format!("quantiles: {e}")))?;
        for (&r, q) in rows.iter().zip(q) {
            q_out[r] = q.map(i64::from);
            inverted[r] = Some(inv);
        }
    }
    let mut out = Columns::others(frame, &[])?;
    out.push("quantile", Arc::new(Int64Array::from(q_out)))?;
    out.push(
        "n_quantiles",
        Arc::new(Int64Array::from(vec![i64::from(n_quantiles); n])),
    )?;
    out.push("inverted", Arc::new(BooleanArray::from(inverted)))?;
    out.into_batch()
}

/// `stats life-expectancy`: life expectancy at the start of every age band, per group.
pub fn life_expectancy(
    frame: &Frame,
    numerator: &str,
    denominator: &str,
    age_band: &str,
    group_by: &[String],
    levels: &[ConfidenceLevel],
) -> Result<RecordBatch, Problem> {
    let deaths = frame.numbers(numerator)?;
    let pops = frame.numbers(denominator)?;
    let bands = frame.text_column(age_band)?;
    let mut start_ages = Vec::with_capacity(frame.n_rows());
    for row in 0..frame.n_rows() {
        let text = if arrow_array::Array::is_null(&bands, row) {
            ""
        } else {
            bands.value(row)
        };
        let age = text
            .trim()
            .split(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| {
                Problem::at(
                    row,
                    age_band,
                    format!("`{text}` does not start with an age; use start ages 0, 1, 5, 10, …, 90 or labels like `5-9`"),
                )
            })?;
        start_ages.push(age);
        for (values, col) in [(&deaths, numerator), (&pops, denominator)] {
            if values[row].is_none() {
                return Err(Problem::at(
                    row,
                    col,
                    "value is missing; life tables need deaths and population for every band",
                ));
            }
        }
    }
    let grouped = Grouped::new(frame, group_by)?;
    let mut results = Results::new(levels, grouped.groups.len() * 20);
    let mut key_rows = Vec::new();
    let mut ages = Vec::new();
    for rows in grouped.groups.iter() {
        let bands: Vec<AgeBand> = rows
            .iter()
            .map(|&r| AgeBand {
                start_age: start_ages[r],
                deaths: deaths[r].unwrap_or(0.0),
                population: pops[r].unwrap_or(0.0),
            })
            .collect();
        let table = life_expectancy::life_expectancy(&bands, levels)
            .map_err(|e| grouped.problem(group_by, rows[0], e))?;
        for le in table {
            key_rows.push(rows[0]);
            ages.push(Some(le.start_age));
            results.push(
                Some(le.deaths_used),
                Some(le.population_used),
                &le.estimate,
                life_expectancy::statistic_label(le.start_age),
            );
        }
    }
    let mut keys = Columns::from_frame(frame, group_by, &key_rows)?;
    keys.push("start_age", Arc::new(Float64Array::from(ages)))?;
    results.into_batch(keys, "numerator", "denominator")
}

/// Options of the slope index of inequality.
pub struct SiiOptions<'a> {
    /// Column of values (or None with `numerator`).
    pub value: Option<&'a str>,
    /// Column of counts: values are then numerator ÷ population (proportions).
    pub numerator: Option<&'a str>,
    /// Column of standard errors.
    pub se: Option<&'a str>,
    /// Columns of lower and upper 95% limits.
    pub limits: Option<(&'a str, &'a str)>,
    /// Column of populations.
    pub population: &'a str,
    /// Column of quantile numbers (1 = most deprived).
    pub quantile: &'a str,
    /// `rate`, `proportion` or `other`.
    pub value_type: &'a str,
    /// Fit on the log or logit scale.
    pub transform: bool,
    /// Scale of SII.
    pub multiplier: f64,
    /// Report RII and its limits.
    pub rii: bool,
    /// Report the intercept.
    pub intercept: bool,
    /// Exact intervals instead of simulation.
    pub exact: bool,
    /// Monte Carlo repetitions.
    pub repetitions: usize,
    /// Seed of the random stream.
    pub seed: u64,
    /// Group columns.
    pub group_by: &'a [String],
    /// Confidence levels.
    pub levels: &'a [ConfidenceLevel],
}

/// `stats sii`.
pub fn sii(frame: &Frame, o: &SiiOptions) -> Result<RecordBatch, Problem> {
    let value_type = match o.value_type {
        "rate" => ValueType::Rate,
        "proportion" => ValueType::Proportion,
        "other" => ValueType::Other,
        other => {
            return Err(Problem::new(format!(
                "value_type `{other}`: give \"rate\", \"proportion\" or \"other\""
            )));
        }
    };
    let quantile = frame.numbers(o.quantile)?;
    let population = frame.numbers(o.population)?;
    let value: Vec<Option<f64>> = match (o.value, o.numerator) {
        (Some(col), None) => frame.numbers(col)?,
        (None, Some(col)) => {
            if value_type != ValueType::Proportion {
                return Err(Problem::new(
                    "numerator gives proportions (numerator ÷ population): use it with value_type=\"proportion\", or give value",
                ));
            }
            let x = frame.numbers(col)?;
            x.iter()
                .zip(&population)
                .map(|(x, n)| Some((*x)? / (*n)?))
                .collect()
        }
        _ => {
            return Err(Problem::new(
                "give the values with value=COL, or with numerator=COL for proportions of the population (not both)",
            ));
        }
    };
    let spread: Vec<Option<Spread>> = match (o.se, o.limits) {
        (Some(se), None) => frame
            .numbers(se)?
            .into_iter()
            .map(|s| s.map(Spread::StandardError))
            .collect(),
        (None, Some((lo, hi))) => {
            let (lo, hi) = (frame.numbers(lo)?, frame.numbers(hi)?);
            lo.iter()
                .zip(&hi)
                .map(|(l, h)| Some(Spread::Limits((*l)?, (*h)?)))
                .collect()
        }
        _ => {
            return Err(Problem::new(
                "give each value's uncertainty with se=COL, or with lower=COL and upper=COL (95% limits), not both",
            ));
        }
    };
    require(
        &population,
        o.population,
        |p| p > 0.0,
        StatsError::NonPositiveDenominator,
    )?;
    if let Some((row, se)) = spread.iter().enumerate().find_map(|(row, s)| match s {
        Some(Spread::StandardError(se)) if *se < 0.0 => Some((row, *se)),
        _ => None,
    }) {
        return Err(Problem::at(
            row,
            o.se.unwrap_or("se"),
            StatsError::NotFinite {
                what: "standard error",
                value: se,
            },
        ));
    }
    let mut all: Vec<f64> = quantile.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    all.dedup();
    if !(5..=100).contains(&all.len()) {
        return Err(Problem::in_column(
            o.quantile,
            format!(
                "has {} distinct quantiles; the slope index needs between 5 and 100 (e.g. quintiles or deciles)",
                all.len()
            ),
        ));
    }
    let interval = if o.exact {
        IntervalMethod::Exact
    } else {
        IntervalMethod::Simulation {
            repetitions: o.repetitions,
            seed: o.seed,
        }
    };
    let config = SiiConfig {
        value_type,
        transform: o.transform,
        multiplier: o.multiplier,
        levels: o.levels.to_vec(),
        interval,
        rii_intervals: o.rii,
    };
    config.validate().map_err(|e| Problem::new(e.to_string()))?;

    let grouped = Grouped::new(frame, o.group_by)?;
    let group_rows: Vec<&[usize]> = grouped.groups.iter().collect();
    type Outcome = Result<Result<levelfield_stats::sii::Sii, String>, Problem>;
    let outcomes: Vec<Outcome> = par_map(group_rows.len(), |g| {
        let rows = group_rows[g];
        let mut by_quantile: BTreeMap<u64, usize> = BTreeMap::new();
        for &r in rows {
            let Some(q) = quantile[r] else {
                return Err(Problem::at(r, o.quantile, "the quantile is missing"));
            };
            if by_quantile.insert(q.to_bits(), r).is_some() {
                return Err(grouped.problem(
                    o.group_by,
                    rows[0],
                    format!("quantile {q} appears twice; give one row per quantile"),
                ));
            }
        }
        let present: Vec<(f64, usize)> = all
            .iter()
            .filter_map(|q| by_quantile.get(&q.to_bits()).map(|&r| (*q, r)))
            .collect();
        let usable: Vec<Quantile> = present
            .iter()
            .filter_map(|&(_, r)| {
                Some(Quantile {
                    population: population[r]?,
                    value: value[r]?,
                    spread: spread[r]?,
                })
            })
            .collect();
        if usable.len() < all.len() {
            let missing: Vec<String> = all
                .iter()
                .filter(|q| {
                    !present
                        .iter()
                        .any(|(p, r)| p == *q && value[*r].is_some() && spread[*r].is_some())
                })
                .map(|q| format_number(*q))
                .collect();
            return Ok(Err(format!(
                "not estimated: {} of the {} quantiles have a value and its uncertainty (missing: {}); every group needs all of them",
                usable.len(),
                all.len(),
                missing.join(", ")
            )));
        }
        let mut cfg = config.clone();
        if let IntervalMethod::Simulation { repetitions, seed } = cfg.interval {
            cfg.interval = IntervalMethod::Simulation {
                repetitions,
                seed: item_seed(seed, g as u64),
            };
        }
        slope_index_of_inequality(&usable, &cfg)
            .map(Ok)
            .map_err(|e| grouped.problem(o.group_by, rows[0], e))
    });

    let n = outcomes.len();
    let k = o.levels.len();
    let mut sii = Vec::with_capacity(n);
    let mut rii = Vec::with_capacity(n);
    let mut intercept = Vec::with_capacity(n);
    let mut limits: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); 4 * k];
    let mut mc: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); 2 * k];
    let mut diagnostic = Vec::with_capacity(n);
    for outcome in outcomes {
        match outcome? {
            Ok(s) => {
                sii.push(Some(s.sii));
                rii.push(Some(s.rii));
                intercept.push(Some(s.intercept));
                for i in 0..k {
                    limits[4 * i].push(Some(s.sii_intervals[i].lower));
                    limits[4 * i + 1].push(Some(s.sii_intervals[i].upper));
                    limits[4 * i + 2].push(s.rii_intervals.get(i).map(|v| v.lower));
                    limits[4 * i + 3].push(s.rii_intervals.get(i).map(|v| v.upper));
                    let e = s.sii_mc_error[i];
                    mc[2 * i].push(e.map(|e| e.0));
                    mc[2 * i + 1].push(e.map(|e| e.1));
                }
                diagnostic.push(String::new());
            }
            Err(why) => {
                sii.push(None);
                rii.push(None);
                intercept.push(None);
                limits
                    .iter_mut()
                    .chain(mc.iter_mut())
                    .for_each(|c| c.push(None));
                diagnostic.push(why);
            }
        }
    }
    let mut out = grouped.key_columns(frame, o.group_by)?;
    out.numbers("sii", sii)?;
    if o.rii {
        out.numbers("rii", rii)?;
    }
    if o.intercept {
        out.numbers("intercept", intercept)?;
    }
    let mut limits = limits.into_iter();
    for level in o.levels {
        let s = level.column_suffix();
        let mut next = || limits.next().unwrap_or_default();
        let (a, b, c, d) = (next(), next(), next(), next());
        out.numbers(&format!("sii_lower_ci_{s}"), a)?;
        out.numbers(&format!("sii_upper_ci_{s}"), b)?;
        if o.rii {
            out.numbers(&format!("rii_lower_ci_{s}"), c)?;
            out.numbers(&format!("rii_upper_ci_{s}"), d)?;
        }
    }
    if !o.exact {
        let mut mc = mc.into_iter();
        for level in o.levels {
            let s = level.column_suffix();
            out.numbers(
                &format!("sii_lower_mc_error_{s}"),
                mc.next().unwrap_or_default(),
            )?;
            out.numbers(
                &format!("sii_upper_mc_error_{s}"),
                mc.next().unwrap_or_default(),
            )?;
        }
    }
    let method = if o.exact {
        "exact (normal; SII linear in the values)".to_string()
    } else {
        format!(
            "simulation ({} repetitions, seed {})",
            o.repetitions, o.seed
        )
    };
    out.repeat("confidence", &label_levels(o.levels), n)?;
    out.repeat("ci_method", &method, n)?;
    out.repeat("value_type", o.value_type, n)?;
    out.repeat(
        "transform",
        if o.transform { "log/logit" } else { "none" },
        n,
    )?;
    out.text("diagnostic", &diagnostic)?;
    out.into_batch()
}

/// A number as the command line writes it: whole numbers without a decimal point.
fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
