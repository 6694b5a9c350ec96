//! Explaining a failed read of a CSV source from the file itself: the first line with the
//! wrong number of fields, or the first cell that is not of its column's type, by 1-based row
//! and line, column name and value — what DataFusion's own messages (columns counted from 0,
//! lines counted within a batch) do not say.

use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::DataType;
use levelfield_table::{Format, is_missing_token};

use crate::EngineError;

/// The first problem of a CSV source (a file or a folder of parts) read with `schema`, or
/// `None` when the file shows none (the failure was elsewhere). Streams the file: memory does
/// not grow with its size.
pub(crate) fn explain(
    path: &Path,
    schema: &[(String, DataType)],
    message: &str,
) -> Option<EngineError> {
    // A failed cast names the value only: the first cell holding it is the one.
    let bad_value = message
        .split_once("Cannot cast string '")
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(v, _)| v.trim().to_string());
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut parts: Vec<PathBuf> = std::fs::read_dir(path)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| matches!(Format::from_path(p), Ok(Format::Csv)))
            .collect();
        parts.sort();
        parts
    } else if matches!(Format::from_path(path), Ok(Format::Csv)) {
        vec![path.to_path_buf()]
    } else {
        return None;
    };
    files
        .iter()
        .find_map(|f| explain_file(f, schema, bad_value.as_deref()))
}

fn explain_file(
    path: &Path,
    schema: &[(String, DataType)],
    bad_value: Option<&str>,
) -> Option<EngineError> {
    let file = std::fs::File::open(path).ok()?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let err = |message: String| {
        Some(EngineError::Read {
            path: path.display().to_string(),
            message,
        })
    };
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect(),
        Err(e) => return err(format!("the header cannot be read: {e}")),
    };
    let checks: Vec<(usize, &str, &DataType)> = schema
        .iter()
        .filter_map(|(name, t)| {
            let i = headers.iter().position(|h| h == name)?;
            (t.is_numeric() || *t == DataType::Boolean).then_some((i, name.as_str(), t))
        })
        .collect();
    let mut record = csv::StringRecord::new();
    let mut row = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return None,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return err(match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        format!("line {line}: the text is not valid UTF-8; save the file as UTF-8")
                    }
                    _ => format!("line {line}: {e}"),
                });
            }
        }
        row += 1;
        let line = record.position().map_or(row + 1, |p| p.line());
        if record.len() != headers.len() {
            return err(format!(
                "line {line} (row {row}): found {} fields, but the header has {}; check that every row has the header's columns and that quotes are closed",
                record.len(),
                headers.len()
            ));
        }
        if let Some(v) = bad_value
            && let Some(i) = (0..record.len()).find(|&i| record[i].trim() == v)
        {
            return err(format!(
                "row {row} (line {line}), column `{}`: `{v}` is not a number, and the column is used as one; correct the value (no thousands separators or units), or leave it empty if it is missing",
                headers[i]
            ));
        }
        for &(i, name, t) in &checks {
            let value = record[i].trim();
            if is_missing_token(value) {
                continue;
            }
            let (ok, what) = match t {
                DataType::Boolean => (
                    matches!(
                        value.to_ascii_lowercase().as_str(),
                        "true" | "false" | "1" | "0"
                    ),
                    "true or false",
                ),
                t if t.is_integer() => (value.parse::<i64>().is_ok(), "whole number"),
                _ => (value.parse::<f64>().is_ok_and(f64::is_finite), "number"),
            };
            if !ok {
                let hint = if value.contains(',') && value.replace(',', "").parse::<f64>().is_ok() {
                    "write numbers without thousands separators"
                } else if t.is_integer() && value.parse::<f64>().is_ok() {
                    "the column's earlier rows are whole numbers; correct the value, or give the column's type in the spec's [types] (e.g. { col = \"number\" })"
                } else {
                    "correct the value, leave it empty if it is missing, or give the column's type in the spec's [types] (e.g. { col = \"text\" })"
                };
                return err(format!(
                    "row {row} (line {line}), column `{name}`: `{value}` is not a {what}; {hint}"
                ));
            }
        }
    }
}

/// The first data row (1-based) of a CSV source whose `column` holds a number that is not
/// whole, with its text.
pub(crate) fn first_fractional(path: &Path, column: &str) -> Option<(u64, String)> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut parts: Vec<PathBuf> = std::fs::read_dir(path)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| matches!(Format::from_path(p), Ok(Format::Csv)))
            .collect();
        parts.sort();
        parts
    } else {
        vec![path.to_path_buf()]
    };
    files.iter().find_map(|f| {
        if !matches!(Format::from_path(f), Ok(Format::Csv)) {
            return None;
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(std::io::BufReader::new(std::fs::File::open(f).ok()?));
        let i = reader
            .headers()
            .ok()?
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == column)?;
        reader.records().enumerate().find_map(|(row, r)| {
            let r = r.ok()?;
            let value = r.get(i)?.trim();
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.fract() != 0.0)
                .map(|_| (row as u64 + 1, value.to_string()))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_row_column_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.csv");
        std::fs::write(&path, "area,count\nE01,3\nE02,\"1,234\"\nE03,4\n").unwrap();
        let schema = [
            ("area".to_string(), DataType::Utf8),
            ("count".to_string(), DataType::Float64),
        ];
        let e = explain(&path, &schema, "").unwrap().to_string();
        assert!(
            e.contains("c.csv")
                && e.contains("row 2 (line 3), column `count`: `1,234`")
                && e.contains("thousands"),
            "{e}"
        );
        std::fs::write(&path, "area,count\nE01,3\nE02\n").unwrap();
        let e = explain(&path, &schema, "").unwrap().to_string();
        assert!(
            e.contains("line 3 (row 2): found 1 fields, but the header has 2"),
            "{e}"
        );
        std::fs::write(&path, "area,count\nE01,3\n").unwrap();
        assert!(explain(&path, &schema, "").is_none());
        // A failed cast of a text column: the cell is found by its value.
        std::fs::write(&path, "area,days\nE01,3\nE02,2 days\n").unwrap();
        let text = [("days".to_string(), DataType::Utf8)];
        let e = explain(
            &path,
            &text,
            "Cast error: Cannot cast string '2 days' to value of Float64 type",
        )
        .unwrap()
        .to_string();
        assert!(e.contains("row 2 (line 3), column `days`: `2 days`"), "{e}");
    }
}
