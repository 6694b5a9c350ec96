//! `levelfield spc`: one SPC chart per group, one output row per point, with the series' variation
//! and assurance verdicts on every row.

use levelfield_model::period;
use levelfield_profile::schema::col;
use levelfield_stats::spc::{ChartType, SpcConfig, spc};
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
    let chart = args.chart;
    let denominators = match (&args.denominator, chart) {
        (Some(col), _) => Some(table.numbers(col)?),
        (None, ChartType::Xmr | ChartType::Run | ChartType::G | ChartType::T) => None,
        (None, _) => {
            return Err(CommandError::Input(format!(
                "--chart {} needs --denominator COL",
                crate::args::choice_name(&args.chart)
            )));
        }
    };
    let period_col = table.index(&args.period)?;
    let improvement = args.improvement;
    let groups = Groups::new(&table, group_by)?;
    if args.svg.is_some() && groups.len() > 100 {
        return Err(CommandError::Input(format!(
            "--svg draws at most 100 series, and --group-by gives {}; filter the input or draw fewer groups",
            groups.len()
        )));
    }
    let mut charts: Vec<String> = Vec::new();
    let mut chunk = Chunk::default();
    // CSV output (the default) is streamed a chunk of points at a time, so memory is bounded by
    // the input, not by the output; other formats are assembled whole.
    let format = args.common.format;
    let streaming = match (&args.common.output, format) {
        (_, Some(f)) => f == levelfield_table::Format::Csv,
        (Some(path), None) => {
            levelfield_table::Format::from_path(path)? == levelfield_table::Format::Csv
        }
        (None, None) => true,
    };
    let mut stream = if streaming {
        Some(
            levelfield_table::CsvStream::create(args.common.output.as_deref())
                .map_err(CommandError::Write)?,
        )
    } else {
        None
    };
    // Periods read once onto one calendar: numbers when every period is a number, else the
    // start date of each (ISO dates, months, financial years and quarters, month names).
    let period_number = period_keys(&table, period_col, &args.period)?;
    // Every series in period order, checked before anything is written.
    let sort_series = |rows: &[usize]| -> Result<Vec<usize>, CommandError> {
        let mut rows = rows.to_vec();
        rows.sort_by(|&a, &b| period_number[a].total_cmp(&period_number[b]));
        for w in rows.windows(2) {
            if period_number[w[0]] == period_number[w[1]] {
                return Err(CommandError::Input(format!(
                    "{}: rows {} and {}: period `{}` appears twice in one series; give one row per period (use --group-by for several series)",
                    table.source_name(),
                    w[0] + 1,
                    w[1] + 1,
                    table.text(period_col, w[0])
                )));
            }
        }
        Ok(rows)
    };
    // Every series is checked before any output is written. Sorting again below, series by
    // series, costs little (a few dozen points each) and keeps memory to one series' rows.
    for rows in groups.iter() {
        sort_series(rows)?;
    }
    for rows in groups.iter() {
        let rows = sort_series(rows)?;
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
            chunk.rows.push(r);
            for (c, v) in chunk.numbers.iter_mut().zip([
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
            for (c, v) in chunk.texts.iter_mut().zip(row_texts) {
                c.push(v);
            }
        }
        if let Some(stream) = stream.as_mut()
            && chunk.rows.len() >= 100_000
        {
            stream
                .write(&chunk.take(&table, args)?)
                .map_err(CommandError::Write)?;
        }
    }
    let last = chunk.take(&table, args)?;
    // The chart first: when it cannot be written, the table (still a temporary file) is not
    // renamed into place, so no output of a failed run is left behind.
    if let Some(path) = &args.svg {
        let svg = if charts.len() == 1 {
            charts.remove(0)
        } else {
            levelfield_chart::stack(&charts)
        };
        levelfield_table::write_text(path, &svg).map_err(CommandError::Write)?;
    }
    match stream {
        Some(mut stream) => {
            stream.write(&last).map_err(CommandError::Write)?;
            stream.finish().map_err(CommandError::Write)?;
        }
        None => emit(&last, &args.common)?,
    }
    Ok(())
}

/// Output rows being gathered: input row of each point, its numbers and its labels.
#[derive(Default)]
struct Chunk {
    rows: Vec<usize>,
    numbers: [Vec<Option<f64>>; 7],
    texts: [Vec<&'static str>; 6],
}

impl Chunk {
    /// The gathered points as an output table, leaving the chunk empty.
    fn take(&mut self, table: &Table, args: &SpcArgs) -> Result<Table, CommandError> {
        let rows = std::mem::take(&mut self.rows);
        let mut out = table.select(&args.common.group_by, &rows)?;
        out.push(col::PERIOD, table.column(&args.period)?.take(&rows))?;
        let names = [
            col::VALUE,
            col::MEAN,
            col::LOWER_PROCESS_LIMIT,
            col::UPPER_PROCESS_LIMIT,
            "lower_two_sigma",
            "upper_two_sigma",
            "moving_range",
        ];
        for (name, c) in names.iter().zip(self.numbers.iter_mut()) {
            out.push(*name, Column::Number(std::mem::take(c)))?;
        }
        let text_names = [
            "special_cause_rule",
            col::POINT_TYPE,
            "trial_limits",
            "variation",
            "assurance",
            "diagnostic",
        ];
        for (name, c) in text_names.iter().zip(self.texts.iter_mut()) {
            out.push(*name, Column::from_strings(std::mem::take(c)))?;
        }
        Ok(out)
    }
}

/// The position of every row's period on one calendar: the numbers themselves when every
/// period is a number, else each period's start date as `yyyymmdd`.
///
/// # Errors
/// [`CommandError::Input`] naming the column, row and first period that is neither.
fn period_keys(table: &Table, column: usize, name: &str) -> Result<Vec<f64>, CommandError> {
    let texts: Vec<String> = (0..table.n_rows())
        .map(|r| table.text(column, r).trim().to_string())
        .collect();
    let numbers: Option<Vec<f64>> = texts
        .iter()
        .map(|t| t.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    if let Some(n) = numbers {
        return Ok(n);
    }
    // `2011-12` is December 2011 or the financial year 2011-12: when every period reads as a
    // financial year, they are financial years.
    let all_financial = texts.iter().all(|t| period::financial_year(t).is_some());
    texts
        .iter()
        .enumerate()
        .map(|(row, t)| {
            let date = if all_financial {
                period::financial_year(t)
            } else {
                period::start(t)
            };
            date.map(|(y, m, d)| f64::from(y) * 10_000.0 + f64::from(m) * 100.0 + f64::from(d))
                .ok_or_else(|| {
                    CommandError::Input(format!(
                        "{}: row {}, column `{name}`: `{t}` is not a period levelfield can place on a calendar; write every period the same way: numbers (1, 2, …), dates (2023-04-01 or 01/04/2023), months (2023-04, 04/2023 or Apr 2023), financial years (2023-24), quarters (2023-24 Q1 or 2023 Q1) or years (2023)",
                        table.source_name(),
                        row + 1
                    ))
                })
        })
        .collect()
}
