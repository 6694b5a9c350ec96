//! Input and output formats: Parquet input gives the same results as CSV; every output format
//! carries the same table; results go to standard output when no file is named.

use crate::support::{levelfield, phe, read_csv, run_csv, run_ok};

const RATE_ARGS: [&str; 6] = [
    "--numerator",
    "x",
    "--denominator",
    "n",
    "--multiplier",
    "100000",
];

#[test]
fn every_output_format_is_written_and_parquet_reads_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    // PHE's rate cases without the fractional counts levelfield refuses.
    let (_whole, input, _) = crate::reference::whole_counts_only("in_rate_cases.csv", "x", "id");
    let stdout_rows = run_csv(
        &[
            &["stats", "rate", "--input", input.to_str().unwrap()][..],
            &RATE_ARGS,
        ]
        .concat(),
    );
    for ext in ["csv", "parquet", "xlsx", "json"] {
        let out = dir.path().join(format!("rates.{ext}"));
        run_ok(
            &[
                &[
                    "stats",
                    "rate",
                    "--input",
                    input.to_str().unwrap(),
                    "--output",
                    out.to_str().unwrap(),
                ][..],
                &RATE_ARGS,
            ]
            .concat(),
        );
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.len() > 100, "{ext} output is empty");
        match ext {
            "csv" => assert_eq!(read_csv(&out), stdout_rows),
            "xlsx" => assert_eq!(&bytes[..2], b"PK", "xlsx is a zip archive"),
            "json" => {
                let v: serde_like::Json = serde_like::parse(&bytes);
                assert_eq!(v.rows, stdout_rows.len());
            }
            _ => {}
        }
    }
    // Parquet written by levelfield is a valid input: rates of its own numerator and denominator
    // reproduce the same values.
    let parquet = dir.path().join("rates.parquet");
    let again = run_csv(&[
        "stats",
        "rate",
        "--input",
        parquet.to_str().unwrap(),
        "--numerator",
        "numerator",
        "--denominator",
        "denominator",
        "--group-by",
        "id",
    ]);
    assert_eq!(again.len(), stdout_rows.len());
    for (a, b) in again.iter().zip(&stdout_rows) {
        assert_eq!(a["id"], b["id"]);
        assert_eq!(a["value"], b["value"]);
        assert_eq!(a["upper_ci_95_0"], b["upper_ci_95_0"]);
    }
}

#[test]
fn xlsx_written_by_levelfield_reads_back_as_input() {
    let dir = tempfile::tempdir().unwrap();
    // PHE's rate cases without the fractional counts levelfield refuses.
    let (_whole, input, _) = crate::reference::whole_counts_only("in_rate_cases.csv", "x", "id");
    let xlsx = dir.path().join("rates.xlsx");
    run_ok(
        &[
            &[
                "stats",
                "rate",
                "--input",
                input.to_str().unwrap(),
                "--output",
                xlsx.to_str().unwrap(),
            ][..],
            &RATE_ARGS,
        ]
        .concat(),
    );
    let from_csv = run_csv(
        &[
            &["stats", "rate", "--input", input.to_str().unwrap()][..],
            &RATE_ARGS,
        ]
        .concat(),
    );
    let again = run_csv(&[
        "stats",
        "rate",
        "--input",
        xlsx.to_str().unwrap(),
        "--numerator",
        "numerator",
        "--denominator",
        "denominator",
        "--group-by",
        "id",
    ]);
    assert_eq!(again.len(), from_csv.len());
    for (a, b) in again.iter().zip(&from_csv) {
        assert_eq!(
            (&a["id"], &a["value"], &a["upper_ci_95_0"]),
            (&b["id"], &b["value"], &b["upper_ci_95_0"])
        );
    }
    let not_a_book = dir.path().join("fake.xlsx");
    std::fs::write(&not_a_book, "id,x\n").unwrap();
    let out = levelfield(&[
        "stats",
        "rate",
        "--input",
        not_a_book.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fake.xlsx"));
}

#[test]
fn format_flag_overrides_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.dat");
    let input = phe("in_prop_cases.csv");
    run_ok(&[
        "stats",
        "proportion",
        "--input",
        input.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
        "--output",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(std::fs::read(&out).unwrap()[0], b'[');
}

/// Minimal JSON row counting without a JSON dependency in the tests.
mod serde_like {
    pub struct Json {
        pub rows: usize,
    }
    pub fn parse(bytes: &[u8]) -> Json {
        let text = std::str::from_utf8(bytes).unwrap().trim();
        assert!(text.starts_with('[') && text.ends_with(']'));
        Json {
            rows: text
                .lines()
                .filter(|l| l.trim_start().starts_with('{'))
                .count(),
        }
    }
}

#[cfg(unix)]
#[test]
fn outputs_are_readable_by_others_like_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csv");
    // PHE's rate cases without the fractional counts levelfield refuses.
    let (_whole, input, _) = crate::reference::whole_counts_only("in_rate_cases.csv", "x", "id");
    run_ok(
        &[
            &[
                "stats",
                "rate",
                "--input",
                input.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
            ][..],
            &RATE_ARGS,
        ]
        .concat(),
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o644
    );
}

/// Large unquoted CSVs are parsed in two halves on two threads: the result must equal the
/// sequential parse (forced by quoting one field), and errors in the second half must give the
/// file's own line number.
#[test]
fn large_csv_parsed_in_parallel_equals_the_sequential_parse() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::new();
    for i in 0..300_000u32 {
        body.push_str(&format!(
            "AREA{:05},{},{}\n",
            i % 5000,
            i % 97,
            100000 + i % 13
        ));
    }
    let plain = dir.path().join("plain.csv");
    let quoted = dir.path().join("quoted.csv");
    std::fs::write(&plain, format!("area,x,n\n{body}")).unwrap();
    std::fs::write(&quoted, format!("\"area\",x,n\n{body}")).unwrap();
    assert!(body.len() > 4 << 20, "large enough for the parallel path");
    let run = |p: &std::path::Path| {
        run_csv(&[
            "stats",
            "rate",
            "--input",
            p.to_str().unwrap(),
            "--numerator",
            "x",
            "--denominator",
            "n",
            "--group-by",
            "area",
        ])
    };
    let (a, b) = (run(&plain), run(&quoted));
    assert_eq!(a.len(), 5000);
    assert_eq!(a, b);

    // A short row in the second half: line numbers count the header as line 1.
    let mut lines: Vec<&str> = body.lines().collect();
    lines[280_000] = "AREA00001,3";
    let broken = dir.path().join("broken.csv");
    std::fs::write(&broken, format!("area,x,n\n{}\n", lines.join("\n"))).unwrap();
    let out = levelfield(&[
        "stats",
        "rate",
        "--input",
        broken.to_str().unwrap(),
        "--numerator",
        "x",
        "--denominator",
        "n",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 280002"), "{err}");
}
