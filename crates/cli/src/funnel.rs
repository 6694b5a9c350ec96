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
    output::{emit, push_column},
    stats::{at_row, read_input},
};

pub(crate) fn run(command: FunnelCommand) -> Result<(), CommandError> {
    let common = match &command {
        FunnelCommand::Limits(a) | FunnelCommand::Significance(a) | FunnelCommand::Points(a) => {
            &a.common
        }
        FunnelCommand::Units(a) => &a.common,
    };
    if !common.group_by.is_empty() {
        return Err(CommandError::Input(
            "funnel plots compare all the units of one table: --group-by is not supported; filter the input to one indicator and period per run".into(),
        ));
    }
    match command {
        FunnelCommand::Limits(args) => limits(&args),
        FunnelCommand::Significance(args) => significance(&args),
        FunnelCommand::Points(args) => points(&args),
        FunnelCommand::Units(args) => units(&args),
    }
}

/// Numerators and denominators, every row present and valid (PHE requires all records).
fn counts(table: &Table, args: &FunnelArgs) -> Result<(Vec<f64>, Vec<f64>), CommandError> {
    let Some(den_col) = args.denominator.as_deref() else {
        return Err(CommandError::Input(format!(
            "--statistic {} needs --denominator COL",
            args.statistic
        )));
    };
    let (x, n) = (table.numbers(&args.numerator)?, table.numbers(den_col)?);
    if args.statistic != "proportion" {
        crate::stats::whole_counts(table, &x, &args.numerator)?;
    }
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
                den_col,
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

fn no_svg(args: &FunnelArgs) -> Result<(), CommandError> {
    if args.svg.is_some() {
        return Err(CommandError::Input(
            "--svg is drawn by `levelfield funnel limits` and `levelfield funnel units`".into(),
        ));
    }
    Ok(())
}

/// Rates: counts, rates and the denominators PHE derives from them.
struct RateData {
    x: Vec<f64>,
    rate: Vec<Option<f64>>,
    denominator: Vec<Option<f64>>,
    /// PHE's `denominator_derived` (per the whole period, not per year).
    derived: Vec<Option<f64>>,
    dsr: bool,
}

fn rate_data(table: &Table, args: &FunnelArgs) -> Result<RateData, CommandError> {
    let (Some(rate_col), Some(rate_type)) = (args.rate.as_deref(), args.rate_type.as_deref())
    else {
        return Err(CommandError::Input(
            "--statistic rate needs --rate COL and --rate-type crude or dsr".into(),
        ));
    };
    let dsr = rate_type == "dsr";
    let x = table.numbers(&args.numerator)?;
    crate::stats::whole_counts(table, &x, &args.numerator)?;
    let rate = table.numbers(rate_col)?;
    let denominator = match args.denominator.as_deref() {
        Some(c) => table.numbers(c)?,
        None => vec![None; table.n_rows()],
    };
    let m = args.multiplier;
    let mut xs = Vec::with_capacity(x.len());
    let mut derived = Vec::with_capacity(x.len());
    for row in 0..table.n_rows() {
        let Some(xv) = x[row] else {
            return Err(CommandError::Input(format!(
                "{}: row {}, column `{}`: for rates, counts must be given for every row, even when they are zero",
                table.source_name(),
                row + 1,
                args.numerator
            )));
        };
        if xv < 0.0 {
            return Err(at_row(
                table,
                row,
                &args.numerator,
                StatsError::NegativeNumerator(xv),
            ));
        }
        if xv == 0.0 && !denominator[row].is_some_and(|d| d > 0.0) {
            return Err(CommandError::Input(format!(
                "{}: row {}: for rates, where there are 0 events the denominator must be given: add --denominator COL with a population above zero",
                table.source_name(),
                row + 1
            )));
        }
        if xv > 0.0 && !rate[row].is_some_and(|r| r > 0.0) {
            return Err(CommandError::Input(format!(
                "{}: row {}, column `{rate_col}`: for rates, a rate above zero must be given for every row with events",
                table.source_name(),
                row + 1
            )));
        }
        derived.push(match (xv == 0.0, dsr) {
            (true, true) => None,
            (true, false) => denominator[row],
            (false, _) => rate[row].map(|r| m * xv / r),
        });
        xs.push(xv);
    }
    Ok(RateData {
        x: xs,
        rate,
        denominator,
        derived,
        dsr,
    })
}

fn years(args: &FunnelArgs) -> Result<f64, CommandError> {
    match args.years_of_data {
        Some(y) if y > 0.0 => Ok(y),
        _ => Err(CommandError::Input(
            "--statistic rate needs --years-of-data N (above zero)".into(),
        )),
    }
}

/// R's `format(m, big.mark = ",")`: 100000 → `100,000`.
fn with_commas(m: f64) -> String {
    levelfield_chart::group_thousands(&levelfield_stats::rate::format_multiplier(m))
}

fn rate_limits(args: &FunnelArgs) -> Result<(), CommandError> {
    let table = read_input(&args.common)?;
    let data = rate_data(&table, args)?;
    let years = years(args)?;
    let present: Vec<f64> = data.derived.iter().flatten().copied().collect();
    let average = data.x.iter().sum::<f64>() / present.iter().sum::<f64>();
    let (min, max) = present
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let axis = funnel::rate_axis_points(min, max, years, average);
    let m = args.multiplier;
    let mut cols: Vec<Vec<Option<f64>>> = (0..8).map(|_| Vec::with_capacity(axis.len())).collect();
    for &e in &axis {
        let pops = funnel::poisson_funnel_ends(e).map(|mean| mean / average);
        for (k, pop) in pops.iter().enumerate() {
            cols[2 * k].push(Some(pop / years));
            cols[2 * k + 1].push(Some(e / pop * m));
        }
    }
    let mut out = Table::with_rows(axis.len());
    out.push(
        "Events",
        Column::Number(axis.iter().map(|v| Some(*v)).collect()),
    )?;
    let names = [
        "lower_2s_population_1_year",
        "lower_2s_limit",
        "upper_2s_population_1_year",
        "upper_2s_limit",
        "lower_3s_population_1_year",
        "lower_3s_limit",
        "upper_3s_population_1_year",
        "upper_3s_limit",
    ];
    for (name, c) in names.iter().zip(cols) {
        out.push(*name, Column::Number(c))?;
    }
    out.push(
        "baseline",
        Column::Number(vec![Some(average * m); axis.len()]),
    )?;
    let statistic = format!(
        "rate ({} per {})",
        if data.dsr { "dsr" } else { "crude" },
        with_commas(m)
    );
    out.push(
        "statistic",
        Column::from_strings(std::iter::repeat_n(statistic.as_str(), axis.len())),
    )?;
    out.push(
        "method",
        Column::from_strings(std::iter::repeat_n("Poisson", axis.len())),
    )?;
    // The chart first, so a chart that cannot be written leaves no table behind.
    if let Some(path) = &args.svg {
        let units: Vec<(String, f64, f64)> = (0..data.x.len())
            .filter_map(|i| Some((table.text(0, i).into_owned(), data.x[i], data.rate[i]?)))
            .collect();
        draw_phe_funnel(path, args, &out, "Events", units, average * m)?;
    }
    emit(&out, &args.common)?;
    Ok(())
}

/// `levelfield funnel points`: PHE's plotting points for rates.
fn points(args: &FunnelArgs) -> Result<(), CommandError> {
    no_svg(args)?;
    if args.statistic != "rate" {
        return Err(CommandError::Input("funnel points are for rates (--statistic rate); proportions and ratios plot their own values".into()));
    }
    let mut table = read_input(&args.common)?;
    let data = rate_data(&table, args)?;
    let years = years(args)?;
    let n = table.n_rows();
    let mut chart = Vec::with_capacity(n);
    let mut per_year = Vec::with_capacity(n);
    for row in 0..n {
        let x = data.x[row];
        if data.dsr && x < 10.0 {
            chart.push(None);
            per_year.push(None);
        } else {
            chart.push(data.rate[row]);
            per_year.push(if x == 0.0 {
                data.denominator[row].map(|d| d / years)
            } else {
                data.rate[row].map(|r| args.multiplier * x / r / years)
            });
        }
    }
    let rate_col = args.rate.clone().unwrap_or_default();
    push_column(
        &mut table,
        &format!("{rate_col}_chart"),
        Column::Number(chart),
    )?;
    push_column(&mut table, "denominator_derived", Column::Number(per_year))?;
    emit(&table, &args.common)
}

fn limits(args: &FunnelArgs) -> Result<(), CommandError> {
    if args.statistic == "rate" {
        return rate_limits(args);
    }
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
    // PHE also reports, for ratios, the expected events at which each limit is reached.
    let mut exp_events: Vec<Vec<Option<f64>>> = (0..4).map(|_| Vec::new()).collect();
    let (first, statistic, method) = if ratio {
        let Some(kind) = args.ratio_type.as_deref() else {
            return Err(CommandError::Input(
                "--statistic ratio needs --ratio-type count or isr".into(),
            ));
        };
        for &o in &axis {
            let expected = funnel::poisson_funnel_ends(o);
            for (k, e) in expected.iter().enumerate() {
                let v = o / e;
                cols[k].push(Some(if kind == "count" { v - 1.0 } else { v * 100.0 }));
                exp_events[k].push(Some(*e));
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
    let names = ["lower_2s", "upper_2s", "lower_3s", "upper_3s"];
    for (k, c) in cols.into_iter().enumerate() {
        if ratio {
            out.push(
                format!("{}_exp_events", names[k]),
                Column::Number(std::mem::take(&mut exp_events[k])),
            )?;
        }
        out.push(format!("{}_limit", names[k]), Column::Number(c))?;
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
    // The chart first, so a chart that cannot be written leaves no table behind.
    if let Some(path) = &args.svg {
        // Units at their own x: population (proportions) or observed events (ratios).
        let units: Vec<(String, f64, f64)> = (0..x.len())
            .map(|i| {
                let label = table.text(0, i).into_owned();
                if ratio {
                    let r = x[i] / n[i];
                    let y = if args.ratio_type.as_deref() == Some("count") {
                        r - 1.0
                    } else {
                        r * 100.0
                    };
                    (label, x[i], y)
                } else {
                    (label, n[i], x[i] / n[i] * args.multiplier)
                }
            })
            .collect();
        let target = if ratio {
            if args.ratio_type.as_deref() == Some("count") {
                0.0
            } else {
                100.0
            }
        } else {
            average * args.multiplier
        };
        draw_phe_funnel(path, args, &out, first, units, target)?;
    }
    emit(&out, &args.common)?;
    Ok(())
}

/// Draws PHE's funnel: the tabulated 95 % and 99.8 % limits and the units, outliers beyond 99.8 %.
fn draw_phe_funnel(
    path: &std::path::Path,
    args: &FunnelArgs,
    limits: &Table,
    x_col: &str,
    units: Vec<(String, f64, f64)>,
    target: f64,
) -> Result<(), CommandError> {
    let xs = limits.numbers(x_col)?;
    let cols: Vec<Vec<Option<f64>>> = [
        "lower_2s_limit",
        "upper_2s_limit",
        "lower_3s_limit",
        "upper_3s_limit",
    ]
    .iter()
    .map(|c| limits.numbers(c))
    .collect::<Result<_, _>>()?;
    let grid: Vec<levelfield_chart::FunnelLimits> = (0..xs.len())
        .filter_map(|i| {
            let x = xs[i]?;
            Some((
                x,
                vec![(cols[0][i]?, cols[1][i]?), (cols[2][i]?, cols[3][i]?)],
            ))
        })
        .collect();
    // A unit is an outlier when it lies beyond the 99.8 % limits at its x (interpolated).
    let outer = |x: f64| -> Option<(f64, f64)> {
        let j = grid.iter().position(|g| g.0 >= x)?;
        if j == 0 {
            return Some(grid[0].1[1]);
        }
        let (a, b) = (&grid[j - 1], &grid[j]);
        let t = (x - a.0) / (b.0 - a.0);
        let lerp = |u: f64, v: f64| u + t * (v - u);
        Some((lerp(a.1[1].0, b.1[1].0), lerp(a.1[1].1, b.1[1].1)))
    };
    let plotted: Vec<levelfield_chart::FunnelUnit> = units
        .into_iter()
        .map(|(label, size, value)| {
            let outlier = outer(size).is_some_and(|(lo, hi)| value < lo || value > hi);
            levelfield_chart::FunnelUnit {
                label,
                size,
                value,
                outlier,
            }
        })
        .collect();
    let denominator = args.denominator.as_deref().unwrap_or("denominator");
    let title = format!(
        "Funnel plot ({}): {} / {}",
        args.statistic, args.numerator, denominator
    );
    let svg =
        levelfield_chart::funnel_plot(&title, x_col, &args.statistic, &plotted, &grid, target);
    levelfield_table::write_text(path, &svg).map_err(CommandError::Write)
}

fn significance(args: &FunnelArgs) -> Result<(), CommandError> {
    no_svg(args)?;
    let mut table = read_input(&args.common)?;
    let labels: Vec<&str> = if args.statistic == "rate" {
        let data = rate_data(&table, args)?;
        let average = data.x.iter().sum::<f64>() / data.derived.iter().flatten().sum::<f64>();
        data.x
            .iter()
            .zip(&data.derived)
            .map(|(&x, d)| {
                if data.dsr && x < 10.0 {
                    "Not applicable for events less than 10 for dsrs"
                } else {
                    d.map_or("Not significant", |d| {
                        funnel::rate_significance(x, d, average)
                    })
                }
            })
            .collect()
    } else {
        let (x, n) = counts(&table, args)?;
        let average = x.iter().sum::<f64>() / n.iter().sum::<f64>();
        x.iter()
            .zip(&n)
            .map(|(&a, &b)| {
                if args.statistic == "ratio" {
                    funnel::ratio_significance(a, b)
                } else {
                    funnel::proportion_significance(a, b, average)
                }
            })
            .collect()
    };
    push_column(&mut table, "significance", Column::from_strings(labels))?;
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
    let levels: Vec<levelfield_stats::ConfidenceLevel> = args
        .limits
        .iter()
        .map(|&l| levelfield_stats::ConfidenceLevel::new(l))
        .collect::<Result<_, _>>()
        .map_err(|e| CommandError::Input(format!("--limits: {e}")))?;
    // Levels from widest to narrowest decide a unit's label: the widest limit crossed.
    let mut widest_first: Vec<usize> = (0..levels.len()).collect();
    widest_first.sort_by(|&a, &b| levels[b].fraction().total_cmp(&levels[a].fraction()));
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
        .map_err(|e| match e {
            StatsError::OutOfRange { .. } => CommandError::Input(format!("--trim-fraction: {e}")),
            _ => CommandError::Input("over-dispersion needs at least two units with a count and a denominator above zero (and, for log scales, at least one event)".into()),
        })?;
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
        let limits: Vec<(f64, f64)> = levels
            .iter()
            .map(|l| funnel::funnel_limits(kind, &od, d, l.fraction(), adjust))
            .collect();
        for (k, &(lo, hi)) in limits.iter().enumerate() {
            limit_cols[2 * k][r] = Some(lo);
            limit_cols[2 * k + 1][r] = Some(hi);
        }
        outlier[r] = widest_first
            .iter()
            .find_map(|&k| {
                let (lo, hi) = limits[k];
                let side = if v > hi { "high" } else { "low" };
                (v > hi || v < lo).then(|| format!("{side} {}", levels[k].label()))
            })
            .unwrap_or_else(|| "none".to_string());
    }
    push_column(&mut table, "funnel_value", Column::Number(value))?;
    for (k, level) in levels.iter().enumerate() {
        let s = level.column_suffix();
        push_column(
            &mut table,
            &format!("lower_limit_{s}"),
            Column::Number(std::mem::take(&mut limit_cols[2 * k])),
        )?;
        push_column(
            &mut table,
            &format!("upper_limit_{s}"),
            Column::Number(std::mem::take(&mut limit_cols[2 * k + 1])),
        )?;
    }
    push_column(&mut table, "outlier", Column::from_strings(outlier))?;
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
