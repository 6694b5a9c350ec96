//! `levelfield stats`: reads a table, groups it, runs one estimator from `levelfield-stats` per
//! row or group, and writes the results.
//!
//! Grouped outputs are sorted by the group columns (numbers numerically, text by bytes), so the
//! order of input rows never changes the output.

mod dsr;
mod isr;
mod life_expectancy;
mod quantile;
mod sii;
mod simple;

use std::cmp::Ordering;

use levelfield_stats::{ConfidenceLevel, StatsError};
use levelfield_table::Table;

use crate::{
    CommandError,
    args::{CommonArgs, LevelArgs, StatsCommand},
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
        StatsCommand::Sii(args) => sii::run(&args),
    }
}

/// The confidence levels asked for.
pub(crate) fn levels(args: &LevelArgs) -> Result<Vec<ConfidenceLevel>, CommandError> {
    if let [only] = args.confidence.as_slice()
        && only.eq_ignore_ascii_case("none")
    {
        return Ok(Vec::new());
    }
    let numbers: Vec<f64> = args
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
pub(crate) fn read_input(common: &CommonArgs) -> Result<Table, CommandError> {
    Ok(levelfield_table::read(&common.input)?)
}

/// Rows grouped by the values of some columns, groups sorted by those values.
///
/// Stored flat: `order` lists every row, group by group (input order within a group), and group
/// `g` is `order[offsets[g]..offsets[g + 1]]`.
pub(crate) struct Groups {
    order: Vec<usize>,
    offsets: Vec<usize>,
}

impl Groups {
    /// Groups `table` by `columns` (all rows in one group when `columns` is empty).
    pub(crate) fn new(table: &Table, columns: &[String]) -> Result<Groups, CommandError> {
        let idx: Vec<usize> = columns
            .iter()
            .map(|c| table.index(c))
            .collect::<Result<_, _>>()?;
        let n_rows = table.n_rows();
        if idx.is_empty() {
            return Ok(Groups {
                order: (0..n_rows).collect(),
                offsets: vec![0, n_rows],
            });
        }
        // Group number of every row. Rows of a group usually arrive together, so a row whose key
        // equals the previous row's joins its group without hashing.
        let mut group_of: Vec<usize> = Vec::with_capacity(n_rows);
        let mut first_rows: Vec<usize> = Vec::new();
        let mut lookup: FastMap<String, usize> = FastMap::default();
        let mut key = String::new();
        for row in 0..n_rows {
            if row > 0
                && idx
                    .iter()
                    .all(|&c| table.text(c, row) == table.text(c, row - 1))
            {
                group_of.push(group_of[row - 1]);
                continue;
            }
            key.clear();
            for (k, &c) in idx.iter().enumerate() {
                if k > 0 {
                    key.push('\u{1f}');
                }
                key.push_str(&table.text(c, row));
            }
            let g = match lookup.get(key.as_str()) {
                Some(&g) => g,
                None => {
                    lookup.insert(key.clone(), first_rows.len());
                    first_rows.push(row);
                    first_rows.len() - 1
                }
            };
            group_of.push(g);
        }
        // Rank groups by key, then lay rows out group by group (a counting sort).
        let mut by_key: Vec<usize> = (0..first_rows.len()).collect();
        by_key.sort_by(|&a, &b| compare_keys(table, &idx, first_rows[a], first_rows[b]));
        let mut rank = vec![0; first_rows.len()];
        for (r, &g) in by_key.iter().enumerate() {
            rank[g] = r;
        }
        let mut offsets = vec![0; first_rows.len() + 1];
        for &g in &group_of {
            offsets[rank[g] + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut next = offsets.clone();
        let mut order = vec![0; n_rows];
        for (row, &g) in group_of.iter().enumerate() {
            let slot = &mut next[rank[g]];
            order[*slot] = row;
            *slot += 1;
        }
        Ok(Groups { order, offsets })
    }

    /// Number of groups.
    pub(crate) fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The rows of each group, in group order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[usize]> {
        self.offsets.windows(2).map(|w| &self.order[w[0]..w[1]])
    }

    /// The group columns of `table`, one row per group (the first row of each).
    pub(crate) fn keys(&self, table: &Table, columns: &[String]) -> Result<Table, CommandError> {
        let firsts: Vec<usize> = self.iter().map(|r| r[0]).collect();
        Ok(table.select(columns, &firsts)?)
    }
}

/// Groups `table` by `group_by` on a second thread while `parse` runs on this one (the two are
/// independent and each takes about as long on large inputs).
pub(crate) fn group_while<T: Send>(
    table: &Table,
    group_by: &[String],
    parse: impl FnOnce() -> Result<T, CommandError>,
) -> Result<(Groups, T), CommandError> {
    std::thread::scope(|scope| {
        let groups = scope.spawn(|| Groups::new(table, group_by));
        let parsed = parse();
        let groups = groups.join().expect("grouping thread panicked");
        Ok((groups?, parsed?))
    })
}

/// A hash map keyed by text, with the fast non-cryptographic hash of `rustc-hash`: keys come
/// from the user's own file, so resistance to crafted collisions is not needed.
pub(crate) type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// Numbers the distinct values of a column: `ids[row]` is the value's number, in order of first
/// appearance, and the second result is how many distinct values there are.
pub(crate) fn intern(table: &Table, column: usize) -> (Vec<u32>, usize) {
    let mut lookup: FastMap<std::borrow::Cow<'_, str>, u32> = FastMap::default();
    let ids = (0..table.n_rows())
        .map(|row| {
            let next = lookup.len() as u32;
            *lookup.entry(table.text(column, row)).or_insert(next)
        })
        .collect();
    (ids, lookup.len())
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
pub(crate) fn describe_group(table: &Table, columns: &[String], row: usize) -> String {
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
pub(crate) fn at_row(table: &Table, row: usize, column: &str, err: StatsError) -> CommandError {
    CommandError::Input(format!(
        "{}: row {}, column `{column}`: {err}",
        table.source_name(),
        row + 1
    ))
}

/// An input error for a whole group.
pub(crate) fn at_group(
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

/// Refuses the first row whose value in `column` fails `ok`, naming the row and column, with the
/// statistics error `err` builds from the value.
pub(crate) fn check_rows(
    table: &Table,
    values: &[Option<f64>],
    column: &str,
    ok: impl Fn(f64) -> bool,
    err: impl Fn(f64) -> StatsError,
) -> Result<(), CommandError> {
    match values.iter().position(|v| v.is_some_and(|v| !ok(v))) {
        Some(row) => Err(at_row(
            table,
            row,
            column,
            err(values[row].unwrap_or(f64::NAN)),
        )),
        None => Ok(()),
    }
}

/// As [`check_rows`], but a missing value is refused too (with NaN as its value).
pub(crate) fn require_rows(
    table: &Table,
    values: &[Option<f64>],
    column: &str,
    ok: impl Fn(f64) -> bool,
    err: impl Fn(f64) -> StatsError,
) -> Result<(), CommandError> {
    match values.iter().position(|v| !v.is_some_and(&ok)) {
        Some(row) => Err(at_row(
            table,
            row,
            column,
            err(values[row].unwrap_or(f64::NAN)),
        )),
        None => Ok(()),
    }
}

/// All columns except `skip`, for ungrouped outputs that keep each input row's identity.
pub(crate) fn other_columns(table: &Table, skip: &[&str]) -> Result<Table, CommandError> {
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

/// Refuses the first row whose count in `column` is not a whole number: the count methods
/// (Poisson, Wilson, Byar, Dobson, the exact comparisons) are defined for whole events.
pub(crate) fn whole_counts(
    table: &Table,
    values: &[Option<f64>],
    column: &str,
) -> Result<(), CommandError> {
    match values
        .iter()
        .position(|v| v.is_some_and(|v| v.fract() != 0.0))
    {
        Some(row) => Err(CommandError::Input(format!(
            "{}: row {}, column `{column}`: {} is not a whole number; counts of events or people must be whole (correct the data, or round it knowingly before the run)",
            table.source_name(),
            row + 1,
            table.text(table.index(column)?, row)
        ))),
        None => Ok(()),
    }
}
