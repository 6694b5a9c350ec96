//! `levelfield profile`, `check` and `synth`: the spec is read, the engine aggregates the
//! source, the profile crate computes and protects, and the tables are written into the output
//! folder all at once.

use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    time::Duration,
};

use indicatif::{ProgressBar, ProgressStyle};
use levelfield_profile::{
    ProfileError, Spec, output,
    plan::{Layout, plan},
    strata::{Population, Strata},
};
use levelfield_table::{Format, write};

use crate::{
    CommandError,
    args::{CheckArgs, ProfileArgs, SynthArgs},
};

impl From<ProfileError> for CommandError {
    fn from(e: ProfileError) -> CommandError {
        CommandError::Input(e.to_string())
    }
}

impl From<levelfield_engine::EngineError> for CommandError {
    fn from(e: levelfield_engine::EngineError) -> CommandError {
        CommandError::Input(e.to_string())
    }
}

fn load_spec(name: &str, data: Option<&Path>) -> Result<Spec, CommandError> {
    let path = Path::new(name);
    if path.is_file() {
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

/// Everything up to the computed profile.
fn prepare(
    spec: &Spec,
    bar: &ProgressBar,
    clock: &mut Clock,
) -> Result<(Layout, Strata, Option<Population>), CommandError> {
    let (source, _) = spec
        .numerator_source()
        .ok_or_else(|| CommandError::Input("the spec has no [events] or [counts]".into()))?;
    bar.set_message(format!("reading {}", source.path.display()));
    let columns = levelfield_engine::columns(&source.path)?;
    let (request, layout) = plan(spec, &columns)?;
    bar.inc(1);
    bar.set_message("aggregating to strata");
    let strata = levelfield_engine::aggregate(&request)?;
    clock.lap("aggregate");
    bar.inc(1);
    let population = match &spec.population {
        Some(p) => {
            bar.set_message(format!("reading {}", p.path.display()));
            let table = levelfield_table::read(&p.path)?;
            Some(Population::from_table(&table, &p.columns)?)
        }
        None => None,
    };
    clock.lap("read population");
    bar.inc(1);
    Ok((layout, strata, population))
}

/// Stage timings for `--timings`.
struct Clock {
    on: bool,
    last: std::time::Instant,
}

impl Clock {
    fn new(on: bool) -> Clock {
        Clock {
            on,
            last: std::time::Instant::now(),
        }
    }
    fn lap(&mut self, stage: &str) {
        let now = std::time::Instant::now();
        if self.on {
            eprintln!(
                "levelfield: {stage}: {:.3} s",
                (now - self.last).as_secs_f64()
            );
        }
        self.last = now;
    }
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
    let bar = progress(args.quiet, 6);
    let mut clock = Clock::new(args.timings);
    let spec = load_spec(&args.spec, args.data.as_deref())?;
    let (layout, strata, population) = prepare(&spec, &bar, &mut clock)?;
    bar.set_message("estimating, comparing, protecting");
    let mut profile =
        levelfield_profile::compute::compute(&spec, &layout, &strata, population.as_ref())?;
    clock.lap("estimate");
    levelfield_profile::disclose::protect(&spec, &mut profile)?;
    clock.lap("suppress");
    levelfield_profile::compute::derive(&spec, &mut profile);
    if let Some(names) = &spec.areas.names {
        levelfield_profile::name_areas(&mut profile, &levelfield_table::read(names)?)?;
    }
    clock.lap("compare, inequality, trends");
    bar.inc(1);
    bar.set_message("writing");
    let tables = output::tables(&spec, &profile);
    let mut formats = vec![Format::Csv];
    for f in &args.format {
        let f = Format::from_name(f).unwrap_or(Format::Csv);
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let fingertips = args
        .fingertips_csv
        .then(|| output::fingertips(&spec, &profile));
    let meta = profile_meta(&spec, &profile);
    let report = if args.report {
        bar.set_message("rendering the report");
        let data = levelfield_report::ProfileData::from_tables(meta.clone(), &tables.tables)?;
        Some(crate::report::render(&data)?)
    } else {
        None
    };
    let meta = meta.to_json();
    write_folder(&args.out, |dir| {
        for (stem, table) in &tables.tables {
            for f in &formats {
                let ext = match f {
                    Format::Csv => "csv",
                    Format::Parquet => "parquet",
                    Format::Xlsx => "xlsx",
                    Format::Json => "json",
                };
                write(table, &dir.join(format!("{stem}.{ext}")), Some(*f))?;
            }
        }
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
    clock.lap("write");
    bar.inc(1);
    bar.finish_and_clear();
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
            strata.len(),
            hidden,
            profile.rule
        );
        for d in &profile.diagnostics {
            eprintln!("levelfield: note: {}", d.message);
        }
    }
    Ok(())
}

/// What `profile.json` says about a profile run, for the report.
fn profile_meta(
    spec: &Spec,
    profile: &levelfield_profile::compute::Profile,
) -> levelfield_report::Meta {
    use levelfield_profile::spec::{PolaritySpec, Statistic};
    let indicators = spec
        .indicators
        .iter()
        .map(|i| {
            let m = i.multiplier();
            let unit = match i.statistic {
                Statistic::Proportion if m == 100.0 => "%".to_string(),
                Statistic::Isr if m == 100.0 => "ratio × 100 (100 = as expected)".to_string(),
                Statistic::Mean => "mean".to_string(),
                _ => format!("per {}", levelfield_report::fmt::fixed(m, 0)),
            };
            levelfield_report::IndicatorMeta {
                id: i.id.clone(),
                name: i.name.clone(),
                unit,
                polarity: match i.polarity {
                    PolaritySpec::LowIsGood => "adverse",
                    PolaritySpec::HighIsGood => "favourable",
                    PolaritySpec::None => "neutral",
                }
                .into(),
                definition: format!("{} ({}).", i.name, i.statistic.label()),
            }
        })
        .collect();
    let (first, last) = (
        profile.periods.first().cloned().unwrap_or_default(),
        profile.periods.last().cloned().unwrap_or_default(),
    );
    levelfield_report::Meta {
        title: spec.name.clone(),
        subtitle: format!(
            "{} {} area(s), {first} to {last}",
            profile.areas.len(),
            spec.areas.area_type
        ),
        comparator_code: spec.areas.total_code.clone(),
        comparator_name: spec.areas.total_name.clone(),
        area_type: spec.areas.area_type.clone(),
        focus_area: None,
        disclosure: format!(
            "{}. Values, intervals, comparisons and benchmarks of a suppressed count are withheld with it; inequality measures and trends use published groups only.",
            profile.rule
        ),
        indicators,
        methods: vec![
            "Proportions have Wilson score intervals; crude rates exact Poisson (Byar) intervals; directly standardised rates Dobson's method; comparisons with the reference group the exact conditional rate ratio or Newcombe's difference; inequality measures follow WHO HEAT and PHEindicatormethods; trends are XmR charts with NHS England's Making Data Count rules. The method of each figure is in its table.".into(),
        ],
        caveats: profile.diagnostics.iter().map(|d| d.message.clone()).collect(),
        sources: spec
            .numerator_source()
            .map(|(s, _)| levelfield_report::SourceMeta {
                id: "data".into(),
                title: "Record-level or count data given to the profile".into(),
                url: s.path.display().to_string(),
                licence: String::new(),
            })
            .into_iter()
            .collect(),
        attribution: Vec::new(),
    }
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
    let (layout, strata, population) =
        prepare(&spec, &ProgressBar::hidden(), &mut Clock::new(false))?;
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
    };
    levelfield_synth::generate(&options, &args.out)
        .map_err(|e| CommandError::Input(e.to_string()))?;
    Ok(())
}
