//! Helpers shared by the integration tests: running the binary, reading its CSV output, finding
//! the reference data in `tests/reference`, comparing numbers.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// The reference data the tests check against (`tests/reference` in the repository: see its
/// README for each file's source and licence).
pub fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference")
}

/// A file of PHEindicatormethods reference data.
pub fn phe(name: &str) -> PathBuf {
    let path = reference().join("phe").join(name);
    assert!(path.exists(), "reference file {} not found", path.display());
    path
}

/// Runs `levelfield` with these arguments.
pub fn levelfield(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .args(args)
        .output()
        .expect("levelfield runs")
}

/// Runs `levelfield` and asserts success, showing its error output if it failed.
pub fn run_ok(args: &[&str]) -> Output {
    let out = levelfield(args);
    assert_ok(&out, &format!("levelfield {args:?}"));
    out
}

/// Asserts that a finished `levelfield` process (`what`) succeeded, showing its error output
/// if not.
pub fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `levelfield`, asserts that it exits with `code`, and returns its error output.
pub fn run_fails(args: &[&str], code: i32) -> String {
    let out = levelfield(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "levelfield {args:?}: {err}");
    err
}

/// Runs `levelfield`, asserts success, and parses its CSV standard output.
pub fn run_csv(args: &[&str]) -> Vec<HashMap<String, String>> {
    parse_csv(&run_ok(args).stdout)
}

/// Parses CSV bytes into rows keyed by column name.
pub fn parse_csv(bytes: &[u8]) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Reads a CSV file into rows keyed by column name.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    parse_csv(&std::fs::read(path).expect("read csv"))
}

/// `NA`, `NaN` and empty all mean "no number".
pub fn number(text: &str) -> Option<f64> {
    match text {
        "" | "NA" | "NaN" => None,
        t => Some(
            t.parse()
                .unwrap_or_else(|_| panic!("`{t}` is not a number")),
        ),
    }
}

/// Asserts two optional numbers agree to `rel` relative (absolute near zero).
pub fn assert_close(what: &str, actual: Option<f64>, expected: Option<f64>, rel: f64) {
    match (actual, expected) {
        (None, None) => {}
        (Some(a), Some(e)) => {
            let tol = rel * e.abs().max(1e-300);
            assert!(
                (a - e).abs() <= tol,
                "{what}: got {a:e}, expected {e:e} (diff {:e}, tol {tol:e})",
                (a - e).abs()
            );
        }
        _ => panic!("{what}: got {actual:?}, expected {expected:?}"),
    }
}

/// A profile of synthetic data (`levelfield synth` then `levelfield profile`) in `dir/profile`.
pub fn synthetic_profile(dir: &Path, rows: u32, areas: u32) -> PathBuf {
    let synth = dir.join("synth");
    let profile = dir.join("profile");
    run_ok(&[
        "synth",
        "--rows",
        &rows.to_string(),
        "--areas",
        &areas.to_string(),
        "--out",
        synth.to_str().unwrap(),
    ]);
    run_ok(&[
        "profile",
        "--spec",
        synth.join("profile.toml").to_str().unwrap(),
        "--out",
        profile.to_str().unwrap(),
        "--quiet",
    ]);
    profile
}

/// Renders a profile folder with `levelfield report` into `dir/report.html`; the page's text.
pub fn report_page(profile: &Path, dir: &Path) -> String {
    let html = dir.join("report.html");
    run_ok(&[
        "report",
        "--profile",
        profile.to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
    ]);
    std::fs::read_to_string(&html).expect("the report")
}
