//! Reading tables from CSV, Parquet and XLSX files; text cells are trimmed of surrounding spaces.

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
        Format::Parquet => guarded(path, read_parquet)?,
        Format::Xlsx => guarded(path, read_xlsx)?,
        Format::Json => {
            return Err(TableError::UnknownFormat {
                path: path.to_path_buf(),
            });
        }
    };
    table.source = Some(path.display().to_string());
    Ok(table)
}

/// Runs a reader of a binary format so that a damaged file its library cannot cope with (a
/// panic inside it) is an error naming the file, not a crash.
fn guarded(
    path: &Path,
    reader: fn(&Path) -> Result<Table, TableError>,
) -> Result<Table, TableError> {
    std::panic::catch_unwind(|| reader(path)).unwrap_or_else(|_| {
        Err(TableError::Spreadsheet {
            path: path.to_path_buf(),
            message:
                "the file is damaged: it cannot be read as its extension says; export it again"
                    .into(),
        })
    })
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
    // One reader reads the header and the records, so every line end the csv crate knows (LF,
    // CRLF and a bare CR, as old Mac and Excel exports write) ends the header as it ends a row.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(path, bytes, 0, e))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let n_cols = headers.len();
    // Without quotes or bare CRs every record is one LF-ended line, so a large body can be cut
    // at a line break and read in two halves.
    let header_end = bytes.iter().position(|&b| b == b'\n').map(|i| i + 1);
    let columns = match header_end {
        Some(body) if bytes.len() >= PARALLEL_FROM && !bytes.contains(&b'"') && lf_only(bytes) => {
            let mid = body + (bytes.len() - body) / 2;
            let cut = bytes[mid..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| mid + i + 1);
            let (first, second) = (&bytes[body..cut], &bytes[cut..]);
            let lines_before_second = bytes[..cut].iter().filter(|&&b| b == b'\n').count() as u64;
            let (a, b) = std::thread::scope(|scope| {
                let a =
                    scope.spawn(|| parse_records(&mut body_reader(first), first, n_cols, 1, path));
                let b = parse_records(
                    &mut body_reader(second),
                    second,
                    n_cols,
                    lines_before_second,
                    path,
                );
                (a.join().expect("CSV reader thread panicked"), b)
            });
            let mut columns = a?;
            for (col, rest) in columns.iter_mut().zip(b?) {
                col.append(&rest);
            }
            columns
        }
        _ => parse_records(&mut reader, bytes, n_cols, 0, path)?,
    };
    table_of(
        path,
        headers,
        columns.into_iter().map(Column::Text).collect(),
    )
}

/// True when every CR in `bytes` is the first half of a CRLF line end.
fn lf_only(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .all(|(i, &b)| b != b'\r' || bytes.get(i + 1) == Some(&b'\n'))
}

fn body_reader(body: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body)
}

/// A table of named columns read from `path`, refusing an empty or repeated column name with
/// the file's name.
fn table_of(path: &Path, names: Vec<String>, columns: Vec<Column>) -> Result<Table, TableError> {
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(TableError::Shape(format!(
                "{}: the column `{name}` appears twice in the header; give every column its own name",
                path.display()
            )));
        }
    }
    let mut table = Table::with_rows(columns.first().map_or(0, Column::len));
    for (name, col) in names.into_iter().zip(columns) {
        table.push(name, col)?;
    }
    Ok(table)
}

/// Parses the CSV records `reader` yields (the header already read, or none in `body`) into
/// one text column per field. `lines_before` is how many lines of the file precede `body`, so
/// messages give file line numbers.
fn parse_records(
    reader: &mut csv::Reader<&[u8]>,
    body: &[u8],
    n_cols: usize,
    lines_before: u64,
    path: &Path,
) -> Result<Vec<TextColumn>, TableError> {
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

/// The file line on which a record of `body` starts, counting LF, CRLF and a bare CR as one
/// line end each. The CSV reader's byte offset can point at the line end before a record, so
/// line ends (and blank lines) at the offset are skipped before counting.
fn file_line(body: &[u8], position: Option<&csv::Position>, lines_before: u64) -> u64 {
    let Some(p) = position else { return 0 };
    let mut start = usize::try_from(p.byte()).map_or(body.len(), |b| b.min(body.len()));
    while start < body.len() && matches!(body[start], b'\r' | b'\n') {
        start += 1;
    }
    let ends = body[..start]
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && body.get(i + 1) != Some(&b'\n')))
        .count() as u64;
    lines_before + 1 + ends
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

/// Texts Excel shows for a cell whose formula failed; a sheet that holds one as text (pasted
/// values) has an error as surely as one holding the error itself.
const EXCEL_ERRORS: [&str; 8] = [
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#GETTING_DATA",
];

/// A spreadsheet cell's reference: column letters and 1-based row, e.g. `B7`.
fn cell_ref(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.push(b'A' + r as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

/// An Excel date as ISO 8601 text: `2023-04-01`, or `2023-04-01T09:30:00` with a time of day.
fn iso_date(d: &calamine::ExcelDateTime) -> String {
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    if (h, min, s) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        format!("{y:04}-{m:02}-{day:02}T{h:02}:{min:02}:{s:02}")
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
    // Formulas, to tell a formula cell saved without its value from an empty cell.
    let formulas = book.worksheet_formula(&sheet).ok();
    let (top, left) = range.start().unwrap_or((0, 0));
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
        let sheet_row = top + 1 + i as u32;
        for (k, col) in columns.iter_mut().enumerate() {
            let at = || {
                format!(
                    "sheet `{sheet}`, cell {}, column `{}`",
                    cell_ref(sheet_row, left + k as u32),
                    names[k]
                )
            };
            let text = match row.get(k) {
                None | Some(Data::Empty) => String::new(),
                Some(Data::Float(f)) => crate::format_number(*f),
                Some(Data::Int(v)) => v.to_string(),
                Some(Data::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
                Some(Data::DateTime(d)) if d.is_datetime() => iso_date(d),
                Some(Data::DateTime(d)) => crate::format_number(d.as_f64()),
                Some(Data::Error(e)) => {
                    return Err(err(format!(
                        "{}: the cell holds the Excel error {e}; fix the formula or clear the cell",
                        at()
                    )));
                }
                Some(other) => {
                    let text = other.to_string().trim().to_string();
                    if EXCEL_ERRORS.contains(&text.as_str()) {
                        return Err(err(format!(
                            "{}: the cell holds the Excel error {text}; fix the formula or clear the cell",
                            at()
                        )));
                    }
                    text
                }
            };
            if text.is_empty()
                && let Some(f) = formulas
                    .as_ref()
                    .and_then(|f| f.get_value((sheet_row, left + k as u32)))
                    .filter(|f| !f.is_empty())
            {
                return Err(err(format!(
                    "{}: the formula `={f}` has no saved value (the workbook was written by a program that does not calculate); open and save it in Excel, or paste the values",
                    at()
                )));
            }
            col.push(text.trim());
        }
    }
    table_of(path, names, columns.into_iter().map(Column::Text).collect())
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
    let mut rows_before = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| pq_error(&e))?;
        for ((col, array), field) in columns.iter_mut().zip(batch.columns()).zip(schema.fields()) {
            if let Some(a) = array.as_any().downcast_ref::<UInt64Array>()
                && let Some(i) =
                    (0..a.len()).find(|&i| a.is_valid(i) && a.value(i) > i64::MAX as u64)
            {
                return Err(TableError::Parquet {
                    path: path.to_path_buf(),
                    message: format!(
                        "row {}, column `{}`: {} is larger than levelfield's largest whole number ({}); store the column as text if it is a code",
                        rows_before + i + 1,
                        field.name(),
                        a.value(i),
                        i64::MAX
                    ),
                });
            }
            append(col, array.as_ref());
        }
        rows_before += batch.num_rows();
    }
    let names = schema.fields().iter().map(|f| f.name().clone()).collect();
    table_of(path, names, columns)
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
                (0..a.len()).for_each(|i| t.push(if valid(i) { a.value(i).trim() } else { "" }));
            } else if let Some(a) = array.as_any().downcast_ref::<LargeStringArray>() {
                (0..a.len()).for_each(|i| t.push(if valid(i) { a.value(i).trim() } else { "" }));
            } else if let Some(a) = array.as_any().downcast_ref::<StringViewArray>() {
                (0..a.len()).for_each(|i| t.push(if valid(i) { a.value(i).trim() } else { "" }));
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn csv(text: &[u8]) -> Result<Table, TableError> {
        read_csv_bytes(text, "t.csv")
    }

    fn cells(t: &Table) -> Vec<Vec<String>> {
        (0..t.n_rows())
            .map(|r| {
                (0..t.names().len())
                    .map(|c| t.text(c, r).into_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn every_line_end_reads_the_same_rows() {
        let lf = csv(b"a,b\n1,x\n2,y\n").unwrap();
        for text in [
            &b"a,b\r1,x\r2,y\r"[..],
            b"a,b\r\n1,x\r\n2,y\r\n",
            b"a,b\r1,x\n2,y",
            b"a,b\n1,x\r2,y\r\n",
        ] {
            let t = csv(text).unwrap();
            assert_eq!(t.names(), lf.names(), "{text:?}");
            assert_eq!(cells(&t), cells(&lf), "{text:?}");
        }
        // Line numbers in messages count a bare CR as a line end.
        let err = csv(b"a,b\r1,x\r2\r").unwrap_err().to_string();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn cells_and_names_are_trimmed_and_names_must_differ() {
        let t = csv(b" a ,b\n E01 , 2\nE01,3 \n").unwrap();
        assert_eq!(t.names(), ["a", "b"]);
        assert_eq!(cells(&t), [["E01", "2"], ["E01", "3"]]);
        let err = csv(b"a,b,a\n1,2,3\n").unwrap_err().to_string();
        assert!(
            err.contains("t.csv") && err.contains("`a` appears twice"),
            "{err}"
        );
    }

    fn xlsx(dir: &Path, fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> std::path::PathBuf {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("Data").unwrap();
        fill(sheet);
        let path = dir.join("book.xlsx");
        book.save(&path).unwrap();
        path
    }

    #[test]
    fn xlsx_dates_are_iso_text_and_formulas_need_values() {
        let dir = tempfile::tempdir().unwrap();
        let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        let path = xlsx(dir.path(), |s| {
            s.write(0, 0, "period").unwrap();
            s.write(0, 1, "count").unwrap();
            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 4, 1).unwrap();
            s.write_datetime_with_format(1, 0, &d, &date).unwrap();
            s.write(1, 1, 5).unwrap();
        });
        let t = read(&path).unwrap();
        assert_eq!(cells(&t), [["2023-04-01", "5"]]);
        // A date in a numeric column is an error naming the row, column and value.
        let path = xlsx(dir.path(), |s| {
            s.write(0, 0, "count").unwrap();
            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2023, 4, 1).unwrap();
            s.write_datetime_with_format(1, 0, &d, &date).unwrap();
        });
        let err = read(&path)
            .unwrap()
            .numbers("count")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("row 1") && err.contains("`2023-04-01`"),
            "{err}"
        );
        // A formula saved without its value.
        let path = xlsx(dir.path(), |s| {
            s.write(0, 0, "area").unwrap();
            s.write(0, 1, "count").unwrap();
            s.write(1, 0, "E01").unwrap();
            // As programs that do not calculate save it: no value.
            s.set_formula_result_default("");
            s.write_formula(1, 1, "=2+3").unwrap();
        });
        let err = read(&path).unwrap_err().to_string();
        assert!(
            err.contains("sheet `Data`, cell B2, column `count`") && err.contains("no saved value"),
            "{err}"
        );
        // Excel errors, as errors or as their text.
        for result in ["#N/A", "#DIV/0!"] {
            let path = xlsx(dir.path(), |s| {
                s.write(0, 0, "count").unwrap();
                s.write(1, 0, 4).unwrap();
                s.write_formula(
                    2,
                    0,
                    rust_xlsxwriter::Formula::new("=1/0").set_result(result),
                )
                .unwrap();
            });
            let err = read(&path).unwrap_err().to_string();
            assert!(
                err.contains("cell A3, column `count`") && err.contains(result),
                "{err}"
            );
        }
        let path = xlsx(dir.path(), |s| {
            s.write(0, 0, "count").unwrap();
            s.write(1, 0, "#REF!").unwrap();
        });
        assert!(read(&path).unwrap_err().to_string().contains("#REF!"));
    }

    #[test]
    fn parquet_uint64_beyond_i64_is_refused_not_wrapped() {
        use arrow_array::{RecordBatch, UInt64Array};
        use arrow_schema::{Field, Schema};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u.parquet");
        let schema = Arc::new(Schema::new(vec![Field::new("n", DataType::UInt64, true)]));
        let write = |values: Vec<u64>| {
            let batch =
                RecordBatch::try_new(schema.clone(), vec![Arc::new(UInt64Array::from(values))])
                    .unwrap();
            let file = File::create(&path).unwrap();
            let mut w = parquet::arrow::ArrowWriter::try_new(file, schema.clone(), None).unwrap();
            w.write(&batch).unwrap();
            w.close().unwrap();
        };
        write(vec![3, i64::MAX as u64]);
        assert_eq!(
            read(&path).unwrap().numbers("n").unwrap(),
            [Some(3.0), Some(i64::MAX as f64)]
        );
        write(vec![3, u64::MAX]);
        let err = read(&path).unwrap_err().to_string();
        assert!(
            err.contains("row 2, column `n`") && err.contains(&u64::MAX.to_string()),
            "{err}"
        );
    }
}
