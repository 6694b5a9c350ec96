//! The one check every command passes before it reads anything: no output may be one of the
//! command's inputs (by any spelling: `./x/../x/f.csv`, a symbolic or hard link), no output
//! folder may hold one, a file output must be a file path with a format we write, and a folder
//! that `profile` or `demo` would replace must hold only what levelfield writes (or `--force`).

use std::path::{Component, Path, PathBuf};

use levelfield_table::Format;

use crate::{
    CommandError,
    args::{Command, FunnelCommand, PlanCommand, StatsCommand},
};

/// Something a command reads.
pub(crate) enum Input {
    /// A file.
    File(PathBuf),
    /// A folder whose every file is read (a source of CSV or Parquet parts, a data folder).
    Tree(PathBuf),
}

/// Something a command writes.
pub(crate) enum Output {
    /// A table written in the format of its extension (or `format`, when given).
    Table(PathBuf, Option<Format>),
    /// A file of fixed content (an SVG chart, an HTML report, a workbook).
    File(PathBuf),
    /// A folder replaced whole; with `force`, even one that holds files levelfield did not
    /// write. `ours` says which entries levelfield writes there.
    Folder {
        path: PathBuf,
        force: bool,
        ours: fn(&str) -> bool,
    },
    /// A folder files are written into (nothing else in it is touched).
    Into(PathBuf),
}

/// The files a command reads and writes, as far as the command line says (a profile's spec
/// names more inputs: `profile` checks again with [`spec_inputs`] once the spec is read).
pub(crate) fn paths(command: &Command) -> (Vec<Input>, Vec<Output>) {
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    let mut common = |c: &crate::args::CommonArgs, inputs: &mut Vec<Input>| {
        inputs.push(Input::File(c.input.clone()));
        if let Some(o) = &c.output {
            outputs.push(Output::Table(o.clone(), c.format));
        }
    };
    let svg = |s: &Option<PathBuf>, outputs: &mut Vec<Output>| {
        if let Some(s) = s {
            outputs.push(Output::File(s.clone()));
        }
    };
    let mut extra_outputs = Vec::new();
    match command {
        Command::Stats(s) => match s {
            StatsCommand::Proportion(a) | StatsCommand::Rate(a) => common(&a.common, &mut inputs),
            StatsCommand::Mean(a) => common(&a.common, &mut inputs),
            StatsCommand::Dsr(a) => common(&a.common, &mut inputs),
            StatsCommand::Isratio(a) | StatsCommand::Israte(a) => {
                common(&a.common, &mut inputs);
                if let Some(t) = &a.observed_totals {
                    inputs.push(Input::File(t.clone()));
                }
            }
            StatsCommand::Quantile(a) => common(&a.common, &mut inputs),
            StatsCommand::LifeExpectancy(a) => common(&a.common, &mut inputs),
            StatsCommand::Sii(a) => common(&a.common, &mut inputs),
        },
        Command::Inequality(a) => common(&a.common, &mut inputs),
        Command::Compare(a) => common(&a.common, &mut inputs),
        Command::Benchmark(a) => common(&a.common, &mut inputs),
        Command::Suppress(a) => common(&a.common, &mut inputs),
        Command::Funnel(f) => match f {
            FunnelCommand::Limits(a)
            | FunnelCommand::Significance(a)
            | FunnelCommand::Points(a) => {
                common(&a.common, &mut inputs);
                svg(&a.svg, &mut extra_outputs);
            }
            FunnelCommand::Units(a) => {
                common(&a.common, &mut inputs);
                svg(&a.svg, &mut extra_outputs);
            }
        },
        Command::Spc(a) => {
            common(&a.common, &mut inputs);
            svg(&a.svg, &mut extra_outputs);
        }
        Command::Profile(a) => {
            if Path::new(&a.spec).is_file() {
                inputs.push(Input::File(PathBuf::from(&a.spec)));
            }
            outputs.push(Output::Folder {
                path: a.out.clone(),
                force: a.force,
                ours: profile_entry,
            });
        }
        Command::Check(_) => {}
        Command::Synth(a) => outputs.push(Output::Into(a.out.clone())),
        Command::Report(a) => {
            inputs.extend(profile_files(&a.profile, None));
            let out = a
                .out
                .clone()
                .unwrap_or_else(|| a.profile.join(crate::report::REPORT_FILE));
            outputs.push(Output::File(out.with_extension("xlsx")));
            outputs.push(Output::File(out));
        }
        Command::Associate(a) => {
            // Re-running into the documented place, DIR/associations.csv, replaces a table the
            // command itself wrote; the determinant and the other tables are inputs.
            inputs.extend(profile_files(&a.profile, Some("associations")));
            if let Some((file, _)) = a.determinant.rsplit_once(':') {
                inputs.push(Input::File(PathBuf::from(file)));
            }
            if let Some(o) = &a.out {
                outputs.push(Output::Table(o.clone(), None));
            }
            if let Some(o) = &a.points {
                outputs.push(Output::Table(o.clone(), None));
            }
            svg(&a.svg, &mut extra_outputs);
        }
        Command::Sensitivity(a) => {
            inputs.extend(profile_files(&a.profile, None));
            inputs.push(Input::File(a.assumptions.clone()));
            if let Some(o) = &a.out {
                outputs.push(Output::Table(o.clone(), None));
            }
        }
        Command::Plan(PlanCommand::Assess(a)) => {
            inputs.extend(profile_files(&a.profile, Some("plan_assessment")));
            inputs.push(Input::File(a.plan.clone()));
            if let Some(o) = &a.out {
                outputs.push(Output::Table(o.clone(), None));
            }
        }
        Command::Plan(PlanCommand::Template) => {}
        Command::Demo(a) => outputs.push(Output::Folder {
            path: a.out.clone(),
            force: a.force,
            ours: demo_entry,
        }),
        Command::Serve(_) | Command::Admin(_) | Command::Cluster(_) => {}
    }
    outputs.extend(extra_outputs);
    (inputs, outputs)
}

/// The files a spec reads: its sources (a file, or a folder of parts), area names and LSOA
/// lookup.
pub(crate) fn spec_inputs(spec: &mut levelfield_profile::Spec) -> Vec<Input> {
    spec.files_mut()
        .into_iter()
        .map(|(_, p)| {
            if p.is_dir() {
                Input::Tree(p.clone())
            } else {
                Input::File(p.clone())
            }
        })
        .collect()
}

/// Refuses (exit code 2, before any work) a scale that is not a positive number: `--multiplier
/// -1` is a value, read and refused here with its option's name, not an unknown option. (The
/// slope index's multiplier may be negative: it flips the sign.)
pub(crate) fn check_options(command: &Command) -> Result<(), CommandError> {
    let multiplier = match command {
        Command::Stats(StatsCommand::Proportion(a) | StatsCommand::Rate(a)) => a.multiplier,
        Command::Stats(StatsCommand::Dsr(a)) => Some(a.multiplier),
        Command::Stats(StatsCommand::Isratio(a) | StatsCommand::Israte(a)) => a.multiplier,
        Command::Funnel(
            FunnelCommand::Limits(a) | FunnelCommand::Significance(a) | FunnelCommand::Points(a),
        ) => Some(a.multiplier),
        Command::Compare(a) => a.multiplier,
        _ => None,
    };
    match multiplier {
        Some(m) if !(m > 0.0 && m.is_finite()) => Err(CommandError::Input(format!(
            "--multiplier {m}: the scale must be a positive number, e.g. 100 for a percentage or 100000 for a rate per 100,000"
        ))),
        _ => Ok(()),
    }
}

/// The files of a profile folder that the report, plans, sensitivity and associations read:
/// its tables in every format and `profile.json` (`except` a table the command writes itself).
fn profile_files(dir: &Path, except: Option<&str>) -> Vec<Input> {
    let mut out = vec![Input::File(dir.join(crate::report::META_FILE))];
    for stem in levelfield_report::data::TABLES {
        if Some(stem) == except {
            continue;
        }
        for ext in ["csv", "parquet", "xlsx"] {
            out.push(Input::File(dir.join(format!("{stem}.{ext}"))));
        }
    }
    out
}

/// The entries `levelfield profile` writes into its folder.
fn profile_entry(name: &str) -> bool {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    // The tables a report reads, and every table a profile writes (its audit too).
    let table = levelfield_report::data::TABLES
        .iter()
        .chain(&levelfield_profile::output::STEMS)
        .chain(&["fingertips"])
        .any(|s| *s == stem)
        && matches!(ext, "csv" | "parquet" | "xlsx" | "json");
    table
        || [
            crate::report::META_FILE,
            crate::report::REPORT_FILE,
            crate::report::WORKBOOK_FILE,
        ]
        .contains(&name)
}

/// The entries `levelfield demo` writes into its folder.
fn demo_entry(name: &str) -> bool {
    [
        "tables",
        crate::report::REPORT_FILE,
        crate::report::WORKBOOK_FILE,
    ]
    .contains(&name)
}

/// Refuses (exit code 2) a run that would write over one of its inputs, into a folder holding
/// one, to a path that is a folder or has no format we write, or that would replace a folder
/// holding files levelfield did not write (unless forced). Reads nothing but the file system's
/// names and metadata.
pub(crate) fn check(inputs: &[Input], outputs: &[Output]) -> Result<(), CommandError> {
    let refuse = |m: String| Err(CommandError::Input(m));
    for out in outputs {
        match out {
            Output::Table(path, format) => {
                file_path(path)?;
                if format.is_none() {
                    Format::from_path(path).map_err(|_| {
                        CommandError::Input(format!(
                            "{}: unknown output file type; give a .csv, .parquet, .xlsx or .json file (or --format)",
                            path.display()
                        ))
                    })?;
                }
            }
            Output::File(path) => file_path(path)?,
            Output::Folder { path, .. } | Output::Into(path) => {
                if path.exists() && !path.is_dir() {
                    return refuse(format!(
                        "{}: exists and is not a folder; give --out a folder path",
                        path.display()
                    ));
                }
            }
        }
        for input in inputs {
            let (target, is_folder) = match out {
                Output::Table(p, _) | Output::File(p) => (p, false),
                Output::Folder { path, .. } | Output::Into(path) => (path, true),
            };
            let clash = match input {
                Input::File(i) => {
                    same(i, target)
                        || (is_folder && matches!(out, Output::Folder { .. }) && inside(i, target))
                }
                Input::Tree(i) => {
                    same(i, target) || inside(target, i) || (is_folder && inside(i, target))
                }
            };
            if clash {
                let (Input::File(i) | Input::Tree(i)) = input;
                return refuse(format!(
                    "{}: this output would {} the input {}; write the results somewhere else",
                    target.display(),
                    if is_folder {
                        "replace or hold"
                    } else {
                        "overwrite"
                    },
                    i.display()
                ));
            }
        }
        if let Output::Folder { path, force, ours } = out
            && !force
            && let Ok(entries) = std::fs::read_dir(path)
        {
            let foreign: Vec<String> = entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !ours(n))
                .collect();
            if !foreign.is_empty() {
                let mut shown = foreign.clone();
                shown.sort();
                shown.truncate(5);
                return refuse(format!(
                    "{}: the folder holds files levelfield did not write ({}{}), and the run replaces the whole folder; give --out a new or empty folder, or add --force to replace it",
                    path.display(),
                    shown.join(", "),
                    if foreign.len() > 5 { ", …" } else { "" }
                ));
            }
        }
    }
    // Two outputs of one run at one path would leave only one of them.
    for (k, a) in outputs.iter().enumerate() {
        for b in &outputs[..k] {
            let (pa, pb) = (out_path(a), out_path(b));
            if same(pa, pb) || resolved(pa).is_some_and(|r| Some(r) == resolved(pb)) {
                return refuse(format!(
                    "{}: two outputs of this run have the same path; give each its own",
                    pa.display()
                ));
            }
        }
    }
    Ok(())
}

fn out_path(o: &Output) -> &Path {
    match o {
        Output::Table(p, _) | Output::File(p) => p,
        Output::Folder { path, .. } | Output::Into(path) => path,
    }
}

/// A file output must not be a folder or end in a separator.
fn file_path(path: &Path) -> Result<(), CommandError> {
    if path.is_dir()
        || path
            .as_os_str()
            .to_string_lossy()
            .ends_with(std::path::MAIN_SEPARATOR)
    {
        return Err(CommandError::Input(format!(
            "{}: is a folder; give a file path for this output",
            path.display()
        )));
    }
    Ok(())
}

/// True when `a` and `b` are the same existing file or folder (whatever the spelling: links,
/// `..`, hard links).
fn same(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                x.dev() == y.dev() && x.ino() == y.ino()
            }
            #[cfg(not(unix))]
            {
                let _ = (x, y);
                resolved(a) == resolved(b)
            }
        }
        _ => false,
    }
}

/// True when `path` lies strictly inside the folder `folder` (both as the file system resolves
/// them).
fn inside(path: &Path, folder: &Path) -> bool {
    let (Some(p), Some(f)) = (resolved(path), resolved(folder)) else {
        return false;
    };
    p != f && p.starts_with(&f)
}

/// The absolute path with every link and `..` resolved: the longest existing ancestor through
/// the file system, the rest lexically.
fn resolved(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return Some(lexical(&out));
        }
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?;
    }
}

/// `.` and `..` removed without asking the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_is_never_an_input_by_any_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let x = dir.path().join("x");
        std::fs::create_dir(&x).unwrap();
        let f = x.join("f.csv");
        std::fs::write(&f, "a\n1\n").unwrap();
        let input = [Input::File(f.clone())];
        let table = |p: PathBuf| [Output::Table(p, None)];
        assert!(check(&input, &table(f.clone())).is_err());
        assert!(check(&input, &table(x.join("../x/./f.csv"))).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&f, &link).unwrap();
            assert!(check(&input, &table(link)).is_err());
            let hard = dir.path().join("hard.csv");
            std::fs::hard_link(&f, &hard).unwrap();
            assert!(check(&input, &table(hard)).is_err());
        }
        assert!(check(&input, &table(x.join("g.csv"))).is_ok());
        let folder = |p: PathBuf| {
            [Output::Folder {
                path: p,
                force: true,
                ours: profile_entry,
            }]
        };
        assert!(check(&input, &folder(x.clone())).is_err());
        assert!(check(&input, &folder(dir.path().to_path_buf())).is_err());
        assert!(check(&input, &folder(dir.path().join("new"))).is_ok());
        assert!(check(&[Input::Tree(x.clone())], &table(x.join("out.csv"))).is_err());
        assert!(check(&input, &table(x.clone())).is_err());
        assert!(check(&input, &table(dir.path().join("out.docx"))).is_err());
    }

    #[test]
    fn a_folder_of_other_files_is_replaced_only_when_forced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("estimates.csv"), "x\n").unwrap();
        std::fs::write(out.join("profile.json"), "{}").unwrap();
        let folder = |force| {
            [Output::Folder {
                path: out.clone(),
                force,
                ours: profile_entry,
            }]
        };
        assert!(check(&[], &folder(false)).is_ok());
        std::fs::write(out.join("my notes.docx"), "x").unwrap();
        let err = check(&[], &folder(false)).unwrap_err().to_string();
        assert!(
            err.contains("my notes.docx") && err.contains("--force"),
            "{err}"
        );
        assert!(check(&[], &folder(true)).is_ok());
    }
}
