//! Assembling result tables in the column order the CLI promises, and writing them.

use levelfield_stats::{ConfidenceLevel, Estimate, Note, confidence::label_levels};
use levelfield_table::{Column, Format, Table};

use crate::{CommandError, args::CommonArgs};

/// Collects one output row per estimate, then lays the columns out as
/// `<key columns>, numerator, denominator, value, lower_ci_…, upper_ci_…, confidence, statistic,
/// method, <extras>, diagnostic`.
pub(crate) struct Results {
    levels: Vec<ConfidenceLevel>,
    numerator: Vec<Option<f64>>,
    denominator: Vec<Option<f64>>,
    value: Vec<Option<f64>>,
    lower: Vec<Vec<Option<f64>>>,
    upper: Vec<Vec<Option<f64>>>,
    statistic: Vec<String>,
    method: Vec<&'static str>,
    note: Vec<String>,
    extras: Vec<(String, Vec<Option<f64>>)>,
}

impl Results {
    pub(crate) fn new(levels: &[ConfidenceLevel], capacity: usize) -> Results {
        Results {
            levels: levels.to_vec(),
            numerator: Vec::with_capacity(capacity),
            denominator: Vec::with_capacity(capacity),
            value: Vec::with_capacity(capacity),
            lower: (0..levels.len())
                .map(|_| Vec::with_capacity(capacity))
                .collect(),
            upper: (0..levels.len())
                .map(|_| Vec::with_capacity(capacity))
                .collect(),
            statistic: Vec::with_capacity(capacity),
            method: Vec::with_capacity(capacity),
            note: Vec::with_capacity(capacity),
            extras: Vec::new(),
        }
    }

    /// Declares an extra numeric column written after `method`.
    pub(crate) fn extra(&mut self, name: &str) -> usize {
        self.extras.push((name.to_string(), Vec::new()));
        self.extras.len() - 1
    }

    pub(crate) fn push_extra(&mut self, index: usize, value: Option<f64>) {
        self.extras[index].1.push(value);
    }

    pub(crate) fn push(
        &mut self,
        numerator: Option<f64>,
        denominator: Option<f64>,
        estimate: &Estimate,
        statistic: String,
    ) {
        self.numerator.push(numerator);
        self.denominator.push(denominator);
        self.value.push(estimate.value);
        for (k, interval) in estimate.intervals.iter().enumerate() {
            self.lower[k].push(interval.map(|i| i.lower));
            self.upper[k].push(interval.map(|i| i.upper));
        }
        self.statistic.push(statistic);
        // A row with a missing count had no method applied to it.
        let missing = matches!(
            estimate.note,
            Some(Note::MissingNumerator | Note::MissingDenominator)
        );
        self.method
            .push(if missing { "" } else { estimate.method.label() });
        self.note.push(
            estimate
                .note
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
    }

    /// Adds a note to the diagnostic of the row pushed last.
    pub(crate) fn add_note(&mut self, text: &str) {
        if let Some(last) = self.note.last_mut() {
            if !last.is_empty() {
                last.push_str("; ");
            }
            last.push_str(text);
        }
    }

    /// Builds the table: `keys` first (already in row order), then the result columns.
    pub(crate) fn into_table(
        self,
        mut keys: Table,
        numerator_name: &str,
        denominator_name: &str,
    ) -> Result<Table, CommandError> {
        let confidence = label_levels(&self.levels);
        let with_intervals = !self.levels.is_empty();
        let n = self.value.len();
        let push = push_column;
        push(&mut keys, numerator_name, Column::Number(self.numerator))?;
        push(
            &mut keys,
            denominator_name,
            Column::Number(self.denominator),
        )?;
        push(&mut keys, "value", Column::Number(self.value))?;
        for (k, (lower, upper)) in self.lower.into_iter().zip(self.upper).enumerate() {
            let suffix = self.levels[k].column_suffix();
            push(
                &mut keys,
                &format!("lower_ci_{suffix}"),
                Column::Number(lower),
            )?;
            push(
                &mut keys,
                &format!("upper_ci_{suffix}"),
                Column::Number(upper),
            )?;
        }
        if with_intervals {
            push(
                &mut keys,
                "confidence",
                Column::from_strings(std::iter::repeat_n(confidence.as_str(), n)),
            )?;
        }
        push(&mut keys, "statistic", Column::from_strings(self.statistic))?;
        push(&mut keys, "method", Column::from_strings(self.method))?;
        for (name, values) in self.extras {
            push(&mut keys, &name, Column::Number(values))?;
        }
        push(&mut keys, "diagnostic", Column::from_strings(self.note))?;
        Ok(keys)
    }
}

/// Appends an output column, refusing a name the input already uses.
pub(crate) fn push_column(keys: &mut Table, name: &str, col: Column) -> Result<(), CommandError> {
    if keys.names().iter().any(|k| k == name) {
        return Err(CommandError::Input(format!(
            "{}: the input column `{name}` has the same name as an output column; rename it",
            keys.source_name()
        )));
    }
    keys.push(name, col).map_err(CommandError::from)
}

/// Writes a table to `path` (atomically, the format by its extension) or, without one, to
/// standard output as CSV.
pub(crate) fn emit_to(table: &Table, path: Option<&std::path::Path>) -> Result<(), CommandError> {
    match path {
        Some(path) => levelfield_table::write(table, path, None).map_err(CommandError::Write),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            match levelfield_table::write_csv_to(table, &mut lock) {
                Ok(()) => Ok(()),
                // A closed pipe (e.g. `| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(CommandError::Write(levelfield_table::TableError::Io {
                    path: "standard output".into(),
                    source: e,
                })),
            }
        }
    }
}

/// Writes the results where `common` says: a file (atomically) or standard output as CSV.
pub(crate) fn emit(table: &Table, common: &CommonArgs) -> Result<(), CommandError> {
    let format = common.format;
    match &common.output {
        Some(path) => levelfield_table::write(table, path, format).map_err(CommandError::Write),
        None => {
            if matches!(format, Some(f) if f != Format::Csv) {
                return Err(CommandError::Input(
                    "--format other than csv needs --output FILE (binary formats are not written to the terminal)".into(),
                ));
            }
            emit_to(table, None)
        }
    }
}
