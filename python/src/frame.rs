//! The input table as the statistics see it: one Arrow record batch, its columns read as
//! numbers, booleans or key text, and [`Problem`], an input error naming the row and column.

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, cast::AsArray,
};
use arrow_schema::DataType;

/// Bad input: what is wrong and how to fix it, with the 0-based row and the column where known.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The message: names the row and column in words and says what to change.
    pub message: String,
    /// The 0-based position of the row at fault in the input table.
    pub row: Option<usize>,
    /// The column at fault.
    pub column: Option<String>,
}

impl Problem {
    /// A problem with an option or the table as a whole.
    pub fn new(message: impl Into<String>) -> Problem {
        Problem {
            message: message.into(),
            row: None,
            column: None,
        }
    }

    /// A problem at one cell; the message is prefixed with the row and column.
    pub fn at(row: usize, column: &str, what: impl std::fmt::Display) -> Problem {
        Problem {
            message: format!("row {row} (0-based), column `{column}`: {what}"),
            row: Some(row),
            column: Some(column.to_string()),
        }
    }

    /// A problem with a whole column.
    pub fn in_column(column: &str, what: impl std::fmt::Display) -> Problem {
        Problem {
            message: format!("column `{column}`: {what}"),
            row: None,
            column: Some(column.to_string()),
        }
    }
}

/// Cells that mean "missing" in text columns, as the command line reads them.
fn is_missing_token(text: &str) -> bool {
    matches!(text.trim(), "" | "NA" | "NaN" | "NULL" | "null")
}

/// The input table.
pub struct Frame {
    /// All rows in one batch.
    pub batch: RecordBatch,
}

impl Frame {
    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column names, in order.
    pub fn names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The index of a column.
    ///
    /// # Errors
    /// A [`Problem`] listing the columns there are.
    pub fn index(&self, name: &str) -> Result<usize, Problem> {
        self.batch.schema().index_of(name).map_err(|_| {
            Problem::in_column(
                name,
                format!(
                    "no such column; the table has {}",
                    self.names()
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Result<&ArrayRef, Problem> {
        Ok(self.batch.column(self.index(name)?))
    }

    /// A column as numbers: integers, floats and decimals as they are (NaN is missing), text
    /// parsed as the command line parses CSV cells (`NA`, `NaN`, `NULL` and empty are missing).
    ///
    /// # Errors
    /// A [`Problem`] naming the first cell that is not a number, or a column of another type.
    pub fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>, Problem> {
        let column = self.column(name)?;
        let data_type = column.data_type();
        if data_type.is_numeric() || *data_type == DataType::Null {
            let floats = arrow_cast::cast(column, &DataType::Float64)
                .map_err(|e| Problem::in_column(name, format!("cannot be read as numbers: {e}")))?;
            let floats: &Float64Array = floats.as_primitive();
            let mut out = Vec::with_capacity(floats.len());
            for (row, v) in floats.iter().enumerate() {
                match v {
                    Some(x) if x.is_nan() => out.push(None),
                    Some(x) if x.is_infinite() => {
                        return Err(Problem::at(
                            row,
                            name,
                            format!(
                                "{x} is not a finite number; give a finite number or leave it missing"
                            ),
                        ));
                    }
                    other => out.push(other),
                }
            }
            return Ok(out);
        }
        if matches!(data_type, DataType::Boolean) {
            return Err(Problem::in_column(
                name,
                "holds true/false values, not numbers; give a numeric column",
            ));
        }
        let text = self.text_column(name)?;
        let mut out = Vec::with_capacity(text.len());
        for (row, cell) in text.iter().enumerate() {
            match cell {
                None => out.push(None),
                Some(cell) if is_missing_token(cell) => out.push(None),
                Some(cell) => match cell.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => out.push(Some(x)),
                    _ => {
                        return Err(Problem::at(
                            row,
                            name,
                            format!(
                                "`{cell}` is not a number; give a number, or leave the cell missing"
                            ),
                        ));
                    }
                },
            }
        }
        Ok(out)
    }

    /// A column as true/false: booleans as they are, text `TRUE`/`FALSE` (also `true`, `T`,
    /// `1`, `yes` and their opposites), numbers 1 and 0.
    ///
    /// # Errors
    /// A [`Problem`] naming the first cell that is not true or false.
    pub fn booleans(&self, name: &str) -> Result<Vec<Option<bool>>, Problem> {
        let column = self.column(name)?;
        if let Some(b) = column.as_any().downcast_ref::<BooleanArray>() {
            return Ok(b.iter().collect());
        }
        let text = self.text_column(name)?;
        text.iter()
            .enumerate()
            .map(|(row, cell)| match cell {
                None => Ok(None),
                Some(c) if is_missing_token(c) => Ok(None),
                Some(c) => match c.trim().to_ascii_lowercase().as_str() {
                    "true" | "t" | "1" | "yes" => Ok(Some(true)),
                    "false" | "f" | "0" | "no" => Ok(Some(false)),
                    _ => Err(Problem::at(
                        row,
                        name,
                        format!("`{c}` is not TRUE or FALSE"),
                    )),
                },
            })
            .collect()
    }

    /// A column as text, whatever its type (numbers in Arrow's display form; missing is null).
    ///
    /// # Errors
    /// A [`Problem`] for a type that has no text form.
    pub fn text_column(&self, name: &str) -> Result<StringArray, Problem> {
        let column = self.column(name)?;
        let text = arrow_cast::cast(column, &DataType::Utf8)
            .map_err(|e| Problem::in_column(name, format!("cannot be read as text: {e}")))?;
        Ok(text.as_string::<i32>().clone())
    }
}

/// FNV-1a: a fast hash for the short keys of grouping (codes, band numbers). Keys come from the
/// user's own table, so resistance to crafted collisions is not needed.
#[derive(Default)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A hash map with [`Fnv`] hashing.
pub type FastMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// Numbers the distinct values of a column in order of first appearance: `ids[row]` is the
/// value's number; the second result is how many there are. Integer columns are numbered by
/// value, others by their text (missing cells are one value).
pub fn intern(frame: &Frame, name: &str) -> Result<(Vec<u32>, usize), Problem> {
    let column = frame.column(name)?;
    if column.data_type().is_integer() {
        let ints = arrow_cast::cast(column, &DataType::Int64)
            .map_err(|e| Problem::in_column(name, e.to_string()))?;
        let ints: &arrow_array::Int64Array = ints.as_primitive();
        let mut lookup: FastMap<Option<i64>, u32> = FastMap::default();
        let ids = ints
            .iter()
            .map(|v| {
                let next = lookup.len() as u32;
                *lookup.entry(v).or_insert(next)
            })
            .collect();
        return Ok((ids, lookup.len()));
    }
    let text = frame.text_column(name)?;
    let mut lookup: FastMap<Option<&str>, u32> = FastMap::default();
    let ids = text
        .iter()
        .map(|v| {
            let next = lookup.len() as u32;
            *lookup.entry(v).or_insert(next)
        })
        .collect();
    Ok((ids, lookup.len()))
}

/// Text cells of key columns: missing cells read as empty text, as in a CSV file.
pub struct Keys {
    columns: Vec<StringArray>,
}

impl Keys {
    /// The text of `names` (no columns: every row has the same empty key).
    pub fn new(frame: &Frame, names: &[String]) -> Result<Keys, Problem> {
        Ok(Keys {
            columns: names
                .iter()
                .map(|n| frame.text_column(n))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Number of key columns.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The text of key column `k` at `row`.
    pub fn text(&self, k: usize, row: usize) -> &str {
        let c = &self.columns[k];
        if c.is_null(row) { "" } else { c.value(row) }
    }
}
