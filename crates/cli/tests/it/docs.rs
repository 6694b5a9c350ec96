//! Every command example in the README and `docs/*.md`, run as a reader would follow it, in
//! the order written, against the bundled data and a small synthetic extract: each must succeed.
//! The placeholders the docs use (`DIR`, `PROFILE_DIR`, `my.toml`, `deaths.csv`…) stand for
//! files made here first; the few examples that cannot run on one machine are listed by name
//! with the reason, so a new example is never skipped silently.

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::atomic::{AtomicUsize, Ordering},
};

use crate::support::{read_csv, run_ok};

/// Numbers the output folders the examples' placeholders stand for.
static NEXT_OUT: AtomicUsize = AtomicUsize::new(0);

/// One example: where it is written and the command line.
#[derive(Debug)]
struct Example {
    at: String,
    command: String,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Command lines in fenced blocks (with `\` continuations and `#` comments) and in inline
/// code spans that give options; syntax summaries (`a|b`, `<command>`) are not examples.
fn examples(name: &str, text: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut fenced = false;
    let mut pending: Option<(usize, String)> = None;
    for (k, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            continue;
        }
        let line = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        }
        .trim();
        let (start, mut command) = match pending.take() {
            Some((start, so_far)) => (start, format!("{so_far} {line}")),
            None if line.starts_with("levelfield ")
                || line.starts_with("cargo run -p levelfield -- ") =>
            {
                (k + 1, line.to_string())
            }
            None => continue,
        };
        if command.ends_with('\\') {
            command.pop();
            pending = Some((start, command.trim().to_string()));
            continue;
        }
        out.push(Example {
            at: format!("{name}:{start}"),
            command,
        });
    }
    // Inline spans, which may wrap across lines.
    let flat = text.replace('\n', " ");
    let mut rest = flat.as_str();
    while let Some(i) = rest.find("`levelfield ") {
        let span = &rest[i + 1..];
        let Some(end) = span.find('`') else { break };
        let command = span[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        rest = &span[end + 1..];
        // A command with options or a redirection; a bare name (`levelfield spc`) only
        // names a command.
        if (command.contains(" --") || command.contains(" > ")) && !command.contains(['|', '<']) {
            out.push(Example {
                at: format!("{name} (inline)"),
                command,
            });
        }
    }
    out
}

/// Why an example is not run here, if it is one of the few that cannot be.
fn not_run(command: &str) -> Option<&'static str> {
    if command.starts_with("levelfield serve") {
        Some("a server that runs until stopped: the web app's tests start it")
    } else if command.contains("sched.example") {
        Some("a cluster on other machines: the cluster tests run one on loopback")
    } else if command.starts_with("cargo build") {
        Some("a release build")
    } else {
        None
    }
}

/// The command's words with the docs' placeholders replaced by the files made for them.
fn resolve(words: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (k, w) in words.iter().enumerate() {
        let before = if k > 0 { words[k - 1] } else { "" };
        let word = match (before, *w) {
            ("--data", "DIR") => "synth".to_string(),
            ("--profile", "DIR" | "PROFILE_DIR") => "prof".to_string(),
            // A new folder per example, as a reader following the docs would use.
            ("--out", "DIR" | "P" | "OUT") => {
                format!("out-{}", NEXT_OUT.fetch_add(1, Ordering::Relaxed))
            }
            ("--spec", "FILE" | "S" | "SPEC") => "my.toml".to_string(),
            ("--files", "N") => "2".to_string(),
            // A million rows make the example slow, not different.
            ("--rows", "1000000") => "20000".to_string(),
            (_, w) => w.replace("PROFILE_DIR/", "prof/"),
        };
        out.push(word);
    }
    out
}

/// Runs one command line (`a && b`, `a > file`) in `dir`; the error output if it failed.
fn run(dir: &Path, line: &str) -> Result<(), String> {
    for part in line.split(" && ") {
        let (part, into) = match part.split_once(" > ") {
            Some((p, f)) => (p, Some(f.trim())),
            None => (part, None),
        };
        let words: Vec<&str> = part.split_whitespace().collect();
        let words = match words.as_slice() {
            ["cargo", "run", "-p", "levelfield", "--", rest @ ..] => rest.to_vec(),
            ["levelfield", rest @ ..] => rest.to_vec(),
            _ => return Err(format!("not a levelfield command: {part}")),
        };
        let mut args = resolve(&words);
        // `synth` makes a million rows by default: slow, not different.
        if args.first().is_some_and(|a| a == "synth") && !args.iter().any(|a| a == "--rows") {
            args.extend(["--rows".to_string(), "20000".to_string()]);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_levelfield"))
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        // `admin create-user` reads the password from standard input when it is not a terminal.
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"a long enough password\n")
            .map_err(|e| e.to_string())?;
        let o = child.wait_with_output().map_err(|e| e.to_string())?;
        if !o.status.success() {
            return Err(format!(
                "levelfield {}: exit {:?}: {}",
                args.join(" "),
                o.status.code(),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        if let Some(file) = into {
            fs::write(dir.join(file), &o.stdout).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The working folder a reader would have: the repository's `data/`, a synthetic extract
/// (`synth/`), its `pcref` profile (`prof/`), a spec over the extract (`my.toml`), and the
/// input files the examples name.
fn workspace(dir: &Path) {
    let data = dir.join("data");
    fs::create_dir(&data).unwrap();
    for entry in fs::read_dir(repo().join("data")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, data.join(path.file_name().unwrap())).unwrap();
        }
    }
    let synth = dir.join("synth");
    run_ok(&[
        "synth",
        "--rows",
        "20000",
        "--seed",
        "7",
        "--out",
        synth.to_str().unwrap(),
    ]);
    let prof = dir.join("prof");
    run_ok(&[
        "profile",
        "--spec",
        "pcref",
        "--data",
        synth.to_str().unwrap(),
        "--out",
        prof.to_str().unwrap(),
        "--quiet",
    ]);
    // A spec of one's own, over the extract.
    let spec = fs::read_to_string(synth.join("profile.toml")).unwrap();
    let spec = spec
        .replace(
            "path = \"events.parquet\"",
            "path = \"synth/events.parquet\"",
        )
        .replace(
            "path = \"population.csv\"",
            "path = \"synth/population.csv\"",
        );
    assert!(spec.contains("synth/events.parquet") && spec.contains("synth/population.csv"));
    fs::write(dir.join("my.toml"), spec).unwrap();
    // The assumptions of docs/HIDDEN-NEED.md, as written there.
    let hidden = fs::read_to_string(repo().join("docs/HIDDEN-NEED.md")).unwrap();
    let toml = hidden
        .split("```toml")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("HIDDEN-NEED.md has a TOML example");
    fs::write(dir.join("hidden.toml"), toml).unwrap();
    // A determinant for every area of the profile, as a Fingertips download.
    let areas: std::collections::BTreeSet<String> = read_csv(&prof.join("estimates.csv"))
        .into_iter()
        .map(|r| r["area_code"].clone())
        .collect();
    let mut fingertips = String::from("Area Code,Time period,Sex,Category Type,Value\n");
    for (k, a) in areas.iter().enumerate() {
        fingertips.push_str(&format!("{a},2024,Persons,,{}\n", 10.0 + 3.0 * k as f64));
    }
    fs::write(dir.join("fingertips.csv"), fingertips).unwrap();
    // Deaths by area, sex and the 19 ESP2013 age bands.
    let mut deaths = String::from("area,sex,esp_band,deaths,population\n");
    for area in ["A", "B"] {
        for sex in ["Male", "Female"] {
            for band in 1..=19 {
                deaths.push_str(&format!(
                    "{area},{sex},{band},{},{}\n",
                    band * 3 + 1,
                    5000 + band * 10
                ));
            }
        }
    }
    fs::write(dir.join("deaths.csv"), deaths).unwrap();
}

#[test]
fn every_command_example_in_the_docs_runs() {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut all = Vec::new();
    for f in &files {
        let name = f.strip_prefix(repo()).unwrap_or(f).display().to_string();
        all.extend(examples(&name, &fs::read_to_string(f).unwrap()));
    }
    assert!(all.len() >= 20, "found only {} examples", all.len());
    let tmp = tempfile::tempdir().unwrap();
    workspace(tmp.path());
    let mut failures = Vec::new();
    let mut ran = 0;
    for e in &all {
        if not_run(&e.command).is_some() {
            continue;
        }
        ran += 1;
        if let Err(err) = run(tmp.path(), &e.command) {
            failures.push(format!("{}: {}\n  {err}", e.at, e.command));
        }
    }
    assert!(ran >= 15, "ran only {ran} examples");
    assert!(
        failures.is_empty(),
        "{} of {ran} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn examples_are_found_in_blocks_and_inline() {
    let text = "Run `levelfield check --spec my.toml`, not `levelfield spc` or `levelfield a|b --x`; `levelfield plan template > p.toml`.\n```sh\nlevelfield stats rate --input a.csv \\\n  --numerator x   # a comment\ncargo build --release\n```\n";
    let found: Vec<String> = examples("T.md", text)
        .into_iter()
        .map(|e| e.command)
        .collect();
    assert_eq!(
        found,
        [
            "levelfield stats rate --input a.csv --numerator x",
            "levelfield check --spec my.toml",
            "levelfield plan template > p.toml"
        ]
    );
    assert!(not_run("levelfield serve --data-dir data").is_some());
    assert_eq!(
        resolve(&[
            "profile",
            "--spec",
            "S",
            "--data",
            "DIR",
            "--profile",
            "PROFILE_DIR"
        ]),
        [
            "profile",
            "--spec",
            "my.toml",
            "--data",
            "synth",
            "--profile",
            "prof"
        ]
    );
}
