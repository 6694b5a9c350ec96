//! Input and output formats: Parquet input gives the same results as CSV; every output format
//! carries the same table; results go to standard output when no file is named.

use crate::support::{levelfield, phe, read_csv, run_csv};

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
    let input = phe("in_rate_cases.csv");
    let stdout_rows = run_csv(
        &[
            &["stats", "rate", "--input", input.to_str().unwrap()][..],
            &RATE_ARGS,
        ]
        .concat(),
    );
    for ext in ["csv", "parquet", "xlsx", "json"] {
        let out = dir.path().join(format!("rates.{ext}"));
        let status = levelfield(
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
        assert!(
            status.status.success(),
            "{ext}: {}",
            String::from_utf8_lossy(&status.stderr)
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
fn format_flag_overrides_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results.dat");
    let input = phe("in_prop_cases.csv");
    let run = levelfield(&[
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
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
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
    let input = phe("in_rate_cases.csv");
    let run = levelfield(
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
    assert!(run.status.success());
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o644
    );
}
