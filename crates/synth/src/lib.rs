//! Synthetic record-level data: one row per person in contact with mental health services per
//! quarter, with NHS ethnic category codes, ages, sexes and IMD deciles, and indicator flags
//! whose rates by group follow the disparities NHS England publishes; plus the matching
//! population table and a profile spec that runs on both.
//!
//! The data is invented: no row describes a real person or a real area. Group rates are set
//! from the published 2023-24 Mental Health Act figures by ethnicity (detentions per 100,000:
//! White 69.5, Mixed 115.9, Asian 79.9, Black 239, Other 130.6; CTOs 6.9, 16.7, 10.4, 47.1,
//! 17.6), with a deprivation gradient; the generator is deterministic for a seed.

#![deny(missing_docs)]

use std::{fs::File, io::Write, path::Path, sync::Arc};

use arrow_array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch,
    builder::{Float64Builder, Int64Builder, StringBuilder},
};
use arrow_schema::{DataType, Field, Schema};
use parquet::{arrow::ArrowWriter, basic::Compression, file::properties::WriterProperties};
use rand_xoshiro::{
    Xoshiro256PlusPlus,
    rand_core::{Rng, SeedableRng},
};

/// Why synthetic data could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// Writing a file failed.
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
}

/// Options of [`generate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Number of event rows.
    pub rows: u64,
    /// Seed of the random stream.
    pub seed: u64,
    /// Number of areas.
    pub areas: usize,
    /// Write the events as CSV instead of Parquet.
    pub csv: bool,
    /// Split the events into this many files of about equal size, in the folder `events/`
    /// (as a cluster's executors read them); 1 writes a single `events.parquet`. The rows are
    /// the same, in the same order, whatever the split.
    pub files: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            rows: 1_000_000,
            seed: 7,
            areas: 20,
            csv: false,
            files: 1,
        }
    }
}

/// The quarters generated.
pub const PERIODS: [&str; 12] = [
    "2022-23 Q1",
    "2022-23 Q2",
    "2022-23 Q3",
    "2022-23 Q4",
    "2023-24 Q1",
    "2023-24 Q2",
    "2023-24 Q3",
    "2023-24 Q4",
    "2024-25 Q1",
    "2024-25 Q2",
    "2024-25 Q3",
    "2024-25 Q4",
];

const BROAD: [&str; 5] = [
    "White",
    "Mixed",
    "Asian or Asian British",
    "Black or Black British",
    "Other Ethnic Groups",
];
/// England's broad-group shares (Census 2021, rounded), White first.
const ENGLAND_SHARE: [f64; 5] = [0.81, 0.03, 0.096, 0.042, 0.022];
/// NHS codes within each broad group, with shares.
const CODES: [&[(&str, f64)]; 5] = [
    &[("A", 0.80), ("B", 0.02), ("C", 0.18)],
    &[("D", 0.30), ("E", 0.15), ("F", 0.30), ("G", 0.25)],
    &[("H", 0.35), ("J", 0.30), ("K", 0.12), ("L", 0.23)],
    &[("M", 0.30), ("N", 0.55), ("P", 0.15)],
    &[("R", 0.25), ("S", 0.75)],
];
/// Relative rate of contact with services by broad group.
const CONTACT_RR: [f64; 5] = [1.0, 1.3, 0.8, 1.5, 1.1];
/// Published detentions per 100,000 a year (MHA 2023-24), by broad group.
const DETENTIONS: [f64; 5] = [69.5, 115.9, 79.9, 239.0, 130.6];
/// Published CTO uses per 100,000 a year (MHA 2023-24), by broad group.
const CTOS: [f64; 5] = [6.9, 16.7, 10.4, 47.1, 17.6];
/// Restraint of inpatients, relative to White.
const RESTRAINT_RR: [f64; 5] = [1.0, 1.3, 1.0, 1.6, 1.1];
/// Talking-therapies recovery among those finishing treatment.
const RECOVERY: [f64; 5] = [0.50, 0.46, 0.45, 0.44, 0.45];
/// Quarterly contact rate of the White group at decile 10.
const BASE_CONTACT: f64 = 0.02;
/// ESP2013 age structure, used as every area's age structure (bands 0–4 … 90+).
const AGE_SHARE: [f64; 19] = [
    5000.0, 5500.0, 5500.0, 5500.0, 6000.0, 6000.0, 6500.0, 7000.0, 7000.0, 7000.0, 7000.0, 6500.0,
    6000.0, 5500.0, 5000.0, 4000.0, 2500.0, 1500.0, 1000.0,
];
const AGE_LABELS: [&str; 19] = [
    "0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
    "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
];

struct Random(Xoshiro256PlusPlus);

impl Random {
    fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
    fn pick(&mut self, cumulative: &[f64]) -> usize {
        let u = self.uniform() * cumulative[cumulative.len() - 1];
        cumulative
            .partition_point(|c| *c <= u)
            .min(cumulative.len() - 1)
    }
}

fn age_rr(band: usize) -> f64 {
    match band {
        0..=2 => 0.4,
        3 => 1.0,
        4..=12 => 1.2,
        _ => 0.7,
    }
}

fn imd_rr(decile: usize) -> f64 {
    // Decile 1 (most deprived) 1.8 down to decile 10 1.0.
    1.8 - 0.8 * (decile as f64 - 1.0) / 9.0
}

/// One population cell: area × broad group × age band × sex × decile.
struct Cell {
    area: usize,
    group: usize,
    age: usize,
    sex: usize,
    decile: usize,
    population: f64,
    weight: f64,
}

fn cells(options: &Options, rng: &mut Random) -> Vec<Cell> {
    let mut out = Vec::new();
    for area in 0..options.areas {
        let size = 0.5 + rng.uniform();
        let white = 0.60 + 0.35 * rng.uniform();
        let rest: f64 = ENGLAND_SHARE[1..].iter().sum();
        let mut shares = [white, 0.0, 0.0, 0.0, 0.0];
        for g in 1..5 {
            shares[g] = (1.0 - white) * ENGLAND_SHARE[g] / rest * (0.7 + 0.6 * rng.uniform());
        }
        let total: f64 = shares.iter().sum();
        let deprivation = rng.uniform();
        let deciles: Vec<f64> = (1..=10)
            .map(|d| (-((d as f64 - 1.0 - 9.0 * (1.0 - deprivation)).powi(2)) / 12.0).exp())
            .collect();
        let dsum: f64 = deciles.iter().sum();
        let asum: f64 = AGE_SHARE.iter().sum();
        for (group, share) in shares.iter().enumerate() {
            for (age, a) in AGE_SHARE.iter().enumerate() {
                for sex in 0..2 {
                    for (decile, d) in deciles.iter().enumerate() {
                        let population = size * share / total * a / asum * 0.5 * d / dsum;
                        let weight =
                            population * CONTACT_RR[group] * age_rr(age) * imd_rr(decile + 1);
                        out.push(Cell {
                            area,
                            group,
                            age,
                            sex,
                            decile: decile + 1,
                            population,
                            weight,
                        });
                    }
                }
            }
        }
    }
    // Scale populations so that the expected rows per quarter match the rows asked for.
    let weight: f64 = out.iter().map(|c| c.weight).sum();
    let per_quarter = options.rows as f64 / PERIODS.len() as f64;
    let scale = per_quarter / (BASE_CONTACT * weight);
    for c in &mut out {
        c.population = (c.population * scale).round().max(1.0);
    }
    out
}

/// The area code of area `i` (invented codes that cannot be mistaken for ONS codes).
pub fn area_code(i: usize) -> String {
    format!("SYN{:03}", i + 1)
}

/// Writes `events.parquet` (or `events.csv`, or the folder `events/` of
/// [`Options::files`] parts), `population.csv` and `profile.toml` into `dir`.
///
/// # Errors
/// [`SynthError::Write`] naming the file that could not be written.
pub fn generate(options: &Options, dir: &Path) -> Result<(), SynthError> {
    let err = |path: &Path, e: &dyn std::fmt::Display| SynthError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| err(dir, &e))?;
    let mut rng = Random(Xoshiro256PlusPlus::seed_from_u64(options.seed));
    let cells = cells(options, &mut rng);

    // Population: the same in every quarter.
    let pop_path = dir.join("population.csv");
    let mut text =
        String::from("period,area_code,ethnic_group,age_band,sex,imd_decile,population\n");
    for p in PERIODS {
        for c in &cells {
            use std::fmt::Write as _;
            let _ = writeln!(
                text,
                "{p},{},{},{},{},{},{}",
                area_code(c.area),
                BROAD[c.group],
                AGE_LABELS[c.age],
                ["Male", "Female"][c.sex],
                c.decile,
                c.population
            );
        }
    }
    write_atomic(&pop_path, text.as_bytes()).map_err(|e| err(&pop_path, &e))?;

    // Events.
    let mut cumulative = Vec::with_capacity(cells.len());
    let mut acc = 0.0;
    for c in &cells {
        acc += c.population * CONTACT_RR[c.group] * age_rr(c.age) * imd_rr(c.decile);
        cumulative.push(acc);
    }
    let code_cumulative: Vec<Vec<f64>> = CODES
        .iter()
        .map(|codes| {
            let mut a = 0.0;
            codes
                .iter()
                .map(|(_, s)| {
                    a += s;
                    a
                })
                .collect()
        })
        .collect();
    let ext = if options.csv { "csv" } else { "parquet" };
    let files = options.files.max(1);
    let (events_path, parts) = if files == 1 {
        (dir.join(format!("events.{ext}")), None)
    } else {
        // Parts are written into a folder of their own, renamed into place when all are done.
        let parts = dir.join("events.partial");
        if parts.exists() {
            std::fs::remove_dir_all(&parts).map_err(|e| err(&parts, &e))?;
        }
        std::fs::create_dir(&parts).map_err(|e| err(&parts, &e))?;
        (dir.join("events"), Some(parts))
    };
    let part_path = |k: usize| match &parts {
        Some(p) => p.join(format!("part-{k:05}.{ext}")),
        None => events_path.clone(),
    };
    let per_file = options.rows.div_ceil(files as u64).max(1);
    let mut part = 0;
    let mut sink =
        EventSink::create(&part_path(part), options.csv).map_err(|e| err(&part_path(part), &e))?;
    let mut batch = EventBatch::default();
    const BATCH: u64 = 256 * 1024;
    for row in 0..options.rows {
        let c = &cells[rng.pick(&cumulative)];
        let g = c.group;
        let period = (rng.uniform() * PERIODS.len() as f64) as usize % PERIODS.len();
        let code = if rng.chance(0.05) {
            "Z"
        } else if rng.chance(0.02 / 0.95) {
            "99"
        } else {
            CODES[g][rng.pick(&code_cumulative[g])].0
        };
        let age = if rng.chance(0.005) {
            None
        } else {
            let lower = c.age as i64 * 5;
            let width = if c.age == 18 { 10.0 } else { 5.0 };
            Some(lower + (rng.uniform() * width) as i64)
        };
        let sex = if rng.chance(0.001) {
            "3"
        } else if rng.chance(0.002) {
            "X"
        } else {
            ["1", "2"][c.sex]
        };
        let imd = (!rng.chance(0.01)).then_some(c.decile as i64);
        // Probabilities for a person in contact this quarter, so that the rates per population
        // follow the published rates by group, steeper with deprivation.
        let contact = BASE_CONTACT * CONTACT_RR[g];
        let gradient = imd_rr(c.decile) / 1.4;
        let detained = rng.chance(DETENTIONS[g] / 1e5 / 4.0 / contact * gradient);
        let section = detained.then(|| {
            let u = rng.uniform();
            if u < 0.45 {
                "2"
            } else if u < 0.80 {
                "3"
            } else {
                "136"
            }
        });
        let cto = rng.chance(CTOS[g] / 1e5 / 4.0 / contact * gradient);
        let inpatient = detained || rng.chance(0.04);
        let restrained = inpatient && rng.chance(0.15 * RESTRAINT_RR[g]);
        let tt_finished = rng.chance(0.15);
        let recovery = RECOVERY[g] - 0.015 * (10.0 - c.decile as f64);
        let tt_recovered = tt_finished && rng.chance(recovery);
        let days = detained.then(|| {
            let mean = if g == 3 { 55.0 } else { 45.0 };
            (-(1.0 - rng.uniform()).ln() * mean).ceil()
        });
        batch.push(EventRow {
            period: PERIODS[period],
            area: c.area,
            code,
            age,
            sex,
            imd,
            detained,
            section,
            cto,
            inpatient,
            restrained,
            tt_finished,
            tt_recovered,
            days,
        });
        let part_full = (row + 1) % per_file == 0;
        if batch.len() as u64 == BATCH || row + 1 == options.rows || part_full {
            sink.write(&mut batch)
                .map_err(|e| err(&part_path(part), &e))?;
        }
        if part_full && row + 1 < options.rows {
            sink.finish().map_err(|e| err(&part_path(part), &e))?;
            part += 1;
            sink = EventSink::create(&part_path(part), options.csv)
                .map_err(|e| err(&part_path(part), &e))?;
        }
    }
    sink.finish().map_err(|e| err(&part_path(part), &e))?;
    if let Some(parts) = &parts {
        if events_path.exists() {
            std::fs::remove_dir_all(&events_path).map_err(|e| err(&events_path, &e))?;
        }
        std::fs::rename(parts, &events_path).map_err(|e| err(&events_path, &e))?;
    }

    let spec_path = dir.join("profile.toml");
    let spec = profile_toml(&events_path);
    write_atomic(&spec_path, spec.as_bytes()).map_err(|e| err(&spec_path, &e))?;
    Ok(())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("partial");
    let mut f = File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

struct EventRow {
    period: &'static str,
    area: usize,
    code: &'static str,
    age: Option<i64>,
    sex: &'static str,
    imd: Option<i64>,
    detained: bool,
    section: Option<&'static str>,
    cto: bool,
    inpatient: bool,
    restrained: bool,
    tt_finished: bool,
    tt_recovered: bool,
    days: Option<f64>,
}

#[derive(Default)]
struct EventBatch {
    rows: Vec<EventRow>,
}

impl EventBatch {
    fn push(&mut self, row: EventRow) {
        self.rows.push(row);
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn record_batch(&self, schema: Arc<Schema>) -> RecordBatch {
        let n = self.rows.len();
        let text = |f: &dyn Fn(&EventRow) -> Option<String>| -> ArrayRef {
            let mut b = StringBuilder::with_capacity(n, n * 8);
            for r in &self.rows {
                b.append_option(f(r));
            }
            Arc::new(b.finish())
        };
        let int = |f: &dyn Fn(&EventRow) -> Option<i64>| -> ArrayRef {
            let mut b = Int64Builder::with_capacity(n);
            for r in &self.rows {
                b.append_option(f(r));
            }
            Arc::new(b.finish())
        };
        let flag = |f: &dyn Fn(&EventRow) -> bool| -> ArrayRef {
            Arc::new(Int64Array::from_iter_values(
                self.rows.iter().map(|r| i64::from(f(r))),
            ))
        };
        let mut days = Float64Builder::with_capacity(n);
        for r in &self.rows {
            days.append_option(r.days);
        }
        let days: Float64Array = days.finish();
        RecordBatch::try_new(
            schema,
            vec![
                text(&|r| Some(r.period.to_string())),
                text(&|r| Some(area_code(r.area))),
                text(&|r| Some(r.code.to_string())),
                int(&|r| r.age),
                text(&|r| Some(r.sex.to_string())),
                int(&|r| r.imd),
                flag(&|_| true),
                flag(&|r| r.detained),
                text(&|r| r.section.map(str::to_string)),
                flag(&|r| r.cto),
                flag(&|r| r.inpatient),
                flag(&|r| r.restrained),
                flag(&|r| r.tt_finished),
                flag(&|r| r.tt_recovered),
                Arc::new(days),
            ],
        )
        .expect("columns match the schema")
    }
}

fn schema() -> Arc<Schema> {
    let t = |n: &str, nullable| Field::new(n, DataType::Utf8, nullable);
    let i = |n: &str, nullable| Field::new(n, DataType::Int64, nullable);
    Arc::new(Schema::new(vec![
        t("period", false),
        t("area_code", false),
        t("ethnic_category", false),
        i("age", true),
        t("sex", false),
        i("imd_decile", true),
        i("in_contact", false),
        i("detained", false),
        t("section", true),
        i("cto", false),
        i("inpatient", false),
        i("restrained", false),
        i("tt_finished", false),
        i("tt_recovered", false),
        Field::new("detention_days", DataType::Float64, true),
    ]))
}

enum EventSink {
    Parquet(
        Box<ArrowWriter<File>>,
        std::path::PathBuf,
        std::path::PathBuf,
    ),
    Csv(
        std::io::BufWriter<File>,
        std::path::PathBuf,
        std::path::PathBuf,
    ),
}

impl EventSink {
    fn create(path: &Path, csv: bool) -> Result<EventSink, Box<dyn std::error::Error>> {
        let tmp = path.with_extension("partial");
        let file = File::create(&tmp)?;
        if csv {
            let mut w = std::io::BufWriter::new(file);
            let names: Vec<String> = schema().fields().iter().map(|f| f.name().clone()).collect();
            writeln!(w, "{}", names.join(","))?;
            return Ok(EventSink::Csv(w, tmp, path.to_path_buf()));
        }
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(1 << 20))
            .build();
        Ok(EventSink::Parquet(
            Box::new(ArrowWriter::try_new(file, schema(), Some(props))?),
            tmp,
            path.to_path_buf(),
        ))
    }

    fn write(&mut self, batch: &mut EventBatch) -> Result<(), Box<dyn std::error::Error>> {
        match self {
            EventSink::Parquet(w, _, _) => w.write(&batch.record_batch(schema()))?,
            EventSink::Csv(w, _, _) => {
                for r in &batch.rows {
                    let opt = |x: Option<i64>| x.map(|v| v.to_string()).unwrap_or_default();
                    let b = |x: bool| if x { "1" } else { "0" };
                    writeln!(
                        w,
                        "{},{},{},{},{},{},1,{},{},{},{},{},{},{},{}",
                        r.period,
                        area_code(r.area),
                        r.code,
                        opt(r.age),
                        r.sex,
                        opt(r.imd),
                        b(r.detained),
                        r.section.unwrap_or(""),
                        b(r.cto),
                        b(r.inpatient),
                        b(r.restrained),
                        b(r.tt_finished),
                        b(r.tt_recovered),
                        r.days.map(|d| d.to_string()).unwrap_or_default()
                    )?;
                }
            }
        }
        batch.rows.clear();
        Ok(())
    }

    fn finish(self) -> Result<(), Box<dyn std::error::Error>> {
        let (tmp, path) = match self {
            EventSink::Parquet(w, tmp, path) => {
                w.close()?;
                (tmp, path)
            }
            EventSink::Csv(mut w, tmp, path) => {
                w.flush()?;
                (tmp, path)
            }
        };
        std::fs::rename(tmp, path)?;
        Ok(())
    }
}

/// The profile spec written beside synthetic data: the `pcref` measures over the generated
/// files, with the population's broad ethnic groups.
pub fn profile_toml(events: &Path) -> String {
    let file = events
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "events.parquet".into());
    format!(
        r#"# Written by `levelfield synth`: synthetic data, invented for trials. No row is a real person.
name = "Synthetic equality profile (PCREF measures)"
confidence = [95, 99.8]

[events]
path = "{file}"

[population]
path = "population.csv"
[population.columns]
ethnicity = "ethnic_group"

[lookups]
age_bands = "esp2013"

[areas]
total_code = "SYNALL"
total_name = "All synthetic areas"
area_type = "Synthetic areas"

[[indicator]]
id = "detentions"
name = "Detentions under the Mental Health Act per 100,000 population"
statistic = "rate"
numerator = "detained = 1"
polarity = "low-is-good"

[[indicator]]
id = "detentions_dsr"
name = "Detentions per 100,000 population, age-sex standardised (ESP2013)"
statistic = "dsr"
numerator = "detained = 1"
standard = "esp2013"
polarity = "low-is-good"

[[indicator]]
id = "cto"
name = "Community Treatment Orders per 100,000 population"
statistic = "rate"
numerator = "cto = 1"
polarity = "low-is-good"

[[indicator]]
id = "restraint"
name = "Inpatients restrained (%)"
statistic = "proportion"
numerator = "inpatient = 1 AND restrained = 1"
denominator = "inpatient = 1"
polarity = "low-is-good"

[[indicator]]
id = "access"
name = "People in contact with mental health services per 100,000 population"
statistic = "rate"
numerator = "in_contact = 1"
polarity = "high-is-good"

[[indicator]]
id = "recovery"
name = "Talking therapies: recovery among those finishing treatment (%)"
statistic = "proportion"
numerator = "tt_finished = 1 AND tt_recovered = 1"
denominator = "tt_finished = 1"
polarity = "high-is-good"

[[indicator]]
id = "detention_days"
name = "Length of detention (days), mean"
statistic = "mean"
value = "detention_days"

[[dimension]]
kind = "ethnicity"
reference = "White"

[[dimension]]
kind = "imd-decile"

[[dimension]]
kind = "age"

[[dimension]]
kind = "sex"
reference = "Female"

[disclosure]
rule = "nhs-mha"

[trends]
min_periods = 12
"#
    )
}
