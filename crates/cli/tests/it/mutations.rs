//! Random mutations of a valid CSV, XLSX and Parquet file through `stats rate` and through
//! `profile`: no run panics or hangs, and no run that succeeds has dropped or changed a row —
//! each successful run's output is compared with an independent reading of the mutated file
//! (the `csv` crate, calamine, the Parquet reader). The mutations are seeded, so a failure
//! is reproduced by its seed; `LEVELFIELD_MUTATIONS` sets how many run per file and command
//! (default 300).

use std::{
    path::{Path, PathBuf},
    sync::mpsc,
    time::Duration,
};

use clap::Parser;

const AREAS: [&str; 6] = ["E01", "E02", "E03", "E04", "E05", "E06"];

/// The valid rows: area, deprivation decile, events, population.
fn rows() -> Vec<(String, u32, u64, u64)> {
    (0..24)
        .map(|i| {
            (
                AREAS[i % AREAS.len()].to_string(),
                (i % 10) as u32 + 1,
                (i * 7 % 23) as u64,
                1000 + (i * 37 % 400) as u64,
            )
        })
        .collect()
}

fn csv_bytes() -> Vec<u8> {
    let mut s = String::from("period,area_code,imd_decile,detained,people\n");
    for (a, d, x, n) in rows() {
        s.push_str(&format!("2023-24,{a},{d},{x},{n}\n"));
    }
    s.into_bytes()
}

fn xlsx_bytes() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    for (c, h) in ["period", "area_code", "imd_decile", "detained", "people"]
        .iter()
        .enumerate()
    {
        s.write(0, c as u16, *h).unwrap();
    }
    for (r, (a, d, x, n)) in rows().into_iter().enumerate() {
        let r = r as u32 + 1;
        s.write(r, 0, "2023-24").unwrap();
        s.write(r, 1, a).unwrap();
        s.write(r, 2, d).unwrap();
        s.write(r, 3, x as f64).unwrap();
        s.write(r, 4, n as f64).unwrap();
    }
    book.save_to_buffer().unwrap()
}

fn parquet_bytes() -> Vec<u8> {
    use std::sync::Arc;

    use arrow_array::{Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    let rows = rows();
    let schema = Arc::new(Schema::new(vec![
        Field::new("period", DataType::Utf8, true),
        Field::new("area_code", DataType::Utf8, true),
        Field::new("imd_decile", DataType::Int64, true),
        Field::new("detained", DataType::Int64, true),
        Field::new("people", DataType::Int64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["2023-24"; rows.len()])),
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(
                rows.iter().map(|r| i64::from(r.1)).collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(
                rows.iter().map(|r| r.2 as i64).collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(
                rows.iter().map(|r| r.3 as i64).collect::<Vec<_>>(),
            )),
        ],
    )
    .unwrap();
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

/// A small seeded generator (xorshift64*), so every mutation is reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to three edits of `bytes`: a byte replaced, inserted or deleted (bytes that matter to
/// the formats: separators, quotes, line ends, signs, digits, spaces, non-UTF-8), a run
/// duplicated or cut, or the end cut off.
fn mutate(bytes: &[u8], seed: u64) -> Vec<u8> {
    const INTERESTING: &[u8] = b",\"\r\n -.0123456789eE\t;\xff\x00aZ#";
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(3) {
        let len = out.len();
        let at = rng.below(len);
        let byte = if rng.below(4) == 0 {
            rng.next() as u8
        } else {
            INTERESTING[rng.below(INTERESTING.len())]
        };
        match rng.below(6) {
            0 if len > 0 => out[at] = byte,
            1 => out.insert(at, byte),
            2 if len > 0 => {
                out.remove(at);
            }
            3 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                let run = out[at..end].to_vec();
                out.splice(at..at, run);
            }
            4 if len > 0 => {
                let end = (at + 1 + rng.below(16)).min(len);
                out.drain(at..end);
            }
            _ => out.truncate(at.max(1)),
        }
    }
    out
}

/// An independent reading of a mutated file: its header and rows as text, or `None` where the
/// file is not a readable table (then any refusal is right).
fn independent(path: &Path) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    match path.extension()?.to_str()? {
        "csv" => {
            let bytes = std::fs::read(path).ok()?;
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(bytes.as_slice());
            let header: Vec<String> = r
                .headers()
                .ok()?
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                .collect();
            let mut rows = Vec::new();
            for rec in r.records() {
                let rec = rec.ok()?;
                if rec.len() != header.len() {
                    return None;
                }
                rows.push(rec.iter().map(str::to_string).collect());
            }
            Some((header, rows))
        }
        "xlsx" => {
            use calamine::Reader;
            let mut book = calamine::open_workbook_auto(path).ok()?;
            let sheet = book.sheet_names().first()?.clone();
            let range = book.worksheet_range(&sheet).ok()?;
            let mut it = range.rows();
            let header: Vec<String> = it
                .next()?
                .iter()
                .map(|c| c.to_string().trim().to_string())
                .collect();
            let rows = it
                .map(|r| {
                    (0..header.len())
                        .map(|k| {
                            r.get(k)
                                .map_or(String::new(), |c| c.to_string().trim().to_string())
                        })
                        .collect()
                })
                .collect();
            Some((header, rows))
        }
        _ => {
            let file = std::fs::File::open(path).ok()?;
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .ok()?;
            let header: Vec<String> = builder
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            let mut rows = Vec::new();
            for batch in builder.build().ok()? {
                let batch = batch.ok()?;
                let cols: Vec<_> = batch
                    .columns()
                    .iter()
                    .map(|c| arrow_cast_text(c.as_ref()))
                    .collect::<Option<_>>()?;
                for i in 0..batch.num_rows() {
                    rows.push(
                        cols.iter()
                            .map(|c: &Vec<String>| c[i].clone())
                            .collect::<Vec<_>>(),
                    );
                }
            }
            Some((header, rows))
        }
    }
}

fn arrow_cast_text(a: &dyn arrow_array::Array) -> Option<Vec<String>> {
    use arrow_array::{Array, Int64Array, StringArray};
    if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
        return Some(
            (0..s.len())
                .map(|i| {
                    if s.is_valid(i) {
                        s.value(i).trim().to_string()
                    } else {
                        String::new()
                    }
                })
                .collect(),
        );
    }
    let s = a.as_any().downcast_ref::<Int64Array>()?;
    Some(
        (0..s.len())
            .map(|i| {
                if s.is_valid(i) {
                    s.value(i).to_string()
                } else {
                    String::new()
                }
            })
            .collect(),
    )
}

fn number(t: &str) -> Option<f64> {
    t.trim().parse::<f64>().ok()
}

/// Runs a command in this process with a time limit: `Err` for a panic or a hang.
fn run(args: Vec<String>) -> Result<bool, String> {
    let (tx, rx) = mpsc::channel();
    let shown = args.join(" ");
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| {
            let cli = levelfield::Cli::try_parse_from(&args).map_err(|e| e.to_string())?;
            Ok::<bool, String>(levelfield::run(cli).is_ok())
        });
        let _ = tx.send(outcome);
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(Ok(ok))) => Ok(ok),
        Ok(Ok(Err(usage))) => Err(format!("{shown}: arguments refused: {usage}")),
        Ok(Err(_)) => Err(format!("{shown}: panicked")),
        Err(_) => Err(format!("{shown}: no answer within 60 s")),
    }
}

fn cases() -> u64 {
    std::env::var("LEVELFIELD_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// `stats rate` on every mutation: a success has exactly the independent reading's rows.
fn through_stats_rate(ext: &str, valid: &[u8]) -> (u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let (mut succeeded, mut problems) = (0, Vec::new());
    for seed in 0..cases() {
        let input = dir.path().join(format!("m{seed}.{ext}"));
        let output = dir.path().join(format!("o{seed}.csv"));
        std::fs::write(&input, mutate(valid, seed)).unwrap();
        let args = [
            "levelfield",
            "stats",
            "rate",
            "--input",
            input.to_str().unwrap(),
            "--numerator",
            "detained",
            "--denominator",
            "people",
            "--output",
            output.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec();
        match run(args) {
            Err(e) => problems.push(format!("seed {seed}: {e}")),
            Ok(false) => {
                if output.exists() {
                    problems.push(format!(
                        "seed {seed}: failed, but left {}",
                        output.display()
                    ));
                }
            }
            Ok(true) => {
                succeeded += 1;
                let Some((header, rows)) = independent(&input) else {
                    problems.push(format!(
                        "seed {seed}: succeeded on a file that is not a table"
                    ));
                    continue;
                };
                let got = crate::support::read_csv(&output);
                let col = |name: &str| header.iter().position(|h| h == name);
                let (Some(x), Some(n)) = (col("detained"), col("people")) else {
                    problems.push(format!("seed {seed}: succeeded without its columns"));
                    continue;
                };
                if got.len() != rows.len() {
                    problems.push(format!(
                        "seed {seed}: {} output rows for {} input rows",
                        got.len(),
                        rows.len()
                    ));
                    continue;
                }
                for (i, (o, r)) in got.iter().zip(&rows).enumerate() {
                    if number(&o["numerator"]) != number(&r[x])
                        || number(&o["denominator"]) != number(&r[n])
                    {
                        problems.push(format!(
                            "seed {seed}: row {}: read as {}/{}, the file holds {}/{}",
                            i + 1,
                            o["numerator"],
                            o["denominator"],
                            r[x],
                            r[n]
                        ));
                        break;
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{ext}:\n{}", problems.join("\n"));
    (cases(), succeeded)
}

/// `profile` of every mutation as a counts file: a success publishes, for all areas, exactly
/// the independent reading's totals.
fn through_profile(ext: &str, valid: &[u8]) -> (u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let (mut succeeded, mut problems) = (0, Vec::new());
    for seed in 0..cases() {
        let data = dir.path().join(format!("d{seed}"));
        std::fs::create_dir(&data).unwrap();
        let input = data.join(format!("counts.{ext}"));
        std::fs::write(&input, mutate(valid, seed)).unwrap();
        std::fs::write(
            data.join("profile.toml"),
            format!(
                "name = \"m\"\n[counts]\npath = \"counts.{ext}\"\n[[indicator]]\nid = \"d\"\nname = \"D\"\nstatistic = \"proportion\"\nnumerator = \"detained\"\ndenominator = \"people\"\n[disclosure]\nrule = \"none\"\n[validation]\nunknown_codes = \"error\"\n"
            ),
        )
        .unwrap();
        let out: PathBuf = dir.path().join(format!("p{seed}"));
        let args = [
            "levelfield",
            "profile",
            "--quiet",
            "--spec",
            data.join("profile.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec();
        match run(args) {
            Err(e) => problems.push(format!("seed {seed}: {e}")),
            Ok(false) => {
                if out.exists() {
                    problems.push(format!("seed {seed}: failed, but left {}", out.display()));
                }
            }
            Ok(true) => {
                succeeded += 1;
                let Some((header, rows)) = independent(&input) else {
                    problems.push(format!(
                        "seed {seed}: succeeded on a file that is not a table"
                    ));
                    continue;
                };
                let col = |name: &str| header.iter().position(|h| h == name);
                let (Some(x), Some(n)) = (col("detained"), col("people")) else {
                    problems.push(format!("seed {seed}: succeeded without its columns"));
                    continue;
                };
                let sum = |c: usize| -> Option<f64> {
                    rows.iter()
                        .map(|r| {
                            if r[c].is_empty() {
                                Some(0.0)
                            } else {
                                number(&r[c])
                            }
                        })
                        .sum()
                };
                let est = crate::support::read_csv(&out.join("estimates.csv"));
                let overall: Vec<_> = est
                    .iter()
                    .filter(|r| {
                        r["dimension"] == levelfield_profile::schema::OVERALL
                            && r["area_code"] == "ALL"
                    })
                    .collect();
                let published =
                    |c: &str| -> Option<f64> { overall.iter().map(|r| number(&r[c])).sum() };
                if (published("numerator"), published("denominator")) != (sum(x), sum(n)) {
                    problems.push(format!(
                        "seed {seed}: published {:?}/{:?}, the file holds {:?}/{:?}",
                        published("numerator"),
                        published("denominator"),
                        sum(x),
                        sum(n)
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{ext}:\n{}", problems.join("\n"));
    (cases(), succeeded)
}

#[test]
fn mutated_csv_files() {
    let valid = csv_bytes();
    let (n, ok) = through_stats_rate("csv", &valid);
    eprintln!("mutations: csv through stats rate: {n} runs, {ok} succeeded");
    let (n, ok) = through_profile("csv", &valid);
    eprintln!("mutations: csv through profile: {n} runs, {ok} succeeded");
}

#[test]
fn mutated_xlsx_files() {
    let valid = xlsx_bytes();
    let (n, ok) = through_stats_rate("xlsx", &valid);
    eprintln!("mutations: xlsx through stats rate: {n} runs, {ok} succeeded");
    let (n, ok) = through_profile("xlsx", &valid);
    eprintln!("mutations: xlsx through profile: {n} runs, {ok} succeeded");
}

#[test]
fn mutated_parquet_files() {
    let valid = parquet_bytes();
    let (n, ok) = through_stats_rate("parquet", &valid);
    eprintln!("mutations: parquet through stats rate: {n} runs, {ok} succeeded");
    let (n, ok) = through_profile("parquet", &valid);
    eprintln!("mutations: parquet through profile: {n} runs, {ok} succeeded");
}
