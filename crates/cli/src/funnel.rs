//! `levelfield funnel limits|significance|units`: funnel plots as PHEindicatormethods tabulates
//! them and as FunnelPlotR adjusts them for over-dispersion.

use levelfield_stats::{
    StatsError,
    funnel::{self, FunnelType, LimitKind, Trim},
};
use levelfield_table::{Column, Table};

use crate::{
    CommandError,
    args::{FunnelArgs, FunnelCommand, FunnelUnitsArgs},
    output::emit,
    stats::{at_row, read_input},
};

pub(crate) fn run(command: FunnelCommand) -> Result<(), CommandError> {
    match command {
        FunnelCommand::Limits(args) => limits(&args),
        FunnelCommand::Significance(args) => significance(&args),
        FunnelCommand::Units(args) => units(&args),
    }
}

/// Numerators and denominators, every row present and valid (PHE requires all records).
fn counts(table: &Table, args: &FunnelArgs) -> Result<(Vec<f64>, Vec<f64>), CommandError> {
    let (x, n) = (
        table.numbers(&args.numerator)?,
        table.numbers(&args.denominator)?,
    );
    let mut xs = Vec::with_capacity(x.len());
    let mut ns = Vec::with_capacity(x.len());
    for row in 0..table.n_rows() {
        let (Some(a), Some(b)) = (x[row], n[row]) else {
            return Err(CommandError::Input(format!(
                "{}: row {}: for funnel plots, numerators and denominators must be given for every row, even when they are zero",
                table.source_name(),
                row + 1
            )));
        };
        if a < 0.0 {
            return Err(at_row(
                table,
                row,
                &args.numerator,
                StatsError::NegativeNumerator(a),
            ));
        }
        if b <= 0.0 {
            return Err(at_row(
                table,
                row,
                &args.denominator,
                StatsError::NonPositiveDenominator(b),
            ));
        }
        if args.statistic == "proportion" && a > b {
            return Err(at_row(
                table,
                row,
                &args.numerator,
                StatsError::NumeratorAboveDenominator {
                    numerator: a,
                    denominator: b,
                },
            ));
        }
        xs.push(a);
        ns.push(b);
    }
    if xs.is_empty() {
        return Err(CommandError::Input(format!(
            "{}: no rows to draw a funnel from",
            table.source_name()
        )));
    }
    Ok((xs, ns))
}

fn limits(args: &FunnelArgs) -> Result<(), CommandError> {
    let table = read_input(&args.common)?;
    let (x, n) = counts(&table, args)?;
    let average = x.iter().sum::<f64>() / n.iter().sum::<f64>();
    let (min, max) = n
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let ratio = args.statistic == "ratio";
    let axis = funnel::axis_points(min, max, ratio);
    let mut cols: Vec<Vec<Option<f64>>> = (0..4).map(|_| Vec::with_capacity(100)).collect();
    let (first, statistic, method) = if ratio {
        let Some(kind) = args.ratio_type.as_deref() else {
            return Err(CommandError::Input(
                "--statistic ratio needs --ratio-type count or isr".into(),
            ));
        };
        for &o in &axis {
            let ends = [
                o / funnel::poisson_funnel(o, 0.025, true),
                o / funnel::poisson_funnel(o, 0.025, false),
                o / funnel::poisson_funnel(o, 0.001, true),
                o / funnel::poisson_funnel(o, 0.001, false),
            ];
            for (c, v) in cols.iter_mut().zip(ends) {
                c.push(Some(if kind == "count" { v - 1.0 } else { v * 100.0 }));
            }
        }
        ("Observed_events", format!("ratio ({kind})"), "Poisson")
    } else {
        let m = args.multiplier;
        for &pop in &axis {
            let ends = [
                funnel::proportion_limit(0.975, pop, average, false, m).max(0.0),
                funnel::proportion_limit(0.975, pop, average, true, m).min(100.0),
                funnel::proportion_limit(0.999, pop, average, false, m).max(0.0),
                funnel::proportion_limit(0.999, pop, average, true, m).min(100.0),
            ];
            for (c, v) in cols.iter_mut().zip(ends) {
                c.push(Some(v));
            }
        }
        ("Population", "proportion".to_string(), "Wilson")
    };
    let mut out = Table::with_rows(axis.len());
    out.push(
        first,
        Column::Number(axis.iter().map(|v| Some(*v)).collect()),
    )?;
    for (name, c) in [
        "lower_2s_limit",
        "upper_2s_limit",
        "lower_3s_limit",
        "upper_3s_limit",
    ]
    .iter()
    .zip(cols)
    {
        out.push(*name, Column::Number(c))?;
    }
    if !ratio {
        out.push(
            "baseline",
            Column::Number(vec![Some(average * args.multiplier); axis.len()]),
        )?;
    }
    out.push(
        "statistic",
        Column::from_strings(std::iter::repeat_n(statistic.as_str(), axis.len())),
    )?;
    out.push(
        "method",
        Column::from_strings(std::iter::repeat_n(method, axis.len())),
    )?;
    emit(&out, &args.common)
}

fn significance(args: &FunnelArgs) -> Result<(), CommandError> {
    let mut table = read_input(&args.common)?;
    let (x, n) = counts(&table, args)?;
    let average = x.iter().sum::<f64>() / n.iter().sum::<f64>();
    let labels: Vec<&str> = x
        .iter()
        .zip(&n)
        .map(|(&a, &b)| {
            if args.statistic == "ratio" {
                funnel::ratio_significance(a, b)
            } else {
                funnel::proportion_significance(a, b, average)
            }
        })
        .collect();
    if table.index("significance").is_ok() {
        return Err(CommandError::Input(format!(
            "{}: the input column `significance` has the same name as an output column; rename it",
            table.source_name()
        )));
    }
    table.push("significance", Column::from_strings(labels))?;
    emit(&table, &args.common)
}

fn units(args: &FunnelUnitsArgs) -> Result<(), CommandError> {
    let mut table = read_input(&args.common)?;
    let kind = match args.kind.as_str() {
        "PR" => FunnelType::Proportion,
        "SR" => FunnelType::RatioLog,
        "SR-sqrt" => FunnelType::RatioSqrt,
        _ => FunnelType::RatioOfCounts,
    };
    let levels: Vec<f64> = args
        .limits
        .iter()
        .map(|&l| levelfield_stats::ConfidenceLevel::new(l).map(|c| c.fraction()))
        .collect::<Result<_, _>>()
        .map_err(|e| CommandError::Input(format!("--limits: {e}")))?;
    let (x, n) = (
        table.numbers(&args.numerator)?,
        table.numbers(&args.denominator)?,
    );
    let present: Vec<usize> = (0..table.n_rows())
        .filter(|&r| x[r].is_some() && n[r].is_some_and(|d| d > 0.0))
        .collect();
    for &r in &present {
        if x[r].unwrap_or(0.0) < 0.0 {
            return Err(at_row(
                &table,
                r,
                &args.numerator,
                StatsError::NegativeNumerator(x[r].unwrap_or(0.0)),
            ));
        }
    }
    let xs: Vec<f64> = present.iter().map(|&r| x[r].unwrap_or(0.0)).collect();
    let ns: Vec<f64> = present.iter().map(|&r| n[r].unwrap_or(0.0)).collect();
    let trim = if args.trim == "truncate" {
        Trim::Truncate
    } else {
        Trim::Winsorise
    };
    let od = funnel::estimate_overdispersion(kind, &xs, &ns, trim, args.trim_fraction)
        .map_err(|e| CommandError::Input(format!("over-dispersion: {e}")))?;
    let adjust = match args.adjust.as_str() {
        "multiplicative" => LimitKind::Multiplicative,
        "none" => LimitKind::Unadjusted,
        _ => LimitKind::Additive,
    };
    let rows = table.n_rows();
    let mut value = vec![None; rows];
    let mut limit_cols: Vec<Vec<Option<f64>>> = vec![vec![None; rows]; 2 * levels.len()];
    let mut outlier = vec![String::new(); rows];
    for r in 0..rows {
        let (Some(o), Some(d)) = (x[r], n[r].filter(|d| *d > 0.0)) else {
            outlier[r] = "not plotted: missing or zero denominator".into();
            continue;
        };
        let v = o / d;
        value[r] = Some(v);
        let mut label = "none".to_string();
        // Levels from widest to narrowest decide the label: the widest limit crossed.
        let mut order: Vec<usize> = (0..levels.len()).collect();
        order.sort_by(|&a, &b| levels[b].total_cmp(&levels[a]));
        for (k, &level) in levels.iter().enumerate() {
            let (lo, hi) = funnel::funnel_limits(kind, &od, d, level, adjust);
            limit_cols[2 * k][r] = Some(lo);
            limit_cols[2 * k + 1][r] = Some(hi);
        }
        for &k in &order {
            let (lo, hi) = (
                limit_cols[2 * k][r].unwrap_or(f64::NAN),
                limit_cols[2 * k + 1][r].unwrap_or(f64::NAN),
            );
            if v > hi || v < lo {
                label = format!(
                    "{} {}",
                    if v > hi { "high" } else { "low" },
                    levelfield_stats::ConfidenceLevel::new(levels[k])
                        .map(|c| c.label())
                        .unwrap_or_default()
                );
                break;
            }
        }
        outlier[r] = label;
    }
    for name in ["funnel_value", "outlier"] {
        if table.index(name).is_ok() {
            return Err(CommandError::Input(format!(
                "{}: the input column `{name}` has the same name as an output column; rename it",
                table.source_name()
            )));
        }
    }
    table.push("funnel_value", Column::Number(value))?;
    for (k, level) in levels.iter().enumerate() {
        let s = levelfield_stats::ConfidenceLevel::new(*level)
            .map(|c| c.column_suffix())
            .unwrap_or_default();
        table.push(
            format!("lower_limit_{s}"),
            Column::Number(std::mem::take(&mut limit_cols[2 * k])),
        )?;
        table.push(
            format!("upper_limit_{s}"),
            Column::Number(std::mem::take(&mut limit_cols[2 * k + 1])),
        )?;
    }
    table.push("outlier", Column::from_strings(outlier))?;
    let adjusted = od.phi > 1.0 && adjust != LimitKind::Unadjusted;
    let note = format!(
        "phi {:.6}; tau2 {:.8}; {} limits",
        od.phi,
        od.tau2,
        if adjusted {
            args.adjust.as_str()
        } else {
            "unadjusted"
        }
    );
    table.push(
        "overdispersion",
        Column::from_strings(std::iter::repeat_n(note.as_str(), rows)),
    )?;
    emit(&table, &args.common)
}
