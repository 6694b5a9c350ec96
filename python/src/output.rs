//! Result tables in the command line's column order: key columns, `numerator`, `denominator`,
//! `value`, `lower_ci_…`/`upper_ci_…` per level, `confidence`, `statistic`, `method`, extra
//! columns, `diagnostic`.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use levelfield_stats::{ConfidenceLevel, Estimate, Note, confidence::label_levels};

use crate::frame::{Frame, Problem};

/// Named columns on their way to a record batch.
#[derive(Default)]
pub struct Columns {
    names: Vec<String>,
    arrays: Vec<ArrayRef>,
}

impl Columns {
    /// Appends a column, refusing a name already used (an input column named like an output).
    pub fn push(&mut self, name: &str, array: ArrayRef) -> Result<(), Problem> {
        if self.names.iter().any(|n| n == name) {
            return Err(Problem::in_column(
                name,
                "the input has a column with the same name as an output column; rename it",
            ));
        }
        self.names.push(name.to_string());
        self.arrays.push(array);
        Ok(())
    }

    /// Appends a column of numbers.
    pub fn numbers(&mut self, name: &str, values: Vec<Option<f64>>) -> Result<(), Problem> {
        self.push(name, Arc::new(Float64Array::from(values)))
    }

    /// Appends a column of text, empty text as missing.
    pub fn text<S: AsRef<str>>(&mut self, name: &str, values: &[S]) -> Result<(), Problem> {
        let array: StringArray = values
            .iter()
            .map(|s| Some(s.as_ref()).filter(|s| !s.is_empty()))
            .collect();
        self.push(name, Arc::new(array))
    }

    /// The same text on every row.
    pub fn repeat(&mut self, name: &str, text: &str, n: usize) -> Result<(), Problem> {
        self.text(name, &vec![text; n])
    }

    /// Some columns of `frame`, at `rows` (types kept).
    pub fn from_frame(frame: &Frame, names: &[String], rows: &[usize]) -> Result<Columns, Problem> {
        let indices = arrow_array::UInt64Array::from_iter_values(rows.iter().map(|&r| r as u64));
        let mut out = Columns::default();
        for name in names {
            let taken = arrow_select::take::take(frame.column(name)?, &indices, None)
                .map_err(|e| Problem::in_column(name, e.to_string()))?;
            out.push(name, taken)?;
        }
        Ok(out)
    }

    /// Every column of `frame` but `skip`, all rows as they are.
    pub fn others(frame: &Frame, skip: &[&str]) -> Result<Columns, Problem> {
        let mut out = Columns::default();
        for (field, array) in frame
            .batch
            .schema()
            .fields()
            .iter()
            .zip(frame.batch.columns())
        {
            if !skip.contains(&field.name().as_str()) {
                out.push(field.name(), array.clone())?;
            }
        }
        Ok(out)
    }

    /// The record batch.
    pub fn into_batch(self) -> Result<RecordBatch, Problem> {
        let fields: Vec<Field> = self
            .names
            .iter()
            .zip(&self.arrays)
            .map(|(n, a)| Field::new(n, a.data_type().clone(), true))
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), self.arrays)
            .map_err(|e| Problem::new(e.to_string()))
    }
}

/// One output row per estimate, laid out as the command line lays it out.
pub struct Results {
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
    /// Results at `levels`, room for `capacity` rows.
    pub fn new(levels: &[ConfidenceLevel], capacity: usize) -> Results {
        let columns = || {
            (0..levels.len())
                .map(|_| Vec::with_capacity(capacity))
                .collect()
        };
        Results {
            levels: levels.to_vec(),
            numerator: Vec::with_capacity(capacity),
            denominator: Vec::with_capacity(capacity),
            value: Vec::with_capacity(capacity),
            lower: columns(),
            upper: columns(),
            statistic: Vec::with_capacity(capacity),
            method: Vec::with_capacity(capacity),
            note: Vec::with_capacity(capacity),
            extras: Vec::new(),
        }
    }

    /// Declares an extra numeric column, written after `method`.
    pub fn extra(&mut self, name: &str) -> usize {
        self.extras.push((name.to_string(), Vec::new()));
        self.extras.len() - 1
    }

    /// A value of an extra column for the latest row.
    pub fn push_extra(&mut self, index: usize, value: Option<f64>) {
        self.extras[index].1.push(value);
    }

    /// One row.
    pub fn push(
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

    /// The table: `keys` (already in row order), then the result columns.
    pub fn into_batch(
        self,
        mut keys: Columns,
        numerator_name: &str,
        denominator_name: &str,
    ) -> Result<RecordBatch, Problem> {
        let n = self.value.len();
        keys.numbers(numerator_name, self.numerator)?;
        keys.numbers(denominator_name, self.denominator)?;
        keys.numbers("value", self.value)?;
        for (k, (lower, upper)) in self.lower.into_iter().zip(self.upper).enumerate() {
            let suffix = self.levels[k].column_suffix();
            keys.numbers(&format!("lower_ci_{suffix}"), lower)?;
            keys.numbers(&format!("upper_ci_{suffix}"), upper)?;
        }
        if !self.levels.is_empty() {
            keys.repeat("confidence", &label_levels(&self.levels), n)?;
        }
        keys.text("statistic", &self.statistic)?;
        keys.text("method", &self.method)?;
        for (name, values) in self.extras {
            keys.numbers(&name, values)?;
        }
        keys.text("diagnostic", &self.note)?;
        keys.into_batch()
    }
}
