//! `levelfield profile`, `check`, `synth` and `cluster`: the spec is read, the engine
//! aggregates the source (here or on a cluster), the profile crate computes and protects, and
//! the tables are written into the output folder all at once.

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    time::Duration,
};

use indicatif::{ProgressBar, ProgressStyle};
use levelfield_engine::pipeline::{self, STAGES};
use levelfield_profile::{ProfileError, Spec, output};
use levelfield_table::{Format, write};
use rayon::prelude::*;

use crate::{
    CommandError,
    args::{CheckArgs, ClusterCommand, ProfileArgs, SynthArgs},
};

impl From<ProfileError> for CommandError {
    fn from(e: ProfileError) -> CommandError {
        CommandError::Input(e.to_string())
    }
}

impl From<levelfield_engine::EngineError> for CommandError {
    fn from(e: levelfield_engine::EngineError) -> CommandError {
        match e {
            levelfield_engine::EngineError::Cluster(_) => CommandError::Failed(e.to_string()),
            e => CommandError::Input(e.to_string()),
        }
    }
}

fn load_spec(name: &str, data: Option<&Path>) -> Result<Spec, CommandError> {
    let path = Path::new(name);
    if path.is_file() {
        if let Some(dir) = data {
            return Err(CommandError::Input(format!(
                "--data {}: a spec file names its own data files (paths relative to {name}), so --data would be ignored; it is only for the built-in specs (pcref, triple-barrier). Drop --data, or edit the paths in the spec",
                dir.display()
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| CommandError::Input(format!("{name}: cannot be read: {e}")))?;
        let base = path.parent().unwrap_or(Path::new("."));
        return Ok(Spec::parse(&text, name, base)?);
    }
    if name.ends_with(".toml") {
        return Err(CommandError::Input(format!(
            "{name}: no such spec file; give the path of a TOML spec or a built-in name (pcref, triple-barrier)"
        )));
    }
    Ok(Spec::builtin(name, data.unwrap_or(Path::new(".")))?)
}

fn progress(quiet: bool, stages: u64) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(stages);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{pos}/{len}] {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// `levelfield profile`.
pub(crate) fn run(args: &ProfileArgs) -> Result<(), CommandError> {
    let bar = progress(args.quiet, u64::from(STAGES) + 1);
    let mut spec = load_spec(&args.spec, args.data.as_deref())?;
    let (mut inputs, outputs) = crate::guard::paths(&crate::Command::Profile(args.clone()));
    inputs.extend(crate::guard::spec_inputs(&mut spec));
    crate::guard::check(&inputs, &outputs)?;
    if let Some(pool) = args.pool {
        spec.periods.pool = pool.into();
    }
    if let Some(url) = &args.cluster {
        levelfield_profile::spec::Execution::cluster_address(url)
            .map_err(|e| CommandError::Input(e.replace("[execution] cluster", "--cluster")))?;
        spec.execution.cluster = Some(url.clone());
    }
    let run = pipeline::run(&spec, &mut |stage| {
        bar.set_position(u64::from(stage.index()));
        bar.set_message(stage.label());
    })?;
    let profile = &run.profile;
    bar.set_position(u64::from(STAGES));
    bar.set_message("writing");
    let writing = std::time::Instant::now();
    let tables = output::tables(&spec, profile);
    let mut formats = vec![Format::Csv];
    for &f in &args.format {
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let fingertips = args
        .fingertips_csv
        .then(|| output::fingertips(&spec, profile));
    let meta = levelfield_report::Meta::for_profile(&spec, profile);
    let report = if args.report {
        bar.set_message("rendering the report");
        let data = levelfield_report::ProfileData::from_tables(meta.clone(), &tables.tables)?;
        Some(crate::report::render(&data)?)
    } else {
        None
    };
    let meta = meta.to_json();
    write_folder(&args.out, |dir| {
        // Every table in every format is its own file: they are written on every core.
        let files: Vec<_> = tables
            .tables
            .iter()
            .flat_map(|(stem, table)| formats.iter().map(move |f| (*stem, table, *f)))
            .collect();
        files.into_par_iter().try_for_each(|(stem, table, f)| {
            let ext = match f {
                Format::Csv => "csv",
                Format::Parquet => "parquet",
                Format::Xlsx => "xlsx",
                Format::Json => "json",
            };
            write(table, &dir.join(format!("{stem}.{ext}")), Some(f))
        })?;
        if let Some(t) = &fingertips {
            write(t, &dir.join("fingertips.csv"), Some(Format::Csv))?;
        }
        levelfield_table::write_text(&dir.join(crate::report::META_FILE), &meta)?;
        if let Some((html, xlsx)) = &report {
            levelfield_table::write_text(&dir.join(crate::report::REPORT_FILE), html)?;
            levelfield_table::write_bytes(&dir.join(crate::report::WORKBOOK_FILE), xlsx)?;
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    if args.timings {
        for (stage, t) in &run.timings {
            eprintln!("levelfield: {}: {:.3} s", stage.label(), t.as_secs_f64());
        }
        eprintln!(
            "levelfield: writing: {:.3} s",
            writing.elapsed().as_secs_f64()
        );
    }
    if !args.quiet {
        let hidden = profile.estimates.iter().filter(|e| e.hidden).count();
        eprintln!(
            "levelfield: wrote {}: {} estimates, {} comparisons, {} inequality measures, {} trend points, {} data-quality rows from {} strata; {} estimate(s) suppressed under {}",
            args.out.display(),
            profile.estimates.len(),
            profile.comparisons.len(),
            profile.inequality.len(),
            profile.trends.len(),
            profile.quality.len(),
            run.strata,
            hidden,
            profile.rule
        );
        for d in &profile.diagnostics {
            eprintln!("levelfield: note: {}", d.message);
        }
    }
    Ok(())
}

/// Writes into a fresh sibling folder, then swaps it into place, so `out` is either the old
/// folder or the complete new one — never half-written.
pub(crate) fn write_folder(
    out: &Path,
    fill: impl FnOnce(&Path) -> Result<(), levelfield_table::TableError>,
) -> Result<(), CommandError> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        CommandError::Input(format!("{}: cannot {what}: {e}", p.display()))
    };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io("create the folder", &parent, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "profile".into());
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).map_err(|e| io("create the folder", &tmp, e))?;
    if let Err(e) = fill(&tmp) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(CommandError::Write(e));
    }
    if out.exists() {
        if !out.is_dir() {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(CommandError::Input(format!(
                "{}: exists and is not a folder; give --out a folder path",
                out.display()
            )));
        }
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(out, &old).map_err(|e| io("replace", out, e))?;
        if let Err(e) = std::fs::rename(&tmp, out) {
            let _ = std::fs::rename(&old, out);
            return Err(io("replace", out, e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp, out).map_err(|e| io("create", out, e))?;
    }
    Ok(())
}

/// `levelfield check`.
pub(crate) fn check(args: &CheckArgs) -> Result<(), CommandError> {
    let spec = load_spec(&args.spec, args.data.as_deref())?;
    let (layout, strata, population) = pipeline::prepare(&spec, &mut |_| {})?;
    let profile =
        levelfield_profile::compute::compute(&spec, &layout, &strata, population.as_ref())?;
    println!(
        "{}: no problems that stop a profile: {} strata, {} periods, {} areas, {} estimates",
        args.spec,
        strata.len(),
        profile.periods.len(),
        profile.areas.len(),
        profile.estimates.len()
    );
    for d in &profile.diagnostics {
        println!("note: {}", d.message);
    }
    Ok(())
}

/// `levelfield synth`.
pub(crate) fn synth(args: &SynthArgs) -> Result<(), CommandError> {
    if args.areas == 0 || args.rows == 0 {
        return Err(CommandError::Input(
            "--rows and --areas must be at least 1".into(),
        ));
    }
    let options = levelfield_synth::Options {
        rows: args.rows,
        seed: args.seed,
        areas: args.areas,
        csv: args.csv,
        files: usize::from(args.files),
    };
    levelfield_synth::generate(&options, &args.out)
        .map_err(|e| CommandError::Input(e.to_string()))?;
    Ok(())
}

/// `levelfield cluster scheduler|executor`: Ballista's scheduler or executor in this process,
/// until it is stopped.
pub(crate) fn cluster(command: &ClusterCommand) -> Result<(), CommandError> {
    use levelfield_engine::cluster;
    #[cfg(feature = "distributed")]
    cluster_log::init();
    match command {
        ClusterCommand::Scheduler(a) => cluster::scheduler(&cluster::SchedulerOptions {
            bind: a.bind.clone(),
            port: a.port,
            external_host: a.external_host.clone(),
            executor_timeout_secs: a.executor_timeout,
        })?,
        ClusterCommand::Executor(a) => cluster::executor(&cluster::ExecutorOptions {
            scheduler: a.scheduler.clone(),
            bind: a.bind.clone(),
            external_host: a.external_host.clone(),
            port: a.port,
            concurrent_tasks: a.concurrent_tasks,
            work_dir: a.work_dir.clone(),
            memory_mb: a.memory_mb,
            heartbeat_secs: a.heartbeat,
        })?,
    }
    Ok(())
}

/// The scheduler's and executors' log on standard error: Ballista's own messages (jobs,
/// tasks, executors joining and lost) at `info` and above, everything else at `warn`;
/// `LEVELFIELD_LOG=debug` (or `warn`, `error`, `trace`) changes the level of Ballista's.
#[cfg(feature = "distributed")]
mod cluster_log {
    use log::{LevelFilter, Log, Metadata, Record};

    struct Stderr {
        ballista: LevelFilter,
    }

    impl Log for Stderr {
        fn enabled(&self, m: &Metadata) -> bool {
            let limit = if m.target().starts_with("ballista") {
                self.ballista
            } else {
                LevelFilter::Warn
            };
            m.level() <= limit
        }

        fn log(&self, r: &Record) {
            if self.enabled(r.metadata()) {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0.0, |d| d.as_secs_f64());
                eprintln!("{secs:.3} {} {}: {}", r.level(), r.target(), r.args());
            }
        }

        fn flush(&self) {}
    }

    pub(super) fn init() {
        let ballista = std::env::var("LEVELFIELD_LOG")
            .ok()
            .and_then(|v| v.parse::<LevelFilter>().ok())
            .unwrap_or(LevelFilter::Info);
        let logger = Box::leak(Box::new(Stderr { ballista }));
        if log::set_logger(logger).is_ok() {
            log::set_max_level(ballista.max(LevelFilter::Warn));
        }
    }
}
