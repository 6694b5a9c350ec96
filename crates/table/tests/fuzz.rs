//! Byte-level fuzzing of every reader, bounded so it runs in the normal suite: arbitrary bytes,
//! and valid CSV, XLSX and Parquet files with random edits, never panic and are read or refused
//! with an error; CSV tables written with any line ends and quoting read back to the same
//! cells. `PROPTEST_CASES` raises the number of cases for a longer run.

use levelfield_table::{Column, Table, read, read_csv_bytes, write};
use proptest::prelude::*;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn sample() -> Table {
    let mut t = Table::with_rows(3);
    t.push("area", Column::from_strings(["E01", "E02", "E03"]))
        .unwrap();
    t.push("x", Column::Integer(vec![Some(3), Some(0), None]))
        .unwrap();
    t.push("v", Column::Number(vec![Some(0.5), None, Some(-2.0)]))
        .unwrap();
    t
}

fn valid_file(ext: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("t.{ext}"));
    write(&sample(), &path, None).unwrap();
    std::fs::read(path).unwrap()
}

/// `bytes` with edits: (position, byte, kind) — replace, insert or delete.
fn edited(bytes: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for &(at, byte, kind) in edits {
        if out.is_empty() {
            out.push(byte);
            continue;
        }
        let at = at % out.len();
        match kind % 3 {
            0 => out[at] = byte,
            1 => out.insert(at, byte),
            _ => {
                out.remove(at);
            }
        }
    }
    out
}

fn read_file(ext: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("f.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    // Read or refused, never a panic; a refusal names the file.
    if let Err(e) = read(&path) {
        assert!(e.to_string().contains("f."), "{e}");
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_bytes_as_csv(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_csv_bytes(&bytes, "fuzz.csv");
    }

    #[test]
    fn csv_like_text(text in "[a-c0-9,\"\r\n .-]{0,200}") {
        if let Ok(t) = read_csv_bytes(text.as_bytes(), "fuzz.csv") {
            // Every row has every column.
            for c in t.columns() {
                prop_assert_eq!(c.len(), t.n_rows());
            }
        }
    }

    #[test]
    fn edited_csv(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)) {
        read_file("csv", &edited(&valid_file("csv"), &edits));
    }

    #[test]
    fn edited_parquet(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)) {
        read_file("parquet", &edited(&valid_file("parquet"), &edits));
    }

    #[test]
    fn edited_xlsx(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)) {
        read_file("xlsx", &edited(&valid_file("xlsx"), &edits));
    }

    /// Any cells, with any line end and every field quoted or not, read back as written
    /// (cells are trimmed, so generated cells have no surrounding spaces).
    #[test]
    fn csv_reads_back_whatever_the_line_ends(
        cells in proptest::collection::vec(proptest::collection::vec("[a-z0-9,\"\r\n]([a-z0-9 ,\"\r\n]{0,6}[a-z0-9,\"\r\n])?", 3), 1..6),
        end in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        quote_all in any::<bool>(),
    ) {
        let mut text = format!("a,b,c{end}");
        for row in &cells {
            let fields: Vec<String> = row
                .iter()
                .map(|c| {
                    if quote_all || c.contains([',', '"', '\r', '\n']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect();
            text.push_str(&fields.join(","));
            text.push_str(end);
        }
        let t = read_csv_bytes(text.as_bytes(), "t.csv").unwrap();
        prop_assert_eq!(t.n_rows(), cells.len());
        for (r, row) in cells.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let got = t.text(c, r).into_owned();
                prop_assert_eq!(got.as_str(), cell.trim());
            }
        }
    }
}
