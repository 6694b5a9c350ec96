//! Output formats ([`Format`]) and how numbers are written as text ([`format_number`]).

use std::path::Path;

use crate::TableError;

/// A file format levelfield reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// Excel workbook (write only).
    Xlsx,
    /// JSON: an array of objects, one per row (write only).
    Json,
}

impl Format {
    /// The format named by a file's extension.
    ///
    /// # Errors
    /// [`TableError::UnknownFormat`].
    pub fn from_path(path: &Path) -> Result<Format, TableError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(Format::Csv),
            Some("parquet") | Some("pq") => Ok(Format::Parquet),
            Some("xlsx") => Ok(Format::Xlsx),
            Some("json") => Ok(Format::Json),
            _ => Err(TableError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Writes a number as the shortest text that reads back to the same double: whole numbers
/// without a decimal point (`18`), others in plain or scientific notation as is shorter to read
/// (`0.5`, `3.8414573450141036e-7`).
///
/// ```
/// use levelfield_table::format_number;
/// assert_eq!(format_number(18.0), "18");
/// assert_eq!(format_number(0.1), "0.1");
/// assert_eq!(format_number(3.8414573450141036e-7), "3.8414573450141036e-7");
/// ```
pub fn format_number(x: f64) -> String {
    let mut out = String::new();
    write_number(x, &mut out);
    out
}

/// Appends [`format_number`]'s text to `out`.
pub(crate) fn write_number(x: f64, out: &mut String) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = if x.fract() == 0.0 && x.abs() < 1e15 {
        write!(out, "{}", x as i64)
    } else {
        write!(out, "{x:?}")
    };
}
