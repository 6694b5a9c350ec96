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

/// The crate table in ARCHITECTURE.md: `(layer, crate, its levelfield dependencies)`.
fn documented_crates() -> Vec<(u32, String, Vec<String>)> {
    let text = std::fs::read_to_string(repo().join("ARCHITECTURE.md")).unwrap();
    let mut rows = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| layer | crate | depends on |` splits into five cells, the outer two empty.
        if cells.len() != 5 {
            continue;
        }
        let Ok(layer) = cells[1].parse::<u32>() else {
            continue;
        };
        let deps = cells[3]
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        rows.push((layer, cells[2].to_string(), deps));
    }
    rows
}

/// Every workspace member's manifest: `(short name, manifest text)`.
fn manifests() -> Vec<(String, String)> {
    let root = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let members = root
        .lines()
        .find(|l| l.starts_with("members"))
        .expect("the workspace lists its members");
    members
        .split('"')
        .skip(1)
        .step_by(2)
        .map(|dir| {
            let text = std::fs::read_to_string(repo().join(dir).join("Cargo.toml")).unwrap();
            let name = text
                .lines()
                .find_map(|l| l.strip_prefix("name = \""))
                .and_then(|l| l.strip_suffix('"'))
                .unwrap()
                .to_string();
            let short = match name.strip_prefix("levelfield-") {
                Some(s) => s.to_string(),
                None => "cli".to_string(),
            };
            (short, text)
        })
        .collect()
}

/// The levelfield crates in a manifest's `[dependencies]` (not dev- or build-dependencies).
fn levelfield_dependencies(manifest: &str) -> Vec<String> {
    let mut section = "";
    let mut out = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
        } else if section == "[dependencies]"
            && let Some(rest) = line.strip_prefix("levelfield-")
        {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn the_crate_graph_is_the_one_architecture_md_draws_and_points_one_way() {
    let documented = documented_crates();
    let found = manifests();
    assert!(found.len() >= 10, "found {} members", found.len());
    let mut documented_names: Vec<&str> = documented.iter().map(|(_, c, _)| c.as_str()).collect();
    let mut member_names: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    documented_names.sort_unstable();
    member_names.sort_unstable();
    assert_eq!(
        documented_names, member_names,
        "ARCHITECTURE.md's crate table and the workspace's members differ"
    );
    let layer = |name: &str| {
        documented
            .iter()
            .find(|(_, c, _)| c == name)
            .map(|(l, _, _)| *l)
            .unwrap_or_else(|| panic!("{name} is not in ARCHITECTURE.md's crate table"))
    };
    for (name, manifest) in &found {
        let mut actual = levelfield_dependencies(manifest);
        let (_, _, listed) = documented.iter().find(|(_, c, _)| c == name).unwrap();
        let mut listed = listed.clone();
        actual.sort();
        listed.sort();
        assert_eq!(
            actual, listed,
            "{name}: its manifest's levelfield dependencies differ from ARCHITECTURE.md's table"
        );
        for dep in &actual {
            assert!(
                layer(dep) < layer(name),
                "{name} (layer {}) depends on {dep} (layer {}): dependencies point down only",
                layer(name),
                layer(dep)
            );
        }
    }
}

#[test]
fn only_engine_knows_the_query_engine_and_only_server_knows_http() {
    for (name, manifest) in manifests() {
        // What the manifest declares, not what its comments say.
        let manifest: String = manifest
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
            .to_ascii_lowercase();
        if name != "engine" {
            for word in ["datafusion", "ballista"] {
                assert!(
                    !manifest.contains(word),
                    "{name}'s manifest names {word}: only engine may"
                );
            }
        }
        if name != "server" {
            assert!(
                !manifest.contains("axum"),
                "{name}'s manifest names axum: only server may"
            );
        }
    }
    let mut files = Vec::new();
    rust_files(&repo().join("crates"), &mut files);
    rust_files(&repo().join("bench"), &mut files);
    let engine = repo().join("crates/engine");
    let server = repo().join("crates/server");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        if !file.starts_with(&engine) {
            // Spelt in pieces so this file does not match itself.
            for path in [
                ["datafusion", "::"].concat(),
                ["datafusion", "_"].concat(),
                ["ballista", "::"].concat(),
                ["ballista", "_"].concat(),
            ] {
                assert!(
                    !text.contains(&path),
                    "{} uses {path}: only engine may",
                    file.display()
                );
            }
        }
        if !file.starts_with(&server) {
            assert!(
                !text.contains(&["axum", "::"].concat()),
                "{} uses axum: only server may",
                file.display()
            );
        }
    }
}

/// Every Rust file under `crates/` with its text.
fn sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(&repo().join("crates"), &mut files);
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            (f, text)
        })
        .collect()
}

#[test]
fn a_file_over_a_thousand_lines_says_at_its_top_why_it_is_one_file() {
    let reason = ["//! Why one long file:"].concat();
    let mut long = 0;
    for (file, text) in sources() {
        let lines = text.lines().count();
        if lines <= 1000 {
            continue;
        }
        long += 1;
        let head: Vec<&str> = text.lines().take_while(|l| l.starts_with("//!")).collect();
        assert!(
            head.iter().any(|l| l.starts_with(&reason)),
            "{} has {lines} lines and no `{reason}` line in its opening //! block: \
             split it, or say there why it is one file",
            file.display()
        );
    }
    assert!(long > 0, "the check saw no long file, so it checks nothing");
}

/// The `_ =>` arms of `match`es with a string-literal arm, as `(line number, arm text)`: the
/// arm's line and the lines up to the next arm at its indentation.
fn string_catch_alls(text: &str) -> Vec<(usize, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.trim_start().starts_with("_ =>") {
            continue;
        }
        let at = indent(line);
        // The arms above at the same indentation, back to the `match` line.
        let mut literal = false;
        let mut j = i;
        while j > 0 {
            j -= 1;
            let above = lines[j];
            if above.trim().is_empty() {
                continue;
            }
            if indent(above) < at {
                break;
            }
            let arm = above.trim_start();
            if indent(above) == at
                && (arm.starts_with('"') || arm.starts_with("Some(\"") || arm.starts_with("(\""))
            {
                literal = true;
            }
        }
        if !literal {
            continue;
        }
        let mut body = line.trim().to_string();
        for next in lines.iter().skip(i + 1) {
            if next.trim().is_empty() || indent(next) <= at {
                break;
            }
            body.push(' ');
            body.push_str(next.trim());
        }
        let comment = if i > 0 && lines[i - 1].trim_start().starts_with("//") {
            lines[i - 1].trim().to_string()
        } else {
            String::new()
        };
        out.push((i + 1, body, comment));
    }
    out
}

#[test]
fn text_matched_against_a_list_never_falls_to_a_silent_default() {
    // A value read from a user's text (an option, a form field, a table's column) and matched
    // against literals must end in an error or `None` for its caller to refuse, or say on the
    // line above why any other text has a meaning. A silent `_ =>` default is how two lists of
    // the same choices drift apart unnoticed.
    let refuses = |body: &str| {
        ["Err(", "bail!", "None", "anyhow!", "error("]
            .iter()
            .any(|word| body.contains(word))
    };
    let mut seen = 0;
    let mut silent = Vec::new();
    for (file, text) in sources() {
        // Tests match their own fixtures, not a user's text.
        if file.components().any(|c| c.as_os_str() == "tests") {
            continue;
        }
        for (line, body, comment) in string_catch_alls(&text) {
            seen += 1;
            if !refuses(&body) && comment.is_empty() {
                silent.push(format!("{}:{line}: {body}", file.display()));
            }
        }
    }
    assert!(
        seen > 0,
        "the check found no string match at all, so it checks nothing"
    );
    assert!(
        silent.is_empty(),
        "silent defaults on matched text (use a ValueEnum or serde enum, return an error, or \
         say why on the line above):\n{}",
        silent.join("\n")
    );
}

#[test]
fn the_catch_all_check_sees_what_it_is_meant_to_see() {
    let text = "fn f(s: &str) -> u8 {\n    match s {\n        \"a\" => 1,\n        _ => 2,\n    }\n}\n\
                fn g(n: u8) -> u8 {\n    match n {\n        1 => 1,\n        _ => 2,\n    }\n}\n";
    let found = string_catch_alls(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 4);
    assert_eq!(found[0].1, "_ => 2,");
}
