//! The R package's compiled side: levelfield-stats' estimators over whole R vectors, one call per
//! statistic, with groups given as 1-based group numbers so every loop stays in Rust.
//!
//! Argument checks that PHEindicatormethods makes (and their messages) live in the R functions;
//! the checks here are the estimators' own and surface as R errors. Missing values come in as
//! R's `NA` (a NaN) and go out as `NA`.

use extendr_api::prelude::*;
use extendr_api::scalar::Rfloat;
use levelfield_stats::{
    ConfidenceLevel, Estimate, StatsError, compare,
    dsr::{DsrAccumulator, Stratum},
    funnel::{self, PheFunnel, PheLimit, RatioScale},
    inequality::{self, DimensionType, Polarity},
    isr::IsrAccumulator,
    life_expectancy::{self, AgeBand},
    mean::MeanAccumulator,
    measure::{self, MeasureCode, MeasureOptions},
    proportion, quantile, rate,
    sii::{self, IntervalMethod, Quantile, SiiConfig, Spread, ValueType},
    simulation::item_seed,
    spc::{ChartType, Improvement, SpcConfig, spc},
};

/// A result whose error becomes an R error.
type Res<T> = std::result::Result<T, Error>;

/// A result for R: the value, or `list(error = message)` for the R side to raise with its own
/// call (an error is never a panic, so nothing is printed and nothing unwinds through R).
fn answer<T: Into<Robj>>(result: Res<T>) -> Robj {
    match result {
        Ok(v) => v.into(),
        Err(e) => {
            let msg = match e {
                Error::Other(m) => m,
                other => other.to_string(),
            };
            list!(error = msg).into()
        }
    }
}

/// A `NaN` (R's `NA` included) as missing.
fn opt(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

/// A vector of optional numbers as an R double vector with `NA` for `None`.
fn doubles(values: impl IntoIterator<Item = Option<f64>>) -> Robj {
    let values: Vec<Rfloat> = values
        .into_iter()
        .map(|v| v.map_or(Rfloat::na(), Rfloat::from))
        .collect();
    Doubles::from_values(values).into()
}

fn levels_of(levels: &[f64]) -> std::result::Result<Vec<ConfidenceLevel>, Error> {
    ConfidenceLevel::list(levels).map_err(stats_error)
}

fn stats_error(e: StatsError) -> Error {
    Error::Other(e.to_string())
}

/// The columns of a set of estimates: value, then one lower and one upper vector per level, the
/// method labels and the notes (empty text when there is none).
fn estimate_columns(estimates: &[Estimate], n_levels: usize) -> List {
    let value = doubles(estimates.iter().map(|e| e.value));
    let lower: Vec<Robj> = (0..n_levels)
        .map(|l| doubles(estimates.iter().map(|e| e.intervals[l].map(|i| i.lower))))
        .collect();
    let upper: Vec<Robj> = (0..n_levels)
        .map(|l| doubles(estimates.iter().map(|e| e.intervals[l].map(|i| i.upper))))
        .collect();
    let method: Vec<&str> = estimates.iter().map(|e| e.method.label()).collect();
    let note: Vec<String> = estimates
        .iter()
        .map(|e| e.note.as_ref().map_or(String::new(), |n| n.to_string()))
        .collect();
    list!(
        value = value,
        lower = List::from_values(lower),
        upper = List::from_values(upper),
        method = method,
        note = note
    )
}

/// Group numbers (1-based) as 0-based indices, checked against the number of groups.
fn group_index(gid: &[i32], n_groups: usize) -> std::result::Result<Vec<usize>, Error> {
    gid.iter()
        .map(|&g| {
            if g >= 1 && (g as usize) <= n_groups {
                Ok(g as usize - 1)
            } else {
                Err(Error::Other(format!(
                    "group number {g} is outside 1 to {n_groups}"
                )))
            }
        })
        .collect()
}

/// The sum of `values` within each group, `NA` for a group with any missing value (R's `sum`).
/// @noRd
#[extendr]
fn lf_group_sum(values: &[f64], gid: &[i32], n_groups: i32) -> Robj {
    answer((|| -> Res<Robj> {
        let idx = group_index(gid, n_groups as usize)?;
        let mut sums = vec![Some(0.0); n_groups as usize];
        for (&v, &g) in values.iter().zip(&idx) {
            sums[g] = match (sums[g], opt(v)) {
                (Some(s), Some(v)) => Some(s + v),
                _ => None,
            };
        }
        Ok(doubles(sums))
    })())
}

/// Proportions (`kind = "proportion"`) or crude rates (`"rate"`), row by row.
/// @noRd
#[extendr]
fn lf_simple(kind: &str, x: &[f64], n: &[f64], levels: &[f64], multiplier: f64) -> Robj {
    answer((|| -> Res<List> {
        let levels = levels_of(levels)?;
        let estimates = x
            .iter()
            .zip(n)
            .map(|(&x, &n)| match kind {
                "proportion" => {
                    proportion::proportion_or_missing(opt(x), opt(n), &levels, multiplier)
                }
                _ => rate::crude_rate_or_missing(opt(x), opt(n), &levels, multiplier),
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(stats_error)?;
        Ok(estimate_columns(&estimates, levels.len()))
    })())
}

/// Means with Student's t intervals within groups: sums, counts (missing values included, as
/// `n()`), standard deviations and the estimates.
/// @noRd
#[extendr]
fn lf_mean(x: &[f64], gid: &[i32], n_groups: i32, levels: &[f64]) -> Robj {
    answer((|| -> Res<List> {
        let levels = levels_of(levels)?;
        let idx = group_index(gid, n_groups as usize)?;
        let mut acc = vec![MeanAccumulator::default(); n_groups as usize];
        for (&v, &g) in x.iter().zip(&idx) {
            acc[g].push(opt(v));
        }
        let estimates: Vec<Estimate> = acc.iter().map(|a| a.estimate(&levels)).collect();
        let missing = |a: &MeanAccumulator| a.n_missing > 0;
        Ok(list!(
            sum = doubles(acc.iter().map(|a| (!missing(a)).then_some(a.sum))),
            count = acc
                .iter()
                .map(|a| (a.count + a.n_missing) as f64)
                .collect::<Vec<f64>>(),
            sd = doubles(acc.iter().map(|a| if missing(a) {
                None
            } else {
                a.standard_deviation()
            })),
            estimates = estimate_columns(&estimates, levels.len())
        ))
    })())
}

/// Directly standardised rates within groups. Each row is a stratum; with event frequencies
/// (`freq` not empty) rows of the same group and age band (`band`, numbered from 1) are one
/// stratum whose events are `Σ f·x` and variance `Σ f²·x`, with one population and weight.
/// @noRd
#[extendr]
#[allow(clippy::too_many_arguments)]
fn lf_dsr(
    x: &[f64],
    n: &[f64],
    stdpop: &[f64],
    freq: &[f64],
    band: &[i32],
    gid: &[i32],
    n_groups: i32,
    levels: &[f64],
    multiplier: f64,
) -> Robj {
    answer((|| -> Res<List> {
        let levels = levels_of(levels)?;
        let idx = group_index(gid, n_groups as usize)?;
        let n_groups = n_groups as usize;
        let mut acc = vec![DsrAccumulator::default(); n_groups];
        if freq.is_empty() {
            for row in 0..x.len() {
                let g = idx[row];
                match opt(x[row]) {
                    Some(v) => acc[g].add(Stratum::independent(v, n[row], stdpop[row])),
                    None => acc[g].add_missing_count(n[row], stdpop[row]),
                }
                .map_err(stats_error)?;
            }
        } else {
            // Strata keyed by (group, band): events, variance, population, weight.
            let n_bands = band.iter().copied().max().unwrap_or(0).max(0) as usize;
            let mut strata: Vec<Option<(f64, f64, f64, f64)>> = vec![None; n_groups * n_bands];
            let mut order: Vec<Vec<usize>> = vec![Vec::new(); n_groups];
            for row in 0..x.len() {
                let g = idx[row];
                let b = (band[row] - 1) as usize;
                let f = freq[row];
                let events = opt(x[row]).unwrap_or(0.0);
                let slot = g * n_bands + b;
                match &mut strata[slot] {
                    Some(s) => {
                        if s.2 != n[row] || s.3 != stdpop[row] {
                            return Err(Error::Other(
                                "There are rows with the same grouping variables and ageband but with different populations (n) or standard populations(stdpop)".into(),
                            ));
                        }
                        s.0 += f * events;
                        s.1 += f * f * events;
                    }
                    None => {
                        strata[slot] = Some((f * events, f * f * events, n[row], stdpop[row]));
                        order[g].push(slot);
                    }
                }
            }
            for (g, slots) in order.iter().enumerate() {
                acc[g].non_independent = true;
                for &slot in slots {
                    if let Some((events, variance, population, weight)) = strata[slot] {
                        acc[g]
                            .add(Stratum {
                                events,
                                events_variance: variance,
                                population,
                                standard_population: weight,
                            })
                            .map_err(stats_error)?;
                    }
                }
            }
        }
        let estimates = acc
            .iter()
            .map(|a| a.estimate(&levels, multiplier))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(stats_error)?;
        Ok(list!(
            total_count = acc.iter().map(|a| a.total_count).collect::<Vec<f64>>(),
            total_pop = acc.iter().map(|a| a.total_pop).collect::<Vec<f64>>(),
            estimates = estimate_columns(&estimates, levels.len())
        ))
    })())
}

/// Indirectly standardised ratios (`ratio = TRUE`, scaled by `scale` = refvalue) or rates
/// (scaled by the reference rate × `scale` = multiplier) within groups. `observed` not empty
/// gives each group's observed total instead of summing `x`.
/// @noRd
#[extendr]
#[allow(clippy::too_many_arguments)]
fn lf_isr(
    x: &[f64],
    n: &[f64],
    x_ref: &[f64],
    n_ref: &[f64],
    gid: &[i32],
    n_groups: i32,
    levels: &[f64],
    ratio: bool,
    scale: f64,
    observed: &[f64],
) -> Robj {
    answer((|| -> Res<List> {
        let levels = levels_of(levels)?;
        let idx = group_index(gid, n_groups as usize)?;
        let mut acc = vec![IsrAccumulator::default(); n_groups as usize];
        for row in 0..n.len() {
            let xv = if x.is_empty() { Some(0.0) } else { opt(x[row]) };
            acc[idx[row]]
                .add(xv, opt(n[row]), opt(x_ref[row]), n_ref[row])
                .map_err(stats_error)?;
        }
        if !observed.is_empty() {
            for (a, &o) in acc.iter_mut().zip(observed) {
                a.observed = o;
            }
        }
        let estimates = acc
            .iter()
            .map(|a| {
                if ratio {
                    a.ratio(&levels, scale)
                } else {
                    a.rate(&levels, scale)
                }
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(stats_error)?;
        Ok(list!(
            observed = acc.iter().map(|a| a.observed).collect::<Vec<f64>>(),
            expected = acc.iter().map(|a| a.expected).collect::<Vec<f64>>(),
            ref_rate = acc
                .iter()
                .map(|a| a.reference_rate(scale))
                .collect::<Vec<f64>>(),
            estimates = estimate_columns(&estimates, levels.len())
        ))
    })())
}

/// Quantiles of `values` within groups; `invert` is one flag per group.
/// @noRd
#[extendr]
fn lf_quantile(
    values: &[f64],
    gid: &[i32],
    n_groups: i32,
    n_quantiles: i32,
    invert: &[i32],
) -> Robj {
    answer((|| -> Res<Robj> {
        let idx = group_index(gid, n_groups as usize)?;
        let n_quantiles = u32::try_from(n_quantiles)
            .map_err(|_| Error::Other(format!("nquantiles {n_quantiles} must be at least 2")))?;
        let mut rows: Vec<Vec<usize>> = vec![Vec::new(); n_groups as usize];
        for (row, &g) in idx.iter().enumerate() {
            rows[g].push(row);
        }
        let mut out: Vec<Option<f64>> = vec![None; values.len()];
        for (g, members) in rows.iter().enumerate() {
            let v: Vec<Option<f64>> = members.iter().map(|&r| opt(values[r])).collect();
            let q =
                quantile::assign_quantiles(&v, n_quantiles, invert[g] != 0).map_err(stats_error)?;
            for (&r, q) in members.iter().zip(q) {
                out[r] = q.map(f64::from);
            }
        }
        Ok(doubles(out))
    })())
}

/// Life expectancy at every start age of every group's life table; rows come back in the
/// input's order within each group (0-based row numbers in `row`).
/// @noRd
#[extendr]
fn lf_life_expectancy(
    deaths: &[f64],
    population: &[f64],
    start_age: &[f64],
    gid: &[i32],
    n_groups: i32,
    levels: &[f64],
) -> Robj {
    answer((|| -> Res<List> {
        let levels = levels_of(levels)?;
        let idx = group_index(gid, n_groups as usize)?;
        let mut rows: Vec<Vec<usize>> = vec![Vec::new(); n_groups as usize];
        for (row, &g) in idx.iter().enumerate() {
            rows[g].push(row);
        }
        let mut out_row = Vec::with_capacity(deaths.len());
        let mut deaths_used = Vec::with_capacity(deaths.len());
        let mut pops_used = Vec::with_capacity(deaths.len());
        let mut estimates = Vec::with_capacity(deaths.len());
        for members in &rows {
            let bands: Vec<AgeBand> = members
                .iter()
                .map(|&r| AgeBand {
                    start_age: start_age[r],
                    deaths: deaths[r],
                    population: population[r],
                })
                .collect();
            let table = life_expectancy::life_expectancy(&bands, &levels).map_err(stats_error)?;
            for le in table {
                let row = members
                    .iter()
                    .copied()
                    .find(|&r| start_age[r] == le.start_age)
                    .unwrap_or(members[0]);
                out_row.push(row as f64);
                deaths_used.push(le.deaths_used);
                pops_used.push(le.population_used);
                estimates.push(le.estimate);
            }
        }
        Ok(list!(
            row = out_row,
            deaths_used = deaths_used,
            pops_used = pops_used,
            estimates = estimate_columns(&estimates, levels.len())
        ))
    })())
}

/// The slope (and relative) index of inequality of each group, from its quantiles' populations,
/// values and either standard errors or limits.
/// @noRd
#[extendr]
#[allow(clippy::too_many_arguments)]
fn lf_sii(
    population: &[f64],
    value: &[f64],
    se: &[f64],
    lower: &[f64],
    upper: &[f64],
    gid: &[i32],
    n_groups: i32,
    value_type: i32,
    transform: bool,
    multiplier: f64,
    levels: &[f64],
    repetitions: i32,
    seed: f64,
    rii: bool,
) -> Robj {
    answer((|| -> Res<List> {
        let levels = levels_of(levels)?;
        let idx = group_index(gid, n_groups as usize)?;
        let config = SiiConfig {
            value_type: match value_type {
                1 => ValueType::Rate,
                2 => ValueType::Proportion,
                _ => ValueType::Other,
            },
            transform,
            multiplier,
            levels: levels.clone(),
            interval: IntervalMethod::Simulation {
                repetitions: repetitions.max(0) as usize,
                seed: seed as u64,
            },
            rii_intervals: rii,
        };
        let mut groups: Vec<Vec<Quantile>> = vec![Vec::new(); n_groups as usize];
        for (row, &g) in idx.iter().enumerate() {
            let spread = if se.is_empty() {
                Spread::Limits(lower[row], upper[row])
            } else {
                Spread::StandardError(se[row])
            };
            groups[g].push(Quantile {
                population: population[row],
                value: value[row],
                spread,
            });
        }
        let results = groups
            .iter()
            .map(|q| sii::slope_index_of_inequality(q, &config))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(stats_error)?;
        let per_level = |f: &dyn Fn(&sii::Sii, usize) -> f64| -> List {
            List::from_values(
                (0..levels.len())
                    .map(|l| results.iter().map(|r| f(r, l)).collect::<Vec<f64>>())
                    .collect::<Vec<_>>(),
            )
        };
        Ok(list!(
            sii = results.iter().map(|r| r.sii).collect::<Vec<f64>>(),
            rii = results.iter().map(|r| r.rii).collect::<Vec<f64>>(),
            intercept = results.iter().map(|r| r.intercept).collect::<Vec<f64>>(),
            sii_lower = per_level(&|r, l| r.sii_intervals[l].lower),
            sii_upper = per_level(&|r, l| r.sii_intervals[l].upper),
            rii_lower = per_level(&|r, l| r.rii_intervals.get(l).map_or(f64::NAN, |i| i.lower)),
            rii_upper = per_level(&|r, l| r.rii_intervals.get(l).map_or(f64::NAN, |i| i.upper)),
            mc_lower = per_level(&|r, l| r.sii_mc_error[l].map_or(f64::NAN, |e| e.0)),
            mc_upper = per_level(&|r, l| r.sii_mc_error[l].map_or(f64::NAN, |e| e.1))
        ))
    })())
}

/// A funnel table's x axis.
fn funnel_axis(funnel: &PheFunnel) -> Vec<f64> {
    funnel.points.iter().map(|p| p.x).collect()
}

/// One limit column of a funnel table: the lower or upper side of `limit`.
fn funnel_limit(funnel: &PheFunnel, limit: PheLimit, upper: bool) -> Vec<f64> {
    let k = limit.index();
    funnel
        .points
        .iter()
        .map(|p| if upper { p.limits[k].1 } else { p.limits[k].0 })
        .collect()
}

/// Where the lower or upper side of `limit` is reached on the unit-size scale (`NA` for
/// proportions, which have no such column).
fn funnel_reached(funnel: &PheFunnel, limit: PheLimit, upper: bool) -> Vec<f64> {
    let k = limit.index();
    funnel
        .points
        .iter()
        .map(|p| {
            p.reached_at
                .map_or(f64::NAN, |r| if upper { r[k].1 } else { r[k].0 })
        })
        .collect()
}

/// PHE's funnel limits for proportions: the axis points and the 95 % and 99.8 % limits at each,
/// clamped to `[0, multiplier]`.
/// @noRd
#[extendr]
fn lf_funnel_proportion_limits(x: &[f64], n: &[f64], multiplier: f64) -> Robj {
    answer((|| -> Res<List> {
        let f = PheFunnel::proportion(x, n, multiplier).map_err(stats_error)?;
        let (l95, l998) = (PheLimit::Limit95, PheLimit::Limit998);
        Ok(list!(
            population = funnel_axis(&f),
            lower_2s = funnel_limit(&f, l95, false),
            upper_2s = funnel_limit(&f, l95, true),
            lower_3s = funnel_limit(&f, l998, false),
            upper_3s = funnel_limit(&f, l998, true),
            baseline = f.target
        ))
    })())
}

/// PHE's funnel limits for ratios: at 100 observed counts spanning the expected counts, the
/// expected counts at which each limit is reached and the limits (`ratio_type` "count": ratio − 1;
/// "isr": ratio × 100).
/// @noRd
#[extendr]
fn lf_funnel_ratio_limits(n: &[f64], ratio_type: &str) -> Robj {
    answer((|| -> Res<List> {
        let scale = match ratio_type {
            "count" => RatioScale::Count,
            "isr" => RatioScale::Isr,
            other => {
                return Err(Error::Other(format!(
                    "ratio_type `{other}` is not one of \"count\", \"isr\""
                )));
            }
        };
        let f = PheFunnel::ratio(n, scale).map_err(stats_error)?;
        let (l95, l998) = (PheLimit::Limit95, PheLimit::Limit998);
        Ok(list!(
            observed = funnel_axis(&f),
            lower_2s_exp = funnel_reached(&f, l95, false),
            lower_2s = funnel_limit(&f, l95, false),
            upper_2s_exp = funnel_reached(&f, l95, true),
            upper_2s = funnel_limit(&f, l95, true),
            lower_3s_exp = funnel_reached(&f, l998, false),
            lower_3s = funnel_limit(&f, l998, false),
            upper_3s_exp = funnel_reached(&f, l998, true),
            upper_3s = funnel_limit(&f, l998, true)
        ))
    })())
}

/// PHE's funnel limits for rates: at 100 event counts spanning the units, the population per
/// year at which each limit is reached and the limit, around the overall rate. `derived` is
/// each unit's denominator over the whole period (`NA` where there is none).
/// @noRd
#[extendr]
fn lf_funnel_rate_limits(x: &[f64], derived: &[f64], years: f64, multiplier: f64) -> Robj {
    answer((|| -> Res<List> {
        let present: Vec<f64> = derived.iter().copied().filter_map(opt).collect();
        let f = PheFunnel::rate(x, &present, years, multiplier).map_err(stats_error)?;
        let (l95, l998) = (PheLimit::Limit95, PheLimit::Limit998);
        Ok(list!(
            events = funnel_axis(&f),
            lower_2s_pop = funnel_reached(&f, l95, false),
            lower_2s = funnel_limit(&f, l95, false),
            upper_2s_pop = funnel_reached(&f, l95, true),
            upper_2s = funnel_limit(&f, l95, true),
            lower_3s_pop = funnel_reached(&f, l998, false),
            lower_3s = funnel_limit(&f, l998, false),
            upper_3s_pop = funnel_reached(&f, l998, true),
            upper_3s = funnel_limit(&f, l998, true),
            baseline = f.target
        ))
    })())
}

/// PHE's funnel significance labels: proportions against the overall proportion, rates against
/// the overall rate (`n` is then the denominator), ratios against 1 (`n` is the expected count).
/// @noRd
#[extendr]
/// For rates `n` is each unit's derived denominator (`NA` where there is none, which is not
/// significant) and `dsr` marks directly standardised rates, which need 10 events.
fn lf_funnel_significance(statistic: &str, x: &[f64], n: &[f64], dsr: bool) -> Vec<String> {
    let present: Vec<f64> = n.iter().copied().filter_map(opt).collect();
    let average = funnel::pooled_average(x, &present).unwrap_or(f64::NAN);
    x.iter()
        .zip(n)
        .map(|(&x, &n)| {
            match statistic {
                "proportion" => funnel::proportion_significance(x, n, average),
                "rate" if dsr && x < 10.0 => "Not applicable for events less than 10 for dsrs",
                "rate" => opt(n).map_or("Not significant", |d| {
                    funnel::rate_significance(x, d, average)
                }),
                _ => funnel::ratio_significance(x, n),
            }
            .to_string()
        })
        .collect()
}

/// Making Data Count SPC charts, one per group. Rows come sorted by group and then period;
/// `rebase` marks the first row of each new segment. Returns the command line's columns.
/// @noRd
#[extendr]
#[allow(clippy::too_many_arguments)]
fn lf_spc(
    values: &[f64],
    denominators: &[f64],
    rebase: &[i32],
    gid: &[i32],
    n_groups: i32,
    chart: &str,
    baseline: i32,
    improvement: &str,
    run_length: i32,
    screen_outliers: bool,
    target: &[f64],
) -> Robj {
    answer((|| -> Res<List> {
        let idx = group_index(gid, n_groups as usize)?;
        let chart = match chart {
            "p" => ChartType::P,
            "u" => ChartType::U,
            "run" => ChartType::Run,
            "g" => ChartType::G,
            "t" => ChartType::T,
            _ => ChartType::Xmr,
        };
        let improvement = match improvement {
            "increase" => Improvement::Increase,
            "decrease" => Improvement::Decrease,
            _ => Improvement::Neutral,
        };
        let n = values.len();
        let mut numbers: Vec<Vec<Option<f64>>> = (0..7).map(|_| Vec::with_capacity(n)).collect();
        let mut texts: Vec<Vec<&'static str>> = (0..6).map(|_| Vec::with_capacity(n)).collect();
        let finite = |v: f64| v.is_finite().then_some(v);
        let mut start = 0;
        while start < n {
            let g = idx[start];
            let mut end = start;
            while end < n && idx[end] == g {
                end += 1;
            }
            let series: Vec<Option<f64>> = values[start..end].iter().map(|&v| opt(v)).collect();
            let dens: Option<Vec<Option<f64>>> = (!denominators.is_empty())
                .then(|| denominators[start..end].iter().map(|&v| opt(v)).collect());
            let config = SpcConfig {
                chart,
                baseline: (baseline > 0).then_some(baseline as usize),
                rebase_at: (start..end)
                    .filter(|&r| rebase[r] != 0)
                    .map(|r| r - start)
                    .collect(),
                improvement,
                run_length: run_length as usize,
                screen_outliers,
                target: target.first().copied().and_then(opt),
            };
            let result = spc(&series, dens.as_deref(), &config);
            let variation = result.variation.label();
            let assurance = result.assurance.map_or("", |a| a.label());
            for p in &result.points {
                for (c, v) in numbers.iter_mut().zip([
                    p.value,
                    finite(p.mean),
                    finite(p.lower_limit),
                    finite(p.upper_limit),
                    finite(p.lower_two_sigma),
                    finite(p.upper_two_sigma),
                    p.moving_range,
                ]) {
                    c.push(v);
                }
                for (c, v) in texts.iter_mut().zip([
                    p.rule.map_or("", |r| r.label()),
                    p.point_type.label(),
                    if p.trial_limits { "TRUE" } else { "FALSE" },
                    variation,
                    assurance,
                    if p.value.is_none() {
                        "missing period: a gap in the chart, not closed up"
                    } else {
                        ""
                    },
                ]) {
                    c.push(v);
                }
            }
            start = end;
        }
        let mut numbers = numbers.into_iter().map(doubles);
        let mut texts = texts.into_iter();
        let mut next_n = || numbers.next().unwrap_or_else(|| doubles(Vec::new()));
        let mut next_t = || texts.next().unwrap_or_default();
        Ok(list!(
            value = next_n(),
            mean = next_n(),
            lower_process_limit = next_n(),
            upper_process_limit = next_n(),
            lower_two_sigma = next_n(),
            upper_two_sigma = next_n(),
            moving_range = next_n(),
            special_cause_rule = next_t(),
            point_type = next_t(),
            trial_limits = next_t(),
            variation = next_t(),
            assurance = next_t(),
            diagnostic = next_t()
        ))
    })())
}

/// Each row against its reference row: difference and ratio with intervals. `kind` is "rate" or
/// "proportion" (a and b are counts and denominators) or "estimate" (values and standard
/// errors); `reference` gives each row's reference row (1-based). Rows with a missing input, or
/// that are their own reference, get `NA`.
/// @noRd
#[extendr]
#[allow(clippy::too_many_arguments)]
fn lf_compare(
    kind: &str,
    a: &[f64],
    b: &[f64],
    reference: &[i32],
    levels: &[f64],
    multiplier: f64,
) -> Robj {
    answer((|| -> Res<List> {
        let levels = levels_of(levels)?;
        let n = a.len();
        let k = levels.len();
        let mut difference = Vec::with_capacity(n);
        let mut ratio = Vec::with_capacity(n);
        let mut d_lo: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); k];
        let mut d_hi = d_lo.clone();
        let mut r_lo = d_lo.clone();
        let mut r_hi = d_lo.clone();
        let mut methods: (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        let mut significant: Vec<&str> = Vec::with_capacity(n);
        for row in 0..n {
            let r = reference[row] as usize - 1;
            let inputs = (opt(a[row]), opt(b[row]), opt(a[r]), opt(b[r]));
            let result = match inputs {
                (Some(a1), Some(b1), Some(a2), Some(b2)) if r != row => Some(match kind {
                    "rate" => compare::compare_rates(a1, b1, a2, b2, &levels, multiplier),
                    "proportion" => {
                        compare::compare_proportions(a1, b1, a2, b2, &levels, multiplier)
                    }
                    _ => compare::compare_estimates((a1, b1), (a2, b2), &levels),
                }),
                _ => None,
            }
            .transpose()
            .map_err(|e| Error::Other(format!("row {}: {e}", row + 1)))?;
            match result {
                Some(c) => {
                    difference.push(Some(c.difference));
                    ratio.push(c.ratio);
                    for l in 0..k {
                        d_lo[l].push(Some(c.difference_intervals[l].lower));
                        d_hi[l].push(Some(c.difference_intervals[l].upper));
                        r_lo[l].push(c.ratio_intervals[l].map(|i| i.lower));
                        r_hi[l].push(
                            c.ratio_intervals[l]
                                .map(|i| i.upper)
                                .filter(|u| u.is_finite()),
                        );
                    }
                    // Proportions: the difference interval; rates and estimates: the ratio's,
                    // falling back to the difference (as the command line).
                    let sig = match (kind != "proportion", c.ratio_intervals[0]) {
                        (true, Some(i)) => i.lower > 1.0 || i.upper < 1.0,
                        _ => {
                            c.difference_intervals[0].lower > 0.0
                                || c.difference_intervals[0].upper < 0.0
                        }
                    };
                    methods.0.push(c.methods.0);
                    methods.1.push(c.methods.1);
                    significant.push(if sig { "TRUE" } else { "FALSE" });
                }
                None => {
                    difference.push(None);
                    ratio.push(None);
                    for l in 0..k {
                        d_lo[l].push(None);
                        d_hi[l].push(None);
                        r_lo[l].push(None);
                        r_hi[l].push(None);
                    }
                    methods.0.push("");
                    methods.1.push("");
                    significant.push("");
                }
            }
        }
        let per_level = |v: Vec<Vec<Option<f64>>>| List::from_values(v.into_iter().map(doubles));
        Ok(list!(
            difference = doubles(difference),
            difference_lower = per_level(d_lo),
            difference_upper = per_level(d_hi),
            ratio = doubles(ratio),
            ratio_lower = per_level(r_lo),
            ratio_upper = per_level(r_hi),
            difference_method = methods.0,
            ratio_method = methods.1,
            significant = significant
        ))
    })())
}

/// The HEAT summary measures of each group's set of rows (rows come grouped, in the order the
/// measures need: by `order` for ordered dimensions). Returns 25 rows per group.
/// @noRd
#[extendr]
#[allow(clippy::too_many_arguments)]
fn lf_inequality(
    value: &[f64],
    se: &[f64],
    population: &[f64],
    names: Vec<String>,
    gid: &[i32],
    n_groups: i32,
    ordered: bool,
    adverse: bool,
    reference: &str,
    bounds: &[f64],
    levels: &[f64],
    draws: i32,
    seed: f64,
) -> Robj {
    answer((|| -> Res<List> {
        let levels = levels_of(levels)?;
        let idx = group_index(gid, n_groups as usize)?;
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_groups as usize];
        for (row, &g) in idx.iter().enumerate() {
            members[g].push(row);
        }
        let k = levels.len();
        let mut group = Vec::new();
        let mut code = Vec::new();
        let mut val = Vec::new();
        let mut lo: Vec<Vec<Option<f64>>> = vec![Vec::new(); k];
        let mut hi: Vec<Vec<Option<f64>>> = vec![Vec::new(); k];
        let mut mc = Vec::new();
        let mut dis = Vec::new();
        let mut method = Vec::new();
        let mut applies = Vec::new();
        let mut comparison = Vec::new();
        let mut why = Vec::new();
        for (g, rows) in members.iter().enumerate() {
            let groups: Vec<inequality::Group> = rows
                .iter()
                .map(|&r| inequality::Group {
                    value: value[r],
                    se: se[r],
                    population: population[r],
                })
                .collect();
            let group_names: Vec<String> = rows.iter().map(|&r| names[r].clone()).collect();
            let reference = if reference.is_empty() {
                None
            } else {
                Some(
                    group_names
                        .iter()
                        .position(|n| n == reference)
                        .ok_or_else(|| {
                            Error::Other(format!(
                                "group set {} has no group `{reference}` (the reference) with a value; its groups are: {}",
                                g + 1,
                                group_names.join(", ")
                            ))
                        })?,
                )
            };
            let options = MeasureOptions {
                dimension: if ordered {
                    DimensionType::Ordered
                } else {
                    DimensionType::Unordered
                },
                polarity: if adverse {
                    Polarity::Adverse
                } else {
                    Polarity::Favourable
                },
                reference,
                bounds: (bounds.len() == 2).then(|| (bounds[0], bounds[1])),
                draws: draws.max(0) as usize,
                seed: item_seed(seed as u64, g as u64),
            };
            let table =
                measure::measures(&groups, &group_names, &levels, &options, &MeasureCode::ALL)
                    .map_err(|e| Error::Other(format!("group set {}: {e}", g + 1)))?;
            for m in table {
                group.push((g + 1) as f64);
                code.push(m.code.code());
                val.push(m.value());
                for l in 0..k {
                    lo[l].push(m.intervals[l].map(|i| i.lower));
                    hi[l].push(m.intervals[l].map(|i| i.upper));
                }
                mc.push(m.mc_error);
                dis.push(m.disadvantage);
                method.push(m.ci_method);
                applies.push(if m.applies.is_ok() { "TRUE" } else { "FALSE" });
                why.push(m.applies.err().unwrap_or(""));
                comparison.push(m.comparison);
            }
        }
        let per_level = |v: Vec<Vec<Option<f64>>>| List::from_values(v.into_iter().map(doubles));
        Ok(list!(
            group = group,
            measure = code,
            value = doubles(val),
            lower = per_level(lo),
            upper = per_level(hi),
            mc_error = doubles(mc),
            value_disadvantage = doubles(dis),
            ci_method = method,
            applies = applies,
            comparison = comparison,
            diagnostic = why
        ))
    })())
}

extendr_module! {
    mod levelfield;
    fn lf_group_sum;
    fn lf_simple;
    fn lf_mean;
    fn lf_dsr;
    fn lf_isr;
    fn lf_quantile;
    fn lf_life_expectancy;
    fn lf_sii;
    fn lf_funnel_proportion_limits;
    fn lf_funnel_significance;
    fn lf_funnel_ratio_limits;
    fn lf_funnel_rate_limits;
    fn lf_spc;
    fn lf_compare;
    fn lf_inequality;
}
