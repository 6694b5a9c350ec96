//! `levelfield spc`: one SPC chart per group, one output row per point, with the series' variation
//! and assurance verdicts on every row.

use levelfield_stats::spc::{ChartType, Improvement, SpcConfig, spc};
use levelfield_table::{Column, Table};

use crate::{
    CommandError,
    args::SpcArgs,
    output::emit,
    stats::{Groups, read_input},
};

pub(crate) fn run(args: &SpcArgs) -> Result<(), CommandError> {
    let table = read_input(&args.common)?;
    let group_by = &args.common.group_by;
    let values = table.numbers(&args.value)?;
    let chart = match args.chart.as_str() {
        "p" => ChartType::P,
        "u" => ChartType::U,
        "run" => ChartType::Run,
        "g" => ChartType::G,
        "t" => ChartType::T,
        _ => ChartType::Xmr,
    };
    let denominators = match (&args.denominator, chart) {
        (Some(col), _) => Some(table.numbers(col)?),
        (None, ChartType::Xmr | ChartType::Run | ChartType::G | ChartType::T) => None,
        (None, _) => {
            return Err(CommandError::Input(format!(
                "--chart {} needs --denominator COL",
                args.chart
            )));
        }
    };
    let period_col = table.index(&args.period)?;
    let improvement = match args.improvement.as_str() {
        "increase" => Improvement::Increase,
        "decrease" => Improvement::Decrease,
        _ => Improvement::Neutral,
    };
    let groups = Groups::new(&table, group_by)?;
    if args.svg.is_some() && groups.len() > 100 {
        return Err(CommandError::Input(format!(
            "--svg draws at most 100 series, and --group-by gives {}; filter the input or draw fewer groups",
            groups.len()
        )));
    }
    let mut charts: Vec<String> = Vec::new();
    let n = table.n_rows();
    let mut order_rows = Vec::with_capacity(n);
    let mut cols: Vec<Vec<Option<f64>>> = (0..7).map(|_| Vec::with_capacity(n)).collect();
    let mut texts: Vec<Vec<&'static str>> = (0..6).map(|_| Vec::with_capacity(n)).collect();
    // Periods read as numbers once (text periods such as ISO dates sort as text).
    let period_number: Vec<Option<f64>> = (0..n)
        .map(|r| table.text(period_col, r).trim().parse::<f64>().ok())
        .collect();
    for rows in groups.iter() {
        // Chart the group's rows in period order (numbers numerically, text by bytes: ISO dates sort).
        let mut rows = rows.to_vec();
        rows.sort_by(|&a, &b| match (period_number[a], period_number[b]) {
            (Some(p), Some(q)) => p.total_cmp(&q),
            _ => table.text(period_col, a).cmp(&table.text(period_col, b)),
        });
        for w in rows.windows(2) {
            if table.text(period_col, w[0]) == table.text(period_col, w[1]) {
                return Err(CommandError::Input(format!(
                    "{}: rows {} and {}: period `{}` appears twice in one series; give one row per period (use --group-by for several series)",
                    table.source_name(),
                    w[0] + 1,
                    w[1] + 1,
                    table.text(period_col, w[0])
                )));
            }
        }
        let series: Vec<Option<f64>> = rows.iter().map(|&r| values[r]).collect();
        let dens: Option<Vec<Option<f64>>> = denominators
            .as_ref()
            .map(|d| rows.iter().map(|&r| d[r]).collect());
        let rebase_at: Vec<usize> = args
            .rebase
            .iter()
            .filter_map(|p| {
                rows.iter()
                    .position(|&r| table.text(period_col, r) == p.as_str())
            })
            .collect();
        let config = SpcConfig {
            chart,
            baseline: args.baseline,
            rebase_at,
            improvement,
            run_length: usize::from(args.run_length),
            screen_outliers: args.screen_outliers,
            target: args.target,
        };
        let result = spc(&series, dens.as_deref(), &config);
        if args.svg.is_some() {
            let key: Vec<String> = group_by
                .iter()
                .map(|c| table.index(c).map(|i| table.text(i, rows[0]).into_owned()))
                .collect::<Result<_, _>>()?;
            let title = if key.is_empty() {
                args.value.clone()
            } else {
                format!("{} — {}", args.value, key.join(", "))
            };
            let pts: Vec<levelfield_chart::SpcPoint> = rows
                .iter()
                .zip(&result.points)
                .map(|(&r, p)| levelfield_chart::SpcPoint {
                    period: table.text(period_col, r).into_owned(),
                    value: p.value,
                    mean: p.mean,
                    lower: p.lower_limit,
                    upper: p.upper_limit,
                    signal: match p.point_type {
                        levelfield_stats::spc::PointType::CommonCause => {
                            levelfield_chart::Signal::Common
                        }
                        levelfield_stats::spc::PointType::Improvement => {
                            levelfield_chart::Signal::Improvement
                        }
                        levelfield_stats::spc::PointType::Concern => {
                            levelfield_chart::Signal::Concern
                        }
                        levelfield_stats::spc::PointType::Neutral => {
                            levelfield_chart::Signal::Neutral
                        }
                    },
                })
                .collect();
            charts.push(levelfield_chart::spc_chart(&title, &args.value, &pts));
        }
        let variation = result.variation.label();
        let assurance = result.assurance.map_or("", |a| a.label());
        for (&r, p) in rows.iter().zip(&result.points) {
            order_rows.push(r);
            for (c, v) in cols.iter_mut().zip([
                p.value,
                p.mean.is_finite().then_some(p.mean),
                p.lower_limit.is_finite().then_some(p.lower_limit),
                p.upper_limit.is_finite().then_some(p.upper_limit),
                p.lower_two_sigma.is_finite().then_some(p.lower_two_sigma),
                p.upper_two_sigma.is_finite().then_some(p.upper_two_sigma),
                p.moving_range,
            ]) {
                c.push(v);
            }
            let row_texts = [
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
            ];
            for (c, v) in texts.iter_mut().zip(row_texts) {
                c.push(v);
            }
        }
    }
    let mut out = Table::with_rows(order_rows.len());
    out.source = table.source.clone();
    for name in group_by {
        out.push(name.clone(), table.column(name)?.take(&order_rows))?;
    }
    out.push("period", table.column(&args.period)?.take(&order_rows))?;
    let names = [
        "value",
        "mean",
        "lower_process_limit",
        "upper_process_limit",
        "lower_two_sigma",
        "upper_two_sigma",
        "moving_range",
    ];
    for (name, c) in names.iter().zip(cols) {
        out.push(*name, Column::Number(c))?;
    }
    let text_names = [
        "special_cause_rule",
        "point_type",
        "trial_limits",
        "variation",
        "assurance",
        "diagnostic",
    ];
    for (name, c) in text_names.iter().zip(texts) {
        out.push(*name, Column::from_strings(c))?;
    }
    emit(&out, &args.common)?;
    if let Some(path) = &args.svg {
        let svg = if charts.len() == 1 {
            charts.remove(0)
        } else {
            levelfield_chart::stack(&charts)
        };
        levelfield_table::write_text(path, &svg).map_err(CommandError::Write)?;
    }
    Ok(())
}
