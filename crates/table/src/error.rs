//! [`TableError`]: everything that can go wrong reading, checking or writing a table, each
//! message naming the file, row and column and saying what to do.

use std::path::PathBuf;

/// Errors from reading or writing tables.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The CSV is malformed.
    #[error(
        "{path}: line {line}: {message}. Check that every row has the same number of fields as the header and that quotes are closed."
    )]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// The Parquet file could not be read or written.
    #[error("{path}: {message}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The Excel workbook could not be read.
    #[error("{path}: {message}")]
    Spreadsheet {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The XLSX or JSON writer failed.
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The file's extension does not name a format levelfield reads or writes.
    #[error(
        "{path}: unknown file type; use .csv, .parquet or .xlsx for input, and .csv, .parquet, .xlsx or .json for output (or --format)"
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A column that was asked for is not in the table.
    #[error("{table}: there is no column `{column}`; the columns are: {available}")]
    MissingColumn {
        /// The table's source.
        table: String,
        /// The column asked for.
        column: String,
        /// The columns present.
        available: String,
    },
    /// A cell that must be a number is not.
    #[error(
        "{table}: row {row}, column `{column}`: `{value}` is not a number; write numbers without thousands separators or units, and leave missing values empty or NA"
    )]
    NotNumeric {
        /// The table's source.
        table: String,
        /// The column.
        column: String,
        /// 1-based data row (the header is row 0).
        row: usize,
        /// The offending text.
        value: String,
    },
    /// A cell that must be TRUE/FALSE is not.
    #[error("{table}: row {row}, column `{column}`: `{value}` is not TRUE or FALSE")]
    NotBoolean {
        /// The table's source.
        table: String,
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// The offending text.
        value: String,
    },
    /// Columns of different lengths, or a repeated name.
    #[error("{0}")]
    Shape(String),
}
