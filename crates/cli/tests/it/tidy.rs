//! Repository hygiene, checked as a test: every Rust file opens with a `//!` line saying what it
//! owns, no test is ignored or expects a panic, nothing reaches outside the repository for test
//! data, and shipped data carries its attribution.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc_and_nothing_is_ignored() {
    let mut files = Vec::new();
    rust_files(&repo().join("crates"), &mut files);
    assert!(files.len() > 10, "found only {} Rust files", files.len());
    // An ignore attribute in any form (bare, with a reason, or under cfg_attr) hides a test.
    let ignore = ["#[", "ignore"].concat();
    let cfg_ignore = [", ", "ignore)]"].concat();
    let should_panic = ["#[", "should_panic"].concat();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not start with a //! line",
            file.display()
        );
        assert!(
            !text.contains(&ignore) && !text.contains(&cfg_ignore),
            "{} ignores a test",
            file.display()
        );
        assert!(
            !text.contains(&should_panic),
            "{} uses should_panic",
            file.display()
        );
    }
}

/// Every file under `dir` (recursively, skipping build output and hidden folders).
fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                all_files(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

#[test]
fn the_suite_reads_nothing_outside_the_repository() {
    let mut files = Vec::new();
    for dir in ["crates", "scripts", ".ci"] {
        all_files(&repo().join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {} files", files.len());
    // Spelt in pieces so this file does not match itself.
    let outside = ["../", "shared"].concat();
    let variable = ["LEVELFIELD_", "SHARED"].concat();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        assert!(
            !text.contains(&outside) && !text.contains(&variable),
            "{} reaches outside the repository; test data belongs in tests/reference",
            file.display()
        );
    }
    for file in [
        "phe/expected_errors.csv",
        "fingertips/verification.csv",
        "README.md",
    ] {
        assert!(
            repo().join("tests/reference").join(file).is_file(),
            "{file}"
        );
    }
}

#[test]
fn shipped_data_carries_the_open_government_licence_attribution() {
    let readme = std::fs::read_to_string(repo().join("data/README.md")).unwrap();
    assert!(readme.contains(
        "Contains public sector information licensed under the Open Government Licence v3.0"
    ));
}

#[test]
fn the_main_job_reproduces_the_published_crude_rates() {
    let data = repo().join("data/mha_2023_24_england_ethnicity.csv");
    let rows = crate::support::run_csv(&[
        "stats",
        "rate",
        "--input",
        data.to_str().unwrap(),
        "--numerator",
        "count",
        "--denominator",
        "population",
        "--confidence",
        "95,99.8",
    ]);
    assert_eq!(rows.len(), 15);
    for r in &rows {
        let value: f64 = r["value"].parse().unwrap();
        let published: f64 = r["published_crude_rate"].parse().unwrap();
        assert!(
            ((value * 10.0).round() / 10.0 - published).abs() < 1e-9,
            "{r:?}"
        );
        let (lo, hi): (f64, f64) = (
            r["lower_ci_99_8"].parse().unwrap(),
            r["upper_ci_99_8"].parse().unwrap(),
        );
        assert!(lo < value && value < hi);
    }
}
