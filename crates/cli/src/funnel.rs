//! `levelfield funnel limits|significance|points|units`: funnel plots as PHEindicatormethods
//! tabulates them and as FunnelPlotR adjusts them for over-dispersion. The statistics are
//! `levelfield_stats::funnel`'s; this module reads, checks and writes.

use levelfield_stats::{
    StatsError,
    funnel::{self, LimitKind, PheFunnel, PheLimit},
};
use levelfield_table::{Column, Table};

use crate::{
    CommandError,
    args::{FunnelArgs, FunnelCommand, FunnelStatistic, FunnelUnitsArgs, RateType, choice_name},
    output::{emit, push_column},
    stats::{Groups, at_row, read_input},
};

pub(crate) fn run(command: FunnelCommand) -> Result<(), CommandError> {
    match command {
        FunnelCommand::Limits(args) => one_table(&args).and_then(|()| limits(&args)),
        FunnelCommand::Significance(args) => one_table(&args).and_then(|()| significance(&args)),
        FunnelCommand::Points(args) => one_table(&args).and_then(|()| points(&args)),
        FunnelCommand::Units(args) => units(&args),
    }
}

/// PHE's funnels compare every row of one table: `--group-by` is refused.
fn one_table(args: &FunnelArgs) -> Result<(), CommandError> {
    if args.common.group_by.is_empty() {
        return Ok(());
    }
    Err(CommandError::Input(
        "PHE's funnel plots compare all the units of one table: --group-by is not supported here (`levelfield funnel units --group-by` sums the rows of each unit); filter the input to one indicator and period per run".into(),
    ))
}

/// The pooled average of units whose denominators are known to be positive.
fn average(x: &[f64], n: &[f64]) -> f64 {
    funnel::pooled_average(x, n).unwrap_or(f64::NAN)
}

/// Numerators and denominators, every row present and valid (PHE requires all records).
fn counts(table: &Table, args: &FunnelArgs) -> Result<(Vec<f64>, Vec<f64>), CommandError> {
    let Some(den_col) = args.denominator.as_deref() else {
        return Err(CommandError::Input(format!(
            "--statistic {} needs --denominator COL",
            choice_name(&args.statistic)
        )));
    };
    let (x, n) = (table.numbers(&args.numerator)?, table.numbers(den_col)?);
    let proportion = args.statistic == FunnelStatistic::Proportion;
    if !proportion {
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
        if proportion && a > b {
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
    let (Some(rate_col), Some(rate_type)) = (args.rate.as_deref(), args.rate_type) else {
        return Err(CommandError::Input(
            "--statistic rate needs --rate COL and --rate-type crude or dsr".into(),
        ));
    };
    let dsr = rate_type == RateType::Dsr;
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

/// PHE's table of a funnel: the x axis, then for each limit the lower and upper limits, each
/// after the column (named `…_{reached}`) of the unit size at which it is reached, when the
/// funnel has one.
fn phe_table(
    funnel: &PheFunnel,
    x_name: &str,
    reached: Option<&str>,
) -> Result<Table, CommandError> {
    let points = &funnel.points;
    let mut out = Table::with_rows(points.len());
    out.push(
        x_name,
        Column::Number(points.iter().map(|p| Some(p.x)).collect()),
    )?;
    for (k, limit) in PheLimit::ALL.iter().enumerate() {
        for (side, upper) in [("lower", false), ("upper", true)] {
            let pick = |pair: (f64, f64)| if upper { pair.1 } else { pair.0 };
            if let Some(suffix) = reached {
                out.push(
                    format!("{side}_{}_{suffix}", limit.stem()),
                    Column::Number(
                        points
                            .iter()
                            .map(|p| p.reached_at.map(|r| pick(r[k])))
                            .collect(),
                    ),
                )?;
            }
            out.push(
                format!("{side}_{}_limit", limit.stem()),
                Column::Number(points.iter().map(|p| Some(pick(p.limits[k]))).collect()),
            )?;
        }
    }
    Ok(out)
}

/// Pushes the columns every PHE table ends with: `baseline` (when given), `statistic`, `method`.
fn push_labels(
    out: &mut Table,
    baseline: Option<f64>,
    statistic: &str,
    method: &str,
) -> Result<(), CommandError> {
    let n = out.n_rows();
    if let Some(b) = baseline {
        out.push("baseline", Column::Number(vec![Some(b); n]))?;
    }
    out.push(
        "statistic",
        Column::from_strings(std::iter::repeat_n(statistic, n)),
    )?;
    out.push(
        "method",
        Column::from_strings(std::iter::repeat_n(method, n)),
    )?;
    Ok(())
}

fn rate_limits(args: &FunnelArgs) -> Result<(), CommandError> {
    let table = read_input(&args.common)?;
    let data = rate_data(&table, args)?;
    let years = years(args)?;
    let present: Vec<f64> = data.derived.iter().flatten().copied().collect();
    let m = args.multiplier;
    let funnel = PheFunnel::rate(&data.x, &present, years, m).map_err(|_| {
        CommandError::Input(format!(
            "{}: no row has a denominator PHE can derive (events above zero with a rate, or a population for a crude rate): no funnel to draw",
            table.source_name()
        ))
    })?;
    let mut out = phe_table(&funnel, "Events", Some("population_1_year"))?;
    let statistic = format!(
        "rate ({} per {})",
        if data.dsr { "dsr" } else { "crude" },
        with_commas(m)
    );
    push_labels(&mut out, Some(funnel.target), &statistic, "Poisson")?;
    // The chart first, so a chart that cannot be written leaves no table behind.
    if let Some(path) = &args.svg {
        let units: Vec<(String, f64, f64)> = (0..data.x.len())
            .filter_map(|i| Some((table.text(0, i).into_owned(), data.x[i], data.rate[i]?)))
            .collect();
        draw_phe_funnel(path, args, &funnel, "Events", units)?;
    }
    emit(&out, &args.common)?;
    Ok(())
}

/// `levelfield funnel points`: PHE's plotting points for rates.
fn points(args: &FunnelArgs) -> Result<(), CommandError> {
    no_svg(args)?;
    if args.statistic != FunnelStatistic::Rate {
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
    let ratio = match args.statistic {
        FunnelStatistic::Rate => return rate_limits(args),
        FunnelStatistic::Ratio => true,
        FunnelStatistic::Proportion => false,
    };
    let table = read_input(&args.common)?;
    let (x, n) = counts(&table, args)?;
    let m = args.multiplier;
    // `counts` leaves at least one row, every denominator above zero.
    let no_funnel = |e: StatsError| CommandError::Input(format!("{}: {e}", table.source_name()));
    let (funnel, out, first, scale) = if ratio {
        let Some(scale) = args.ratio_type else {
            return Err(CommandError::Input(
                "--statistic ratio needs --ratio-type count or isr".into(),
            ));
        };
        let funnel = PheFunnel::ratio(&n, scale).map_err(no_funnel)?;
        // PHE also reports, for ratios, the expected events at which each limit is reached.
        let mut out = phe_table(&funnel, "Observed_events", Some("exp_events"))?;
        push_labels(
            &mut out,
            None,
            &format!("ratio ({})", scale.name()),
            "Poisson",
        )?;
        (funnel, out, "Observed_events", Some(scale))
    } else {
        let funnel = PheFunnel::proportion(&x, &n, m).map_err(no_funnel)?;
        let mut out = phe_table(&funnel, "Population", None)?;
        push_labels(&mut out, Some(funnel.target), "proportion", "Wilson")?;
        (funnel, out, "Population", None)
    };
    // The chart first, so a chart that cannot be written leaves no table behind.
    if let Some(path) = &args.svg {
        // Units at their own x: population (proportions) or observed events (ratios).
        let units: Vec<(String, f64, f64)> = (0..x.len())
            .map(|i| {
                let label = table.text(0, i).into_owned();
                match scale {
                    Some(scale) => (label, x[i], scale.apply(x[i] / n[i])),
                    None => (label, n[i], x[i] / n[i] * m),
                }
            })
            .collect();
        draw_phe_funnel(path, args, &funnel, first, units)?;
    }
    emit(&out, &args.common)?;
    Ok(())
}

/// Draws PHE's funnel: the tabulated 95 % and 99.8 % limits and the units, outliers beyond 99.8 %.
fn draw_phe_funnel(
    path: &std::path::Path,
    args: &FunnelArgs,
    funnel: &PheFunnel,
    x_col: &str,
    units: Vec<(String, f64, f64)>,
) -> Result<(), CommandError> {
    let grid: Vec<levelfield_chart::FunnelLimits> = funnel
        .points
        .iter()
        .map(|p| (p.x, p.limits.to_vec()))
        .collect();
    // A unit is an outlier when it lies beyond the 99.8 % limits at its x (interpolated).
    let plotted: Vec<levelfield_chart::FunnelUnit> = units
        .into_iter()
        .map(|(label, size, value)| levelfield_chart::FunnelUnit {
            outlier: matches!(funnel.crossing(size, value), Some((PheLimit::Limit998, _))),
            label,
            size,
            value,
        })
        .collect();
    let denominator = args.denominator.as_deref().unwrap_or("denominator");
    let statistic = choice_name(&args.statistic);
    let title = format!(
        "Funnel plot ({statistic}): {} / {denominator}",
        args.numerator
    );
    let names = levelfield_chart::FunnelNames {
        x: x_col,
        y: &statistic,
        centre: "target",
    };
    let svg = levelfield_chart::funnel_plot(&title, &names, &plotted, &grid, funnel.target);
    levelfield_table::write_text(path, &svg).map_err(CommandError::Write)
}

fn significance(args: &FunnelArgs) -> Result<(), CommandError> {
    no_svg(args)?;
    let mut table = read_input(&args.common)?;
    let labels: Vec<&str> = if args.statistic == FunnelStatistic::Rate {
        let data = rate_data(&table, args)?;
        let present: Vec<f64> = data.derived.iter().flatten().copied().collect();
        let average = average(&data.x, &present);
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
        let average = average(&x, &n);
        x.iter()
            .zip(&n)
            .map(|(&a, &b)| {
                if args.statistic == FunnelStatistic::Ratio {
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

/// One row per unit of `--group-by`: the unit's columns and its numerator and denominator
/// summed over its rows, as FunnelPlotR aggregates record-level data. A unit with a row that
/// lacks either count has no total (R's `sum` of an `NA`), so it is not plotted.
fn unit_totals(table: &Table, args: &FunnelUnitsArgs) -> Result<Table, CommandError> {
    let group_by = &args.common.group_by;
    for column in [&args.numerator, &args.denominator] {
        if group_by.contains(column) {
            return Err(CommandError::Input(format!(
                "--group-by {column}: the units are summed over `{column}`, so it cannot also name them"
            )));
        }
    }
    let (x, n) = (
        table.numbers(&args.numerator)?,
        table.numbers(&args.denominator)?,
    );
    crate::stats::check_rows(
        table,
        &x,
        &args.numerator,
        |v| v >= 0.0,
        StatsError::NegativeNumerator,
    )?;
    crate::stats::check_rows(
        table,
        &n,
        &args.denominator,
        |v| v >= 0.0,
        StatsError::NegativeDenominator,
    )?;
    let groups = Groups::new(table, group_by)?;
    let total = |values: &[Option<f64>], rows: &[usize]| -> Option<f64> {
        rows.iter().map(|&r| values[r]).sum()
    };
    let numerators: Vec<Option<f64>> = groups.iter().map(|rows| total(&x, rows)).collect();
    let denominators: Vec<Option<f64>> = groups.iter().map(|rows| total(&n, rows)).collect();
    let mut out = groups.keys(table, group_by)?;
    push_column(&mut out, &args.numerator, Column::Number(numerators))?;
    push_column(&mut out, &args.denominator, Column::Number(denominators))?;
    Ok(out)
}

fn units(args: &FunnelUnitsArgs) -> Result<(), CommandError> {
    let input = read_input(&args.common)?;
    let mut table = if args.common.group_by.is_empty() {
        input
    } else {
        unit_totals(&input, args)?
    };
    let kind = args.kind;
    let levels: Vec<levelfield_stats::ConfidenceLevel> = args
        .limits
        .iter()
        .map(|&l| levelfield_stats::ConfidenceLevel::new(l))
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
    let od = funnel::estimate_overdispersion(kind, &xs, &ns, args.trim, args.trim_fraction)
        .map_err(|e| match e {
            StatsError::OutOfRange { .. } => CommandError::Input(format!("--trim-fraction: {e}")),
            StatsError::GroupCount { what: "units left after truncation", .. } => {
                CommandError::Input(format!("--trim truncate: {e}"))
            }
            _ => CommandError::Input("over-dispersion needs at least two units with a count and a denominator above zero (and, for log scales, at least one event)".into()),
        })?;
    let adjust = args.adjust;
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
        let limits: Vec<(f64, (f64, f64))> = levels
            .iter()
            .map(|l| {
                let level = l.fraction();
                (level, funnel::funnel_limits(kind, &od, d, level, adjust))
            })
            .collect();
        for (k, &(_, (lo, hi))) in limits.iter().enumerate() {
            limit_cols[2 * k][r] = Some(lo);
            limit_cols[2 * k + 1][r] = Some(hi);
        }
        // The label names the widest limit crossed.
        outlier[r] = match funnel::widest_crossed(v, &limits) {
            Some((k, side)) => format!("{} {}", side.name(), levels[k].label()),
            None => "none".to_string(),
        };
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
            choice_name(&adjust)
        } else {
            "unadjusted".to_string()
        }
    );
    table.push(
        "overdispersion",
        Column::from_strings(std::iter::repeat_n(note.as_str(), rows)),
    )?;
    emit(&table, &args.common)
}
