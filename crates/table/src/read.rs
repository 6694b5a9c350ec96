//! Reading tables from CSV and Parquet files.

use std::{fs::File, path::Path};

use arrow_array::{
    Array, BooleanArray, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Int64Array,
    LargeStringArray, StringArray, StringViewArray, UInt8Array, UInt16Array, UInt32Array,
    UInt64Array,
};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::{Column, Format, Table, TableError, column::TextColumn};

/// Reads a CSV, Parquet or XLSX file, choosing by extension.
///
/// CSV cells are kept as text; Parquet columns keep their types (strings as text, integers,
/// floats, booleans); an XLSX workbook's first sheet is read with its first row as the header,
/// every cell as the text it shows (numbers in full precision).
///
/// # Errors
/// [`TableError::Io`], [`TableError::Csv`], [`TableError::Parquet`], or
/// [`TableError::UnknownFormat`] for other extensions.
pub fn read(path: &Path) -> Result<Table, TableError> {
    let mut table = match Format::from_path(path)? {
        Format::Csv => read_csv(path)?,
        Format::Parquet => read_parquet(path)?,
        Format::Xlsx => read_xlsx(path)?,
        Format::Json => {
            return Err(TableError::UnknownFormat {
                path: path.to_path_buf(),
            });
        }
    };
    table.source = Some(path.display().to_string());
    Ok(table)
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> TableError + '_ {
    move |source| TableError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Files at least this large, with no quoted fields, are parsed in two halves on two threads.
const PARALLEL_FROM: usize = 4 << 20;

fn read_csv(path: &Path) -> Result<Table, TableError> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    csv_table(&bytes, path)
}

/// Reads CSV text held in memory (a file shipped inside the binary, an upload); `name` is used
/// in messages in place of a file path.
///
/// # Errors
/// [`TableError::Csv`] naming `name`, the line and what is wrong.
pub fn read_csv_bytes(bytes: &[u8], name: &str) -> Result<Table, TableError> {
    let mut table = csv_table(bytes, Path::new(name))?;
    table.source = Some(name.to_string());
    Ok(table)
}

fn csv_table(bytes: &[u8], path: &Path) -> Result<Table, TableError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, bytes, 0, e))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let n_cols = headers.len();
    // Without quotes every record is one line, so the body can be cut at a line break.
    let header_end = bytes.iter().position(|&b| b == b'\n').map(|i| i + 1);
    let columns = match header_end {
        Some(body) if bytes.len() >= PARALLEL_FROM && !bytes.contains(&b'"') => {
            let mid = body + (bytes.len() - body) / 2;
            let cut = bytes[mid..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| mid + i + 1);
            let (first, second) = (&bytes[body..cut], &bytes[cut..]);
            let lines_before_second = bytes[..cut].iter().filter(|&&b| b == b'\n').count() as u64;
            let (a, b) = std::thread::scope(|scope| {
                let a = scope.spawn(|| parse_records(first, n_cols, 1, path));
                let b = parse_records(second, n_cols, lines_before_second, path);
                (a.join().expect("CSV reader thread panicked"), b)
            });
            let mut columns = a?;
            for (col, rest) in columns.iter_mut().zip(b?) {
                col.append(&rest);
            }
            columns
        }
        _ => parse_records(&bytes[header_end.unwrap_or(bytes.len())..], n_cols, 1, path)?,
    };
    let mut table = Table::with_rows(columns.first().map_or(0, TextColumn::len));
    for (name, col) in headers.into_iter().zip(columns) {
        table.push(name, Column::Text(col))?;
    }
    Ok(table)
}

/// Parses header-less CSV records into one text column per field. `lines_before` is how many
/// lines of the file precede `body`, so messages give file line numbers.
fn parse_records(
    body: &[u8],
    n_cols: usize,
    lines_before: u64,
    path: &Path,
) -> Result<Vec<TextColumn>, TableError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body);
    let mut columns: Vec<TextColumn> = (0..n_cols).map(|_| TextColumn::default()).collect();
    let mut record = csv::StringRecord::new();
    // Read a sample, then reserve for the whole body from the sample's bytes per row, so large
    // columns are not reallocated and copied as they grow.
    const SAMPLE: usize = 1024;
    let mut n_read = 0usize;
    let mut sample_bytes = 0usize;
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(path, body, lines_before, e))?
    {
        if record.len() != n_cols {
            let line = file_line(body, record.position(), lines_before);
            return Err(TableError::Csv {
                path: path.to_path_buf(),
                line,
                message: format!("found {} fields, but the header has {n_cols}", record.len()),
            });
        }
        for (col, field) in columns.iter_mut().zip(record.iter()) {
            col.push(field);
        }
        n_read += 1;
        if n_read <= SAMPLE {
            sample_bytes += record.as_slice().len() + n_cols;
            if n_read == SAMPLE {
                let rows = body.len() / (sample_bytes / SAMPLE).max(1) * 11 / 10;
                for col in &mut columns {
                    let per_row = col.byte_len() / SAMPLE + 1;
                    col.reserve(rows, rows * per_row);
                }
            }
        }
    }
    Ok(columns)
}

/// The file line on which a record of `body` starts. The CSV reader's own line count, and its
/// byte offset, stop at the `\r` of a CRLF line end, so a record's offset can point at the `\n`
/// before it: line breaks (and blank lines) at the offset are skipped before counting.
fn file_line(body: &[u8], position: Option<&csv::Position>, lines_before: u64) -> u64 {
    let Some(p) = position else { return 0 };
    let mut start = usize::try_from(p.byte()).map_or(body.len(), |b| b.min(body.len()));
    while start < body.len() && matches!(body[start], b'\r' | b'\n') {
        start += 1;
    }
    lines_before + 1 + body[..start].iter().filter(|&&b| b == b'\n').count() as u64
}

/// A CSV error as a [`TableError`] with the file's line number.
fn csv_error(path: &Path, body: &[u8], lines_before: u64, e: csv::Error) -> TableError {
    let line = file_line(body, e.position(), lines_before);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("found {len} fields, but earlier rows have {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => {
            "the text is not valid UTF-8; save the file as UTF-8".to_string()
        }
        _ => e.to_string(),
    };
    TableError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    }
}

fn read_xlsx(path: &Path) -> Result<Table, TableError> {
    use calamine::{Data, Reader};
    let err = |message: String| TableError::Spreadsheet {
        path: path.to_path_buf(),
        message,
    };
    let mut book = calamine::open_workbook_auto(path)
        .map_err(|e| err(format!("cannot read as an Excel workbook: {e}")))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(err("the workbook has no sheets".into()));
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| err(format!("cannot read sheet `{sheet}`: {e}")))?;
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(err(format!(
            "sheet `{sheet}` is empty; the first row must hold the column names"
        )));
    };
    let names: Vec<String> = header
        .iter()
        .map(|c| c.to_string().trim().to_string())
        .collect();
    let mut columns: Vec<TextColumn> = names.iter().map(|_| TextColumn::default()).collect();
    for (i, row) in rows.enumerate() {
        for (k, col) in columns.iter_mut().enumerate() {
            let text = match row.get(k) {
                None | Some(Data::Empty) => String::new(),
                Some(Data::Float(f)) => crate::format_number(*f),
                Some(Data::Int(v)) => v.to_string(),
                Some(Data::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
                Some(Data::Error(e)) => {
                    return Err(err(format!(
                        "sheet `{sheet}`, row {}, column `{}`: the cell holds the Excel error {e}; fix the formula or clear the cell",
                        i + 1,
                        names[k]
                    )));
                }
                Some(other) => other.to_string(),
            };
            col.push(&text);
        }
    }
    let mut table = Table::with_rows(columns.first().map_or(0, TextColumn::len));
    for (name, col) in names.into_iter().zip(columns) {
        table.push(name, Column::Text(col))?;
    }
    Ok(table)
}

fn read_parquet(path: &Path) -> Result<Table, TableError> {
    let pq_error = |e: &dyn std::fmt::Display| TableError::Parquet {
        path: path.to_path_buf(),
        message: format!("cannot read as Parquet: {e}"),
    };
    let file = File::open(path).map_err(io_error(path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| pq_error(&e))?;
    let schema = builder.schema().clone();
    let reader = builder.build().map_err(|e| pq_error(&e))?;
    let mut columns: Vec<Column> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(Column::Text(TextColumn::default())),
            DataType::Boolean => Ok(Column::Boolean(Vec::new())),
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 | DataType::UInt8
            | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => Ok(Column::Integer(Vec::new())),
            DataType::Float32 | DataType::Float64 => Ok(Column::Number(Vec::new())),
            other => Err(TableError::Parquet {
                path: path.to_path_buf(),
                message: format!(
                    "column `{}` has type {other}, which levelfield does not read; store it as text or as a number",
                    f.name()
                ),
            }),
        })
        .collect::<Result<_, _>>()?;
    for batch in reader {
        let batch = batch.map_err(|e| pq_error(&e))?;
        for (col, array) in columns.iter_mut().zip(batch.columns()) {
            append(col, array.as_ref());
        }
    }
    let mut table = Table::with_rows(columns.first().map_or(0, Column::len));
    for (field, col) in schema.fields().iter().zip(columns) {
        table.push(field.name().clone(), col)?;
    }
    Ok(table)
}

macro_rules! push_ints {
    ($out:expr, $array:expr, $($ty:ty),*) => {{
        $(if let Some(a) = $array.as_any().downcast_ref::<$ty>() {
            $out.extend((0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i) as i64)));
            return;
        })*
    }};
}

fn append(col: &mut Column, array: &dyn Array) {
    let valid = |i: usize| array.is_valid(i);
    match col {
        Column::Text(t) => {
            if let Some(a) = array.as_any().downcast_ref::<StringArray>() {
                (0..a.len()).for_each(|i| t.push(if valid(i) { a.value(i) } else { "" }));
            } else if let Some(a) = array.as_any().downcast_ref::<LargeStringArray>() {
                (0..a.len()).for_each(|i| t.push(if valid(i) { a.value(i) } else { "" }));
            } else if let Some(a) = array.as_any().downcast_ref::<StringViewArray>() {
                (0..a.len()).for_each(|i| t.push(if valid(i) { a.value(i) } else { "" }));
            }
        }
        Column::Boolean(v) => {
            if let Some(a) = array.as_any().downcast_ref::<BooleanArray>() {
                v.extend((0..a.len()).map(|i| valid(i).then(|| a.value(i))));
            }
        }
        Column::Number(v) => {
            if let Some(a) = array.as_any().downcast_ref::<Float64Array>() {
                v.extend(
                    (0..a.len()).map(|i| valid(i).then(|| a.value(i)).filter(|x| !x.is_nan())),
                );
            } else if let Some(a) = array.as_any().downcast_ref::<Float32Array>() {
                v.extend((0..a.len()).map(|i| {
                    valid(i)
                        .then(|| f64::from(a.value(i)))
                        .filter(|x| !x.is_nan())
                }));
            }
        }
        Column::Integer(v) => {
            push_ints!(
                v,
                array,
                Int8Array,
                Int16Array,
                Int32Array,
                Int64Array,
                UInt8Array,
                UInt16Array,
                UInt32Array,
                UInt64Array
            );
        }
    }
}
