//! `levelfield stats sii`: slope (and relative) index of inequality per group, as PHE's
//! `phe_sii`, with simulated or exact intervals; groups run in parallel, each with its own
//! random stream derived from `--seed`, so results do not depend on the number of threads.

use std::collections::BTreeMap;

use levelfield_stats::{
    StatsError,
    confidence::label_levels,
    sii::{IntervalMethod, Quantile, SiiConfig, Spread, ValueType, slope_index_of_inequality},
    simulation::{item_seed, par_map},
};
use levelfield_table::{Column, Table};

use super::{at_group, at_row, group_while, levels, read_input, require_rows};
use crate::{
    CommandError,
    args::{SiiArgs, SiiInterval},
    output::emit,
};

pub(crate) fn run(args: &SiiArgs) -> Result<(), CommandError> {
    let levels = levels(&args.levels)?;
    let table = read_input(&args.common)?;
    let group_by = &args.common.group_by;
    let v = &args.values;
    let value_type = args.value_type;
    let (groups, (quantile, population, value, spread)) = group_while(&table, group_by, || {
        let quantile = table.numbers(&args.quantile)?;
        let population = table.numbers(&args.population)?;
        let value = match (&v.value, &v.numerator) {
            (Some(col), None) => table.numbers(col)?,
            (None, Some(col)) => {
                if value_type != ValueType::Proportion {
                    return Err(CommandError::Input("--numerator gives proportions (numerator ÷ population): use it with --value-type proportion, or give --value".into()));
                }
                let x = table.numbers(col)?;
                x.iter().zip(&population).map(|(x, n)| Some((*x)? / (*n)?)).collect()
            }
            _ => return Err(CommandError::Input("give the values with --value COL, or with --numerator COL for proportions of the population".into())),
        };
        let spread: Vec<Option<Spread>> = match (&v.se, &v.lower, &v.upper) {
            (Some(se), None, None) => table.numbers(se)?.into_iter().map(|s| s.map(Spread::StandardError)).collect(),
            (None, Some(lo), Some(hi)) => {
                let (lo, hi) = (table.numbers(lo)?, table.numbers(hi)?);
                lo.iter().zip(&hi).map(|(l, h)| Some(Spread::Limits((*l)?, (*h)?))).collect()
            }
            _ => return Err(CommandError::Input("give each value's uncertainty with --se COL, or with --lower COL --upper COL (95% limits), not both".into())),
        };
        Ok((quantile, population, value, spread))
    })?;
    require_rows(
        &table,
        &population,
        &args.population,
        |p| p > 0.0,
        StatsError::NonPositiveDenominator,
    )?;
    let negative_se = spread.iter().enumerate().find_map(|(row, s)| match s {
        Some(Spread::StandardError(se)) if *se < 0.0 => Some((row, *se)),
        _ => None,
    });
    if let Some((row, se)) = negative_se {
        return Err(at_row(
            &table,
            row,
            v.se.as_deref().unwrap_or("se"),
            StatsError::NotFinite {
                what: "standard error",
                value: se,
            },
        ));
    }
    // The quantiles every group must have.
    let mut all: Vec<f64> = quantile.iter().flatten().copied().collect();
    all.sort_by(f64::total_cmp);
    all.dedup();
    if !(5..=100).contains(&all.len()) {
        return Err(CommandError::Input(format!(
            "{}: column `{}` has {} distinct quantiles; the slope index needs between 5 and 100 (e.g. quintiles or deciles)",
            table.source_name(),
            args.quantile,
            all.len()
        )));
    }
    let interval = match args.interval {
        SiiInterval::Exact => IntervalMethod::Exact,
        SiiInterval::Simulation => IntervalMethod::Simulation {
            repetitions: args.repetitions,
            seed: args.seed,
        },
    };
    let config = SiiConfig {
        value_type,
        transform: args.transform,
        multiplier: args.multiplier,
        levels: levels.clone(),
        interval,
        rii_intervals: args.rii,
    };
    // Fail fast on options, before any group runs.
    config
        .validate()
        .map_err(|e| CommandError::Input(e.to_string()))?;

    let group_rows: Vec<&[usize]> = groups.iter().collect();
    let results: Vec<Result<Result<levelfield_stats::sii::Sii, String>, CommandError>> = par_map(
        group_rows.len(),
        |g| {
            let rows = group_rows[g];
            let mut by_quantile: BTreeMap<u64, usize> = BTreeMap::new();
            for &r in rows {
                let Some(q) = quantile[r] else {
                    return Err(at_row(
                        &table,
                        r,
                        &args.quantile,
                        StatsError::NotFinite {
                            what: "quantile",
                            value: f64::NAN,
                        },
                    ));
                };
                if by_quantile.insert(q.to_bits(), r).is_some() {
                    return Err(at_group(
                        &table,
                        group_by,
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
                    .map(|q| levelfield_table::format_number(*q))
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
                .map_err(|e| at_group(&table, group_by, rows[0], e))
        },
    );

    // Assemble the output.
    let n = results.len();
    let mut keys = groups.keys(&table, group_by)?;
    let mut sii = Vec::with_capacity(n);
    let mut rii = Vec::with_capacity(n);
    let mut intercept = Vec::with_capacity(n);
    let mut limits: Vec<Vec<Option<f64>>> = (0..4 * levels.len())
        .map(|_| Vec::with_capacity(n))
        .collect();
    let mut mc: Vec<Vec<Option<f64>>> = (0..2 * levels.len())
        .map(|_| Vec::with_capacity(n))
        .collect();
    let mut diagnostic = Vec::with_capacity(n);
    for result in results {
        match result? {
            Ok(s) => {
                sii.push(Some(s.sii));
                rii.push(Some(s.rii));
                intercept.push(Some(s.intercept));
                for k in 0..levels.len() {
                    limits[4 * k].push(Some(s.sii_intervals[k].lower));
                    limits[4 * k + 1].push(Some(s.sii_intervals[k].upper));
                    limits[4 * k + 2].push(s.rii_intervals.get(k).map(|i| i.lower));
                    limits[4 * k + 3].push(s.rii_intervals.get(k).map(|i| i.upper));
                    let e = s.sii_mc_error[k];
                    mc[2 * k].push(e.map(|e| e.0));
                    mc[2 * k + 1].push(e.map(|e| e.1));
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
    let push =
        |t: &mut Table, name: String, col: Column| t.push(name, col).map_err(CommandError::from);
    push(&mut keys, "sii".into(), Column::Number(sii))?;
    if args.rii {
        push(&mut keys, "rii".into(), Column::Number(rii))?;
    }
    if args.intercept {
        push(&mut keys, "intercept".into(), Column::Number(intercept))?;
    }
    let mut limits = limits.into_iter();
    let mut mc = mc.into_iter();
    for level in &levels {
        let s = level.column_suffix();
        let (a, b, c, d) = (
            limits.next().unwrap_or_default(),
            limits.next().unwrap_or_default(),
            limits.next().unwrap_or_default(),
            limits.next().unwrap_or_default(),
        );
        push(&mut keys, format!("sii_lower_ci_{s}"), Column::Number(a))?;
        push(&mut keys, format!("sii_upper_ci_{s}"), Column::Number(b))?;
        if args.rii {
            push(&mut keys, format!("rii_lower_ci_{s}"), Column::Number(c))?;
            push(&mut keys, format!("rii_upper_ci_{s}"), Column::Number(d))?;
        }
    }
    if let IntervalMethod::Simulation { .. } = interval {
        for level in &levels {
            let s = level.column_suffix();
            push(
                &mut keys,
                format!("sii_lower_mc_error_{s}"),
                Column::Number(mc.next().unwrap_or_default()),
            )?;
            push(
                &mut keys,
                format!("sii_upper_mc_error_{s}"),
                Column::Number(mc.next().unwrap_or_default()),
            )?;
        }
    }
    let method = match interval {
        IntervalMethod::Exact => "exact (normal; SII linear in the values)".to_string(),
        IntervalMethod::Simulation { repetitions, seed } => {
            format!("simulation ({repetitions} repetitions, seed {seed})")
        }
    };
    let repeat = |text: &str| Column::from_strings(std::iter::repeat_n(text, n));
    push(
        &mut keys,
        "confidence".into(),
        repeat(&label_levels(&levels)),
    )?;
    push(&mut keys, "ci_method".into(), repeat(&method))?;
    push(
        &mut keys,
        "value_type".into(),
        repeat(&crate::args::choice_name(&args.value_type)),
    )?;
    push(
        &mut keys,
        "transform".into(),
        repeat(if args.transform { "log/logit" } else { "none" }),
    )?;
    push(
        &mut keys,
        "diagnostic".into(),
        Column::from_strings(diagnostic),
    )?;
    emit(&keys, &args.common)
}
