//! Tables written in every format read back to the same cells; malformed CSV and unwritable
//! targets are errors that name the file and leave nothing behind.

use levelfield_table::{Column, Format, Table, TableError, read, write};

fn sample() -> Table {
    let mut t = Table::with_rows(3);
    t.push("code", Column::from_strings(["01", "a, \"quoted\" b", ""]))
        .unwrap();
    t.push(
        "value",
        Column::Number(vec![Some(0.1), None, Some(-2.5e-7)]),
    )
    .unwrap();
    t.push("count", Column::Integer(vec![Some(3), Some(0), None]))
        .unwrap();
    t.push("flag", Column::Boolean(vec![Some(true), None, Some(false)]))
        .unwrap();
    t
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
fn every_readable_format_round_trips_the_cells() {
    let dir = tempfile::tempdir().unwrap();
    let t = sample();
    for ext in ["csv", "parquet", "xlsx"] {
        let path = dir.path().join(format!("t.{ext}"));
        write(&t, &path, None).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.names(), t.names(), "{ext}");
        assert_eq!(cells(&back), cells(&t), "{ext}");
    }
    // JSON is written (not read): one object per row, missing values as null.
    let json = dir.path().join("t.json");
    write(&t, &json, Some(Format::Json)).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert_eq!(v[1]["value"], serde_json::Value::Null);
    assert_eq!(v[0]["code"], "01", "codes stay text");
}

#[test]
fn a_ragged_csv_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    // (body lines, the line of the bad row), written with LF and with CRLF line ends.
    let cases: [(&[&str], u64); 4] = [
        (&["a,b", "1,2", "3,4,5"], 3),
        (&["a,b", "1,2,3", "4,5"], 2),
        (&["a,b", "1,2", "", "3,4,5"], 4),
        (&["a,b", "\"x", "y\",2", "3,4,5"], 4),
    ];
    for (lines, want) in cases {
        for end in ["\n", "\r\n"] {
            std::fs::write(&path, lines.join(end) + end).unwrap();
            match read(&path) {
                Err(TableError::Csv { path: p, line, .. }) => {
                    assert_eq!(p, path);
                    assert_eq!(line, want, "{lines:?} with {end:?}");
                }
                other => panic!("expected a CSV error for {lines:?}, got {other:?}"),
            }
        }
    }
}

#[test]
fn a_large_csv_read_in_two_halves_gives_the_same_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let rows = 400_000;
    for end in ["\n", "\r\n"] {
        let mut text = format!("a,b{end}");
        for i in 0..rows {
            text.push_str(&format!("{i:05},67890{end}"));
        }
        assert!(
            text.len() > 4 << 20,
            "large enough to be read in two halves"
        );
        let good = read_text(&path, &text);
        assert_eq!(good.unwrap().n_rows(), rows);
        text.push_str(&format!("1,2,3{end}"));
        match read_text(&path, &text) {
            Err(TableError::Csv { line, .. }) => assert_eq!(line, rows as u64 + 2, "{end:?}"),
            other => panic!("expected a CSV error, got {other:?}"),
        }
    }
}

fn read_text(path: &std::path::Path, text: &str) -> Result<Table, TableError> {
    std::fs::write(path, text).unwrap();
    read(path)
}

#[test]
fn a_failed_write_leaves_the_target_and_directory_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.csv");
    std::fs::write(&target, "earlier\n").unwrap();
    // A directory where the file should go cannot be replaced.
    let blocked = dir.path().join("blocked.csv");
    std::fs::create_dir(&blocked).unwrap();
    assert!(write(&sample(), &blocked, None).is_err());
    assert!(blocked.is_dir());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "earlier\n");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    // Into a directory that does not exist: an error naming the path.
    let missing = dir.path().join("nowhere").join("out.csv");
    let e = write(&sample(), &missing, None).unwrap_err();
    assert!(e.to_string().contains("nowhere"), "{e}");
}

#[test]
fn select_takes_named_columns_at_rows_in_the_orders_given() {
    let t = sample();
    let s = t.select(&["count", "code"], &[2, 0]).unwrap();
    assert_eq!(s.names(), ["count", "code"]);
    assert_eq!(cells(&s), [["", ""], ["3", "01"]]);
    let e = t.select(&["nope"], &[0]).unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
}
