//! Small in-memory tables for levelfield: the columns a statistics command reads and writes.
//!
//! A [`Table`] holds named columns of text, numbers or booleans. [`read()`] loads CSV (kept as the
//! text written, so codes like `01` survive), Parquet (typed) or an XLSX workbook's first sheet;
//! [`write()`] produces CSV, Parquet, XLSX or JSON through a temporary file that is renamed into
//! place only when complete, so a failed run never leaves a half-written output. Record-level data at scale is the engine's job;
//! this crate is for inputs that fit in memory.

#![deny(missing_docs)]

mod column;
mod error;
mod format;
mod read;
mod write;

pub use column::{Column, is_missing_token};
pub use error::TableError;
pub use format::{Format, format_number};
pub use read::{read, read_csv_bytes};
pub use write::{CsvStream, write, write_bytes, write_csv_to, write_json_to, write_text};

use std::borrow::Cow;

/// A table: named columns of equal length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    names: Vec<String>,
    columns: Vec<Column>,
    n_rows: usize,
    /// Where the table came from, for error messages (a file path), if anywhere.
    pub source: Option<String>,
}

impl Table {
    /// An empty table with `n_rows` rows and no columns yet.
    pub fn with_rows(n_rows: usize) -> Table {
        Table {
            n_rows,
            ..Table::default()
        }
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Column names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Columns in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Appends a column.
    ///
    /// # Errors
    /// [`TableError::Shape`] when its length differs from the table's, or the name is taken.
    pub fn push(&mut self, name: impl Into<String>, column: Column) -> Result<(), TableError> {
        let name = name.into();
        if self.names.is_empty() && self.columns.is_empty() && self.n_rows == 0 {
            self.n_rows = column.len();
        }
        if column.len() != self.n_rows {
            return Err(TableError::Shape(format!(
                "column `{name}` has {} rows but the table has {}",
                column.len(),
                self.n_rows
            )));
        }
        if self.names.contains(&name) {
            return Err(TableError::Shape(format!("column `{name}` appears twice")));
        }
        self.names.push(name);
        self.columns.push(column);
        Ok(())
    }

    /// The index of a column by name.
    ///
    /// # Errors
    /// [`TableError::MissingColumn`], listing the columns that do exist.
    pub fn index(&self, name: &str) -> Result<usize, TableError> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| TableError::MissingColumn {
                table: self.source_name(),
                column: name.to_string(),
                available: self.names.join(", "),
            })
    }

    /// The column with this name.
    ///
    /// # Errors
    /// [`TableError::MissingColumn`].
    pub fn column(&self, name: &str) -> Result<&Column, TableError> {
        Ok(&self.columns[self.index(name)?])
    }

    /// The column as numbers (`None` where missing).
    ///
    /// # Errors
    /// [`TableError::MissingColumn`]; [`TableError::NotNumeric`] naming the first row whose text
    /// is not a number.
    pub fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>, TableError> {
        self.column(name)?
            .to_numbers()
            .map_err(|(row, value)| TableError::NotNumeric {
                table: self.source_name(),
                column: name.to_string(),
                row: row + 1,
                value,
            })
    }

    /// The column as booleans (`TRUE`/`FALSE`, `true`/`false`, `1`/`0`, `yes`/`no`).
    ///
    /// # Errors
    /// [`TableError::MissingColumn`]; [`TableError::NotBoolean`] naming the first bad row.
    pub fn booleans(&self, name: &str) -> Result<Vec<Option<bool>>, TableError> {
        self.column(name)?
            .to_booleans()
            .map_err(|(row, value)| TableError::NotBoolean {
                table: self.source_name(),
                column: name.to_string(),
                row: row + 1,
                value,
            })
    }

    /// The text of one cell, as it would be written (empty for missing).
    pub fn text(&self, column: usize, row: usize) -> Cow<'_, str> {
        self.columns[column].text(row)
    }

    /// The name used for this table in messages.
    pub fn source_name(&self) -> String {
        self.source.clone().unwrap_or_else(|| "input".to_string())
    }

    /// A new table with the named columns of this one at the given rows, in those orders (the
    /// key columns of grouped output). Keeps the source name for messages.
    ///
    /// # Errors
    /// [`TableError::MissingColumn`] for a name the table does not have.
    pub fn select<S: AsRef<str>>(&self, names: &[S], rows: &[usize]) -> Result<Table, TableError> {
        let mut out = Table::with_rows(rows.len());
        out.source = self.source.clone();
        for name in names {
            let name = name.as_ref();
            out.push(name, self.column(name)?.take(rows))?;
        }
        Ok(out)
    }

    /// The table with every text column's type guessed ([`Column::infer`]): what a CSV upload
    /// becomes before it is stored typed, as Parquet.
    pub fn infer_types(mut self) -> Table {
        self.columns = self.columns.into_iter().map(Column::infer).collect();
        self
    }

    /// A new table with the given rows of this one, in that order.
    pub fn take(&self, rows: &[usize]) -> Table {
        Table {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| c.take(rows)).collect(),
            n_rows: rows.len(),
            source: self.source.clone(),
        }
    }
}
