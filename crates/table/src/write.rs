//! Writing tables as CSV, Parquet, XLSX or JSON, atomically: into a temporary file beside the
//! target, renamed into place only when the whole table is written.

use std::{
    io::Write,
    path::{Path, PathBuf},
    sync::Arc,
};

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::{arrow::ArrowWriter, basic::Compression, file::properties::WriterProperties};

use crate::{Column, Format, Table, TableError};

/// Writes `table` to `path` in `format` (or the format its extension names).
///
/// The data goes to a temporary file in the same directory, which is renamed over `path` only
/// after everything is written and flushed; on any error nothing is left at `path` (an existing
/// file there is untouched) and the temporary file is removed.
///
/// # Errors
/// [`TableError::Io`], [`TableError::Parquet`], [`TableError::Write`], [`TableError::UnknownFormat`].
pub fn write(table: &Table, path: &Path, format: Option<Format>) -> Result<(), TableError> {
    let format = match format {
        Some(f) => f,
        None => Format::from_path(path)?,
    };
    let io = |source: std::io::Error| TableError::Io {
        path: path.to_path_buf(),
        source,
    };
    replace_atomically(path, |tmp| match format {
        Format::Csv => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
            write_csv_to(table, &mut out).map_err(io)?;
            out.flush().map_err(io)
        }
        Format::Json => {
            let mut out = std::io::BufWriter::new(tmp.as_file_mut());
            write_json_to(table, &mut out).map_err(io)?;
            out.flush().map_err(io)
        }
        Format::Parquet => write_parquet(table, tmp.as_file_mut(), path),
        Format::Xlsx => write_xlsx(table, tmp.path(), path),
    })
}

/// Writes `text` (an SVG chart, a report) to `path` with the same guarantee as [`write()`]:
/// complete or not at all.
///
/// # Errors
/// [`TableError::Io`].
pub fn write_text(path: &Path, text: &str) -> Result<(), TableError> {
    write_bytes(path, text.as_bytes())
}

/// Writes `bytes` (a workbook built in memory) to `path`, complete or not at all.
///
/// # Errors
/// [`TableError::Io`].
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), TableError> {
    replace_atomically(path, |tmp| {
        tmp.as_file_mut()
            .write_all(bytes)
            .map_err(|source| TableError::Io {
                path: path.to_path_buf(),
                source,
            })
    })
}

/// Fills a temporary file beside `path`, flushes it to disk, gives it the target's permissions
/// (or 0644), and renames it over `path`; on error the temporary file is removed.
fn replace_atomically(
    path: &Path,
    fill: impl FnOnce(&mut tempfile::NamedTempFile) -> Result<(), TableError>,
) -> Result<(), TableError> {
    let mut tmp = temporary_beside(path)?;
    fill(&mut tmp)?;
    persist(tmp, path)
}

/// A new private temporary file in the directory of `path`.
fn temporary_beside(path: &Path) -> Result<tempfile::NamedTempFile, TableError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tempfile::Builder::new()
        .prefix(".levelfield-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|source| TableError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Flushes `tmp` to disk, gives it the target's permissions (or 0644) and renames it over `path`.
fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), TableError> {
    let io = |source: std::io::Error| TableError::Io {
        path: path.to_path_buf(),
        source,
    };
    tmp.as_file().sync_all().map_err(io)?;
    // The temporary file is private (0600); give the result the permissions of the file it
    // replaces, or the usual 0644 for a new one.
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        Err(_) => default_permissions(),
    };
    tmp.as_file().set_permissions(permissions).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// CSV written part by part — for outputs too large to hold whole — with the same guarantee as
/// [`write()`]: a file appears at the path only when [`CsvStream::finish`] succeeds. Without a
/// path the rows go to standard output as they come; a closed pipe ends the output quietly.
pub struct CsvStream {
    sink: Sink,
    header_written: bool,
}

enum Sink {
    File {
        tmp: tempfile::NamedTempFile,
        out: csv::Writer<std::io::BufWriter<std::fs::File>>,
        path: PathBuf,
    },
    Stdout {
        out: csv::Writer<std::io::Stdout>,
        closed: bool,
    },
}

impl CsvStream {
    /// Starts a stream to `path`, or to standard output.
    ///
    /// # Errors
    /// [`TableError::Io`] when the temporary file cannot be created.
    pub fn create(path: Option<&Path>) -> Result<CsvStream, TableError> {
        let sink = match path {
            Some(path) => {
                let tmp = temporary_beside(path)?;
                let file = tmp.reopen().map_err(|source| TableError::Io {
                    path: path.to_path_buf(),
                    source,
                })?;
                let out = csv::WriterBuilder::new()
                    .from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
                Sink::File {
                    tmp,
                    out,
                    path: path.to_path_buf(),
                }
            }
            None => Sink::Stdout {
                out: csv::WriterBuilder::new().from_writer(std::io::stdout()),
                closed: false,
            },
        };
        Ok(CsvStream {
            sink,
            header_written: false,
        })
    }

    /// Appends the rows of `part`; the first part's column names become the header.
    ///
    /// # Errors
    /// [`TableError::Io`] for a failed write (other than a closed standard output).
    pub fn write(&mut self, part: &Table) -> Result<(), TableError> {
        let header = !self.header_written;
        self.header_written = true;
        match &mut self.sink {
            Sink::File { out, path, .. } => {
                write_rows(part, out, header).map_err(|e| csv_io(e, path))
            }
            Sink::Stdout { closed: true, .. } => Ok(()),
            Sink::Stdout { out, closed } => match write_rows(part, out, header) {
                Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) =>
                {
                    *closed = true;
                    Ok(())
                }
                other => other.map_err(|e| csv_io(e, Path::new("standard output"))),
            },
        }
    }

    /// Flushes everything and, for a file, renames it into place.
    ///
    /// # Errors
    /// [`TableError::Io`].
    pub fn finish(self) -> Result<(), TableError> {
        match self.sink {
            Sink::File { tmp, mut out, path } => {
                out.flush().map_err(|source| TableError::Io {
                    path: path.clone(),
                    source,
                })?;
                drop(out);
                persist(tmp, &path)
            }
            Sink::Stdout { closed: true, .. } => Ok(()),
            Sink::Stdout { mut out, .. } => match out.flush() {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|source| TableError::Io {
                    path: "standard output".into(),
                    source,
                }),
            },
        }
    }
}

fn csv_io(e: csv::Error, path: &Path) -> TableError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    };
    TableError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the rows of `table` (and its header when `header`).
fn write_rows<W: Write>(table: &Table, w: &mut csv::Writer<W>, header: bool) -> csv::Result<()> {
    if header {
        w.write_record(table.names())?;
    }
    let mut record: Vec<String> = vec![String::new(); table.columns().len()];
    for row in 0..table.n_rows() {
        for (cell, col) in record.iter_mut().zip(table.columns()) {
            cell.clear();
            col.write_text(row, cell);
            if matches!(col, Column::Text(_)) && starts_a_formula(cell) {
                cell.insert(0, '\'');
            }
        }
        w.write_record(&record)?;
    }
    Ok(())
}

/// Whether a text cell would be taken for a formula by a spreadsheet opening the CSV (OWASP's
/// CSV injection rule): it begins with `=`, `+`, `-`, `@`, a tab or a carriage return and is
/// not a finite number. Such a cell is written with a `'` before it, which spreadsheets show
/// as text; numbers (`-1.5`, `+3`) stay numbers. Text read back keeps the `'`.
fn starts_a_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && !cell.trim().parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(unix)]
fn default_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o644)
}

#[cfg(not(unix))]
fn default_permissions() -> std::fs::Permissions {
    tempfile::tempfile()
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .expect("temporary file")
}

/// Writes `table` as CSV (header row, then one line per row) to any writer, e.g. standard output.
///
/// # Errors
/// Any error of the writer.
pub fn write_csv_to(table: &Table, out: &mut impl Write) -> std::io::Result<()> {
    write_csv(table, out).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    })
}

fn write_csv(table: &Table, out: &mut impl Write) -> csv::Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(out);
    write_rows(table, &mut w, true)?;
    w.flush()?;
    Ok(())
}

/// Writes a table as a JSON array of row objects (numbers as numbers, missing as null).
///
/// # Errors
/// The writer's.
pub fn write_json_to(table: &Table, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"[")?;
    for row in 0..table.n_rows() {
        let mut obj = serde_json::Map::new();
        for (name, col) in table.names().iter().zip(table.columns()) {
            let value = match col {
                Column::Text(_) => serde_json::Value::String(col.text(row).into_owned()),
                Column::Number(v) => {
                    v[row].map_or(serde_json::Value::Null, |x| serde_json::json!(x))
                }
                Column::Integer(v) => {
                    v[row].map_or(serde_json::Value::Null, |x| serde_json::json!(x))
                }
                Column::Boolean(v) => {
                    v[row].map_or(serde_json::Value::Null, |x| serde_json::json!(x))
                }
            };
            obj.insert(name.clone(), value);
        }
        if row > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\n")?;
        serde_json::to_writer(&mut *out, &obj)?;
    }
    out.write_all(b"\n]\n")
}

fn write_parquet(table: &Table, file: &mut std::fs::File, path: &Path) -> Result<(), TableError> {
    let err = |e: &dyn std::fmt::Display| TableError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, col) in table.names().iter().zip(table.columns()) {
        let (dt, array): (DataType, ArrayRef) = match col {
            Column::Text(_) => (
                DataType::Utf8,
                Arc::new(
                    (0..col.len())
                        .map(|r| Some(col.text(r).into_owned()))
                        .collect::<StringArray>(),
                ),
            ),
            Column::Number(v) => (
                DataType::Float64,
                Arc::new(v.iter().copied().collect::<Float64Array>()),
            ),
            Column::Integer(v) => (
                DataType::Int64,
                Arc::new(v.iter().copied().collect::<Int64Array>()),
            ),
            Column::Boolean(v) => (
                DataType::Boolean,
                Arc::new(v.iter().copied().collect::<BooleanArray>()),
            ),
        };
        fields.push(Field::new(name, dt, true));
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| err(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| err(&e))?;
    writer.write(&batch).map_err(|e| err(&e))?;
    writer.close().map_err(|e| err(&e))?;
    Ok(())
}

fn write_xlsx(table: &Table, tmp: &Path, path: &Path) -> Result<(), TableError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let err = |e: &dyn std::fmt::Display| TableError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("results").map_err(|e| err(&e))?;
    let bold = XFormat::new().set_bold();
    for (c, name) in table.names().iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, name, &bold)
            .map_err(|e| err(&e))?;
    }
    for (c, col) in table.columns().iter().enumerate() {
        let c = c as u16;
        for r in 0..table.n_rows() {
            let row = (r + 1) as u32;
            let result = match col {
                Column::Number(v) => v[r].map(|x| sheet.write_number(row, c, x).map(|_| ())),
                Column::Integer(v) => {
                    v[r].map(|x| sheet.write_number(row, c, x as f64).map(|_| ()))
                }
                Column::Boolean(v) => v[r].map(|x| sheet.write_boolean(row, c, x).map(|_| ())),
                Column::Text(_) => Some(sheet.write_string(row, c, col.text(r)).map(|_| ())),
            };
            if let Some(result) = result {
                result.map_err(|e| err(&e))?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(|e| err(&e))?;
    sheet
        .autofilter(
            0,
            0,
            table.n_rows() as u32,
            table.names().len().saturating_sub(1) as u16,
        )
        .map_err(|e| err(&e))?;
    book.save(tmp).map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_a_spreadsheet_would_run_is_written_as_text_and_numbers_stay_numbers() {
        let cells = [
            "=1+2",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\tx",
            "\rx",
            "-1.5",
            "+44",
            "E06000001",
        ];
        let mut t = Table::with_rows(cells.len());
        t.push("cell", Column::from_strings(cells)).unwrap();
        let mut out = Vec::new();
        write_csv_to(&t, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        for quoted in ["'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "'\rx"] {
            assert!(text.contains(quoted), "{quoted:?} in {text:?}");
        }
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.contains(&"-1.5") && lines.contains(&"+44") && lines.contains(&"E06000001"));
        assert!(starts_a_formula("-inf"), "not a finite number");
        assert!(!starts_a_formula("2024-25"));
    }
}
