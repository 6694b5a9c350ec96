//! `levelfield stats`: reads a table, groups it, runs one estimator from `levelfield-stats` per
//! row or group, and writes the results.
//!
//! Grouped outputs are sorted by the group columns (numbers numerically, text by bytes), so the
//! order of input rows never changes the output.

mod dsr;
mod isr;
mod life_expectancy;
mod quantile;
mod simple;

use std::{cmp::Ordering, collections::HashMap};

use levelfield_stats::{ConfidenceLevel, StatsError};
use levelfield_table::Table;

use crate::{
    CommandError,
    args::{CommonArgs, StatsCommand},
};

/// Runs one `levelfield stats` subcommand.
///
/// # Errors
/// [`CommandError`] for unreadable or invalid input and for failures to write.
pub fn run(command: StatsCommand) -> Result<(), CommandError> {
    match command {
        StatsCommand::Proportion(args) => {
            simple::proportion_or_rate(&args, simple::Kind::Proportion)
        }
        StatsCommand::Rate(args) => simple::proportion_or_rate(&args, simple::Kind::Rate),
        StatsCommand::Mean(args) => simple::mean(&args),
        StatsCommand::Dsr(args) => dsr::run(&args),
        StatsCommand::Isratio(args) => isr::run(&args, isr::Kind::Ratio),
        StatsCommand::Israte(args) => isr::run(&args, isr::Kind::Rate),
        StatsCommand::Quantile(args) => quantile::run(&args),
        StatsCommand::LifeExpectancy(args) => life_expectancy::run(&args),
    }
}

/// The confidence levels asked for.
fn levels(common: &CommonArgs) -> Result<Vec<ConfidenceLevel>, CommandError> {
    if let [only] = common.confidence.as_slice()
        && only.eq_ignore_ascii_case("none")
    {
        return Ok(Vec::new());
    }
    let numbers: Vec<f64> = common
        .confidence
        .iter()
        .map(|c| {
            c.trim().trim_end_matches('%').parse::<f64>().map_err(|_| {
                CommandError::Input(format!(
                    "--confidence: `{c}` is not a number; give levels like 0.95,0.998 or 95,99.8 (or `none`)"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    ConfidenceLevel::list(&numbers).map_err(|e| CommandError::Input(format!("--confidence: {e}")))
}

/// Reads the input table.
fn read_input(common: &CommonArgs) -> Result<Table, CommandError> {
    Ok(levelfield_table::read(&common.input)?)
}

/// Rows grouped by the values of some columns, groups sorted by those values.
pub(crate) struct Groups {
    /// For each group, its rows in input order.
    pub rows: Vec<Vec<usize>>,
}

impl Groups {
    /// Groups `table` by `columns` (all rows in one group when `columns` is empty).
    pub(crate) fn new(table: &Table, columns: &[String]) -> Result<Groups, CommandError> {
        let idx: Vec<usize> = columns
            .iter()
            .map(|c| table.index(c))
            .collect::<Result<_, _>>()?;
        if idx.is_empty() {
            return Ok(Groups {
                rows: vec![(0..table.n_rows()).collect()],
            });
        }
        let mut lookup: HashMap<String, usize> = HashMap::new();
        let mut rows: Vec<Vec<usize>> = Vec::new();
        let mut key = String::new();
        for row in 0..table.n_rows() {
            key.clear();
            for (k, &c) in idx.iter().enumerate() {
                if k > 0 {
                    key.push('\u{1f}');
                }
                key.push_str(&table.text(c, row));
            }
            match lookup.get(key.as_str()) {
                Some(&g) => rows[g].push(row),
                None => {
                    lookup.insert(key.clone(), rows.len());
                    rows.push(vec![row]);
                }
            }
        }
        rows.sort_by(|a, b| compare_keys(table, &idx, a[0], b[0]));
        Ok(Groups { rows })
    }

    /// The group columns of `table`, one row per group (the first row of each).
    pub(crate) fn keys(&self, table: &Table, columns: &[String]) -> Result<Table, CommandError> {
        let firsts: Vec<usize> = self.rows.iter().map(|r| r[0]).collect();
        let mut keys = Table::with_rows(firsts.len());
        keys.source = table.source.clone();
        for name in columns {
            keys.push(name.clone(), table.column(name)?.take(&firsts))?;
        }
        Ok(keys)
    }
}

/// Orders two rows by key columns: numerically where both cells are numbers, else by bytes.
fn compare_keys(table: &Table, columns: &[usize], a: usize, b: usize) -> Ordering {
    for &c in columns {
        let (x, y) = (table.text(c, a), table.text(c, b));
        let ord = match (x.trim().parse::<f64>(), y.trim().parse::<f64>()) {
            (Ok(p), Ok(q)) => p.total_cmp(&q),
            _ => x.as_bytes().cmp(y.as_bytes()),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// A description of a group for messages: `group area=E06000001, year=2023` or `all rows`.
fn describe_group(table: &Table, columns: &[String], row: usize) -> String {
    if columns.is_empty() {
        return "all rows".to_string();
    }
    let parts: Vec<String> = columns
        .iter()
        .map(|c| {
            format!(
                "{c}={}",
                table
                    .index(c)
                    .map(|i| table.text(i, row).into_owned())
                    .unwrap_or_default()
            )
        })
        .collect();
    format!("group {}", parts.join(", "))
}

/// An input error at one row of one column, with the statistics error and its fix.
fn at_row(table: &Table, row: usize, column: &str, err: StatsError) -> CommandError {
    CommandError::Input(format!(
        "{}: row {}, column `{column}`: {err}",
        table.source_name(),
        row + 1
    ))
}

/// An input error for a whole group.
fn at_group(
    table: &Table,
    group_by: &[String],
    row: usize,
    err: impl std::fmt::Display,
) -> CommandError {
    CommandError::Input(format!(
        "{}: {}: {err}",
        table.source_name(),
        describe_group(table, group_by, row)
    ))
}

/// All columns except `skip`, for ungrouped outputs that keep each input row's identity.
fn other_columns(table: &Table, skip: &[&str]) -> Result<Table, CommandError> {
    let mut keys = Table::with_rows(table.n_rows());
    keys.source = table.source.clone();
    for (name, col) in table.names().iter().zip(table.columns()) {
        if !skip.contains(&name.as_str()) {
            keys.push(name.clone(), col.clone())?;
        }
    }
    Ok(keys)
}

/// Sums a column over some rows, `None` if any is missing.
fn sum_rows(values: &[Option<f64>], rows: &[usize]) -> Option<f64> {
    rows.iter()
        .try_fold(0.0, |acc, &r| values[r].map(|v| acc + v))
}
