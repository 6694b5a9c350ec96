//! levelfield's data engine: Apache DataFusion plans that read an events or counts file (CSV,
//! Parquet or XLSX) and aggregate it to strata, as a profile's [`Request`] asks.
//!
//! This is the only crate that knows DataFusion. Every plan is a scan, key expressions (columns
//! as stored, the CASE that bands ages) and one aggregation with built-in
//! aggregates (`COUNT`, `SUM`) — plans that a distributed DataFusion runs unchanged. The
//! aggregation streams: memory grows with the number of strata, not with the number of rows.
//!
//! Why one long file: the request, its validation and the one DataFusion plan that serves it are
//! one unit; the source readers, the distributed runner and the pipeline are modules of their
//! own.

#![deny(missing_docs)]

use std::{path::Path, sync::Arc};

use datafusion::{
    arrow::{
        array::{
            Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, RecordBatch,
            StringArray,
        },
        compute::cast,
        datatypes::{DataType, Field, Int64Type, Schema},
    },
    common::ScalarValue,
    dataframe::DataFrame,
    functions_aggregate::expr_fn::{count, sum},
    logical_expr::{Expr, cast as cast_expr, lit, when},
    prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext, ident},
};
use futures::StreamExt;
use levelfield_model::age::Scheme;
use levelfield_profile::strata::{
    ColumnType, KeyColumn, KeySource, Measure, Request, Role, Strata,
};
use levelfield_table::{Column, Format, Table};
use rustc_hash::FxHashMap;

/// Why the engine could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The file could not be read.
    #[error("{path}: cannot be read: {message}")]
    Read {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// An expression of the spec is not valid over the file's columns.
    #[error(
        "{path}: the expression `{expression}` is not valid: {message}. Write an SQL expression over the file's columns ({columns})"
    )]
    Expression {
        /// The file.
        path: String,
        /// The expression.
        expression: String,
        /// The parser's or planner's message.
        message: String,
        /// The columns there are.
        columns: String,
    },
    /// The query failed while running.
    #[error("{path}: {message}")]
    Query {
        /// The file.
        path: String,
        /// The message.
        message: String,
    },
    /// The cluster could not be reached, or lost the query: nothing was computed.
    #[error("cluster: {0}")]
    Cluster(String),
    /// The spec, or the data it reads, stops the profile.
    #[error(transparent)]
    Profile(#[from] levelfield_profile::ProfileError),
    /// A side file (population, area names) cannot be read.
    #[error(transparent)]
    Table(#[from] levelfield_table::TableError),
}

pub mod cluster;
mod diagnose;
pub mod pipeline;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// The session settings: DataFusion's defaults, a larger batch (fewer, fuller vectors for the
/// hash aggregation), and any `DATAFUSION_*` environment variables (e.g.
/// `DATAFUSION_EXECUTION_TARGET_PARTITIONS`) on top, so a deployment can tune the engine.
fn config() -> SessionConfig {
    let mut config = SessionConfig::new().with_batch_size(64 * 1024);
    if let Ok(from_env) = SessionConfig::from_env() {
        if std::env::var_os("DATAFUSION_EXECUTION_BATCH_SIZE").is_none() {
            config = from_env.with_batch_size(64 * 1024);
        } else {
            config = from_env;
        }
    }
    config
}

/// A session in this process.
fn context() -> SessionContext {
    SessionContext::new_with_config(config())
}

fn data_type(t: ColumnType) -> DataType {
    match t {
        ColumnType::Text => DataType::Utf8,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Number => DataType::Float64,
    }
}

/// The types a request implies for a CSV source's columns, so nothing rests on what the first
/// rows happen to hold: keys as text (codes keep their exact text, whatever later rows
/// hold), ages and summed counts as numbers. Other columns are inferred, numbers as
/// `Float64` (never as whole numbers guessed from the first rows).
fn implied_types(request: &Request) -> Vec<(String, ColumnType)> {
    let mut out: Vec<(String, ColumnType)> = Vec::new();
    let mut add = |c: &str, t: ColumnType| {
        if !out.iter().any(|(n, _)| n == c) {
            out.push((c.to_string(), t));
        }
    };
    for (_, source) in &request.keys {
        match source {
            KeySource::Column(c) | KeySource::Lookup { column: c, .. } => add(c, ColumnType::Text),
            KeySource::AgeInYears(c, _) => add(c, ColumnType::Number),
        }
    }
    for m in &request.measures {
        if let Measure::SumColumn(c) = m {
            add(c, ColumnType::Number);
        }
    }
    out
}

/// Opens a source with the spec's type overrides: a CSV is read with the overridden types (so
/// `01` stays `01` when forced to text) and, for its other columns that the request uses, the
/// types the request implies ([`implied_types`]); other formats are cast to the overrides.
async fn open_typed(
    ctx: &SessionContext,
    path: &Path,
    types: &[(String, ColumnType)],
    implied: &[(String, ColumnType)],
) -> Result<DataFrame, EngineError> {
    let df = open(ctx, path, None).await?;
    let is_csv = matches!(source_format(path), Ok((Format::Csv, _)));
    if types.is_empty() && !is_csv {
        return Ok(df);
    }
    let name = path.display().to_string();
    let fields: Vec<String> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    for (c, _) in types {
        if !fields.contains(c) {
            return Err(EngineError::Read {
                path: name.clone(),
                message: format!(
                    "[types] names `{c}`, which is not a column; its columns are {}",
                    fields.join(", ")
                ),
            });
        }
    }
    if is_csv {
        let schema = Schema::new(
            df.schema()
                .fields()
                .iter()
                .map(|f| {
                    match types.iter().chain(implied).find(|(c, _)| c == f.name()) {
                        Some((_, t)) => Field::new(f.name(), data_type(*t), true),
                        // Whole numbers guessed from the first rows would refuse a later
                        // `2.5`: other numeric columns are read as numbers, and a column
                        // empty in those rows as text.
                        None => match f.data_type() {
                            t if t.is_integer() => Field::new(f.name(), DataType::Float64, true),
                            DataType::Null => Field::new(f.name(), DataType::Utf8, true),
                            _ => f.as_ref().clone(),
                        },
                    }
                })
                .collect::<Vec<_>>(),
        );
        return open(ctx, path, Some(&schema)).await;
    }
    let mut df = df;
    for (c, t) in types {
        df = df
            .with_column(c, cast_expr(ident(c), data_type(*t)))
            .map_err(|e| EngineError::Read {
                path: name.clone(),
                message: first_line(&e.to_string()),
            })?;
    }
    Ok(df)
}

async fn open(
    ctx: &SessionContext,
    path: &Path,
    schema: Option<&Schema>,
) -> Result<DataFrame, EngineError> {
    let name = path.display().to_string();
    let read_err = |e: &dyn std::fmt::Display| EngineError::Read {
        path: name.clone(),
        message: e.to_string(),
    };
    let (format, extension) = source_format(path)?;
    let text = path.to_str().ok_or_else(|| EngineError::Read {
        path: name.clone(),
        message: "the path is not valid UTF-8".into(),
    })?;
    match format {
        Format::Csv => {
            let mut options = CsvReadOptions::new()
                .has_header(true)
                .file_extension(extension);
            if let Some(schema) = schema {
                options = options.schema(schema);
            }
            ctx.read_csv(text, options).await.map_err(|e| {
                diagnose::explain(path, &[], &e.to_string()).unwrap_or_else(|| read_err(&e))
            })
        }
        Format::Parquet => {
            parquet_sound(path)?;
            ctx.read_parquet(
                text,
                ParquetReadOptions::default().file_extension(extension),
            )
            .await
            .map_err(|e| read_err(&e))
        }
        Format::Xlsx => {
            let table = levelfield_table::read(path).map_err(|e| read_err(&e))?;
            let batch = batch_of(&table).map_err(|e| read_err(&e))?;
            ctx.read_batch(batch).map_err(|e| read_err(&e))
        }
        _ => Err(EngineError::Read {
            path: name,
            message: "give a .csv, .parquet or .xlsx file".into(),
        }),
    }
}

/// Opens every Parquet file of a source (a file or a folder of parts) far enough to read its
/// schema, so a damaged file that makes the Parquet library panic is an error naming it.
fn parquet_sound(path: &Path) -> Result<(), EngineError> {
    let files: Vec<std::path::PathBuf> = if path.is_dir() {
        std::fs::read_dir(path)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        vec![path.to_path_buf()]
    };
    for file in files {
        let opened = std::panic::catch_unwind(|| {
            std::fs::File::open(&file).map(|f| {
                datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                    f,
                )
                .map(|_| ())
            })
        });
        if !matches!(opened, Ok(Ok(Ok(())))) {
            return Err(EngineError::Read {
                path: file.display().to_string(),
                message: "not a readable Parquet file (damaged, or not Parquet); export it again"
                    .into(),
            });
        }
    }
    Ok(())
}

/// The format of a source and the file extension DataFusion lists it by. A source is a file,
/// or a folder of CSV or Parquet files of one format and one set of columns (read as one
/// table, as a cluster's executors read the parts of a large extract).
fn source_format(path: &Path) -> Result<(Format, &'static str), EngineError> {
    let name = path.display().to_string();
    let extension = |p: &Path| match p.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => Some((Format::Csv, ".csv")),
        Some(e) if e.eq_ignore_ascii_case("parquet") => Some((Format::Parquet, ".parquet")),
        Some(e) if e.eq_ignore_ascii_case("pq") => Some((Format::Parquet, ".pq")),
        _ => None,
    };
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| EngineError::Read {
            path: name.clone(),
            message: e.to_string(),
        })?;
        let mut found: Vec<(Format, &'static str)> = Vec::new();
        for entry in entries.flatten() {
            let p = entry.path();
            match extension(&p) {
                Some(f) if p.is_file() && !found.contains(&f) => found.push(f),
                _ => {}
            }
        }
        return match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(EngineError::Read {
                path: name,
                message: "the folder has no .csv or .parquet files; a folder source is the parts of one table".into(),
            }),
            _ => Err(EngineError::Read {
                path: name,
                message: format!(
                    "the folder mixes {}; keep the parts of one table in one format",
                    found.iter().map(|(_, e)| format!("*{e}")).collect::<Vec<_>>().join(" and ")
                ),
            }),
        };
    }
    if !path.is_file() {
        return Err(EngineError::Read {
            path: name,
            message: "no such file; check the path in the spec (relative paths start at the spec's folder)".into(),
        });
    }
    match Format::from_path(path) {
        Ok(Format::Xlsx) => Ok((Format::Xlsx, "")),
        Ok(_) => extension(path).ok_or_else(|| EngineError::Read {
            path: name,
            message: "give a .csv, .parquet or .xlsx file".into(),
        }),
        Err(e) => Err(EngineError::Read {
            path: name,
            message: e.to_string(),
        }),
    }
}

/// An in-memory table (an XLSX sheet) as one Arrow batch.
fn batch_of(table: &Table) -> Result<RecordBatch, datafusion::arrow::error::ArrowError> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, column) in table.names().iter().zip(table.columns()) {
        let (dt, array): (DataType, ArrayRef) = match column {
            Column::Number(v) => (DataType::Float64, Arc::new(Float64Array::from(v.clone()))),
            Column::Integer(v) => (DataType::Int64, Arc::new(Int64Array::from(v.clone()))),
            Column::Boolean(v) => (DataType::Boolean, Arc::new(BooleanArray::from(v.clone()))),
            Column::Text(_) => (
                DataType::Utf8,
                Arc::new(StringArray::from(
                    (0..column.len())
                        .map(|r| {
                            let t = column.text(r);
                            (!levelfield_table::is_missing_token(&t)).then(|| t.into_owned())
                        })
                        .collect::<Vec<_>>(),
                )),
            ),
        };
        fields.push(Field::new(name, dt, true));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
}

/// The column names of a file.
///
/// # Errors
/// [`EngineError::Read`] when the file cannot be opened.
pub fn columns(path: &Path) -> Result<Vec<String>, EngineError> {
    runtime().block_on(async {
        let ctx = context();
        let df = open(&ctx, path, None).await?;
        Ok(df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect())
    })
}

/// The key expression of one role.
fn key_expr(source: &KeySource) -> Expr {
    match source {
        // Grouped as stored (dictionary, view or integer types group fastest); the few result
        // rows are cast to text afterwards.
        KeySource::Column(c) => ident(c),
        KeySource::Lookup { .. } => ident(LOOKUP_VALUE),
        KeySource::AgeInYears(c, scheme) => age_band_index(c, *scheme),
    }
}

/// The band of an age as a small integer (grouping on an integer is cheaper than on text; the
/// index becomes the band's label when the result is read): the band's position in the
/// scheme, −1 for an age below 0 or above 130, null for a missing age.
fn age_band_index(column: &str, scheme: Scheme) -> Expr {
    let age = cast_expr(ident(column), DataType::Float64);
    let mut case = when(age.clone().is_null(), lit(ScalarValue::Int32(None))).when(
        age.clone().lt(lit(0.0)).or(age.clone().gt(lit(130.0))),
        lit(-1i32),
    );
    for (i, band) in scheme.bands().iter().enumerate() {
        let cond = match band.upper {
            Some(u) => age.clone().lt(lit(f64::from(u) + 1.0)),
            None => lit(true),
        };
        case = case.when(cond, lit(i as i32));
    }
    case.end().expect("a CASE with branches is valid")
}

/// The label of a band index from [`age_band_index`].
fn band_label(index: &str, scheme: Scheme) -> String {
    match index.parse::<usize>() {
        Ok(i) if i < scheme.bands().len() => scheme.bands()[i].label.to_string(),
        _ => "invalid age".to_string(),
    }
}

/// The name a looked-up value takes in the joined plan.
const LOOKUP_VALUE: &str = "__levelfield_lookup_value";
const LOOKUP_KEY: &str = "__levelfield_lookup_key";

/// Left-joins a lookup (code → value) onto the source by `column`, after checking that each
/// code appears once in the lookup (a repeated code would count its events twice).
async fn join_lookup(
    ctx: &SessionContext,
    df: DataFrame,
    column: &str,
    file: &Path,
    key: &str,
    value: &str,
) -> Result<DataFrame, EngineError> {
    let path = file.display().to_string();
    let err = |e: datafusion::error::DataFusionError| EngineError::Read {
        path: path.clone(),
        message: first_line(&e.to_string()),
    };
    let lookup = open(ctx, file, None).await?;
    let names: Vec<String> = lookup
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    for c in [key, value] {
        if !names.iter().any(|n| n == c) {
            return Err(EngineError::Read {
                path: path.clone(),
                message: format!(
                    "column `{c}` is not in the lookup; its columns are {}. Name it in [lsoa_lookup]",
                    names.join(", ")
                ),
            });
        }
    }
    let lookup = lookup
        .select(vec![
            cast_expr(ident(key), DataType::Utf8).alias(LOOKUP_KEY),
            cast_expr(ident(value), DataType::Utf8).alias(LOOKUP_VALUE),
        ])
        .map_err(err)?;
    let repeated = lookup
        .clone()
        .aggregate(vec![ident(LOOKUP_KEY)], vec![count(lit(1i64)).alias("n")])
        .map_err(err)?
        .filter(ident("n").gt(lit(1i64)))
        .map_err(err)?
        .limit(0, Some(5))
        .map_err(err)?
        .collect()
        .await
        .map_err(err)?;
    let codes: Vec<String> = repeated
        .iter()
        .flat_map(|b| {
            let a = cast(b.column(0), &DataType::Utf8).expect("text");
            let a = a
                .as_any()
                .downcast_ref::<StringArray>()
                .expect("text")
                .clone();
            (0..a.len())
                .map(move |i| a.value(i).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    if !codes.is_empty() {
        return Err(EngineError::Read {
            path,
            message: format!(
                "the codes {} appear more than once in column `{key}`; keep one row per code",
                codes.join(", ")
            ),
        });
    }
    let df = df
        .with_column(LOOKUP_KEY, cast_expr(ident(column), DataType::Utf8))
        .map_err(err)?;
    df.join(
        lookup
            .with_column_renamed(LOOKUP_KEY, "__levelfield_lookup_code")
            .map_err(err)?,
        datafusion::common::JoinType::Left,
        &[LOOKUP_KEY],
        &["__levelfield_lookup_code"],
        None,
    )
    .map_err(err)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Period => "period",
        Role::Area => "area",
        Role::Ethnicity => "ethnicity",
        Role::AgeBand => "age_band",
        Role::Sex => "sex",
        Role::Imd => "imd",
    }
}

/// Runs a request here: group the file by its keys and sum the measures.
///
/// # Errors
/// [`EngineError`] naming the file, and the expression or column at fault.
pub fn aggregate(request: &Request) -> Result<Strata, EngineError> {
    aggregate_on(request, None)
}

/// Runs a request here (`cluster` is `None`) or on the Ballista cluster whose scheduler is at
/// `cluster` (`df://HOST:PORT`): the same plan either way; on a cluster the executors read the
/// files and only the strata come back.
///
/// # Errors
/// As [`aggregate`]; [`EngineError::Cluster`] when the scheduler cannot be reached or the
/// query is lost, and [`EngineError::Read`] for a source a cluster cannot read (XLSX).
pub fn aggregate_on(request: &Request, cluster: Option<&str>) -> Result<Strata, EngineError> {
    runtime().block_on(async {
        let ctx = match cluster {
            None => context(),
            Some(url) => {
                let mut files = vec![request.path.as_path()];
                for (_, source) in &request.keys {
                    if let KeySource::Lookup { file, .. } = source {
                        files.push(file);
                    }
                }
                for file in files {
                    if let (Format::Xlsx, _) = source_format(file)? {
                        return Err(EngineError::Read {
                            path: file.display().to_string(),
                            message: "a cluster's executors read CSV or Parquet files, not XLSX: save the sheet as CSV, or run without a cluster".into(),
                        });
                    }
                }
                cluster::connect(url, config()).await?
            }
        };
        aggregate_async(&ctx, request, cluster).await
    })
}

async fn aggregate_async(
    ctx: &SessionContext,
    request: &Request,
    cluster: Option<&str>,
) -> Result<Strata, EngineError> {
    let path = request.path.display().to_string();
    let mut df = open_typed(ctx, &request.path, &request.types, &implied_types(request)).await?;
    for (_, source) in &request.keys {
        if let KeySource::Lookup {
            column,
            file,
            key,
            value,
        } = source
        {
            df = join_lookup(ctx, df, column, file, key, value).await?;
        }
    }
    let names: Vec<String> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let df_schema: Vec<(String, DataType)> = df
        .schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    let parse = |sql: &str| -> Result<Expr, EngineError> {
        let e = df
            .parse_sql_expr(sql)
            .map_err(|e| EngineError::Expression {
                path: path.clone(),
                expression: sql.to_string(),
                message: first_line(&e.to_string()),
                columns: names.join(", "),
            })?;
        Ok(e)
    };
    let number = |e: Expr| cast_expr(e, DataType::Float64);
    let mut aggregates = Vec::new();
    for (k, m) in request.measures.iter().enumerate() {
        let e = match m {
            Measure::Rows => count(lit(1i64)),
            // A condition cast to 0/1 (null stays null, which SUM skips): cheaper than CASE.
            Measure::CountIf(sql) => sum(cast_expr(parse(sql)?, DataType::Int64)),
            Measure::SumColumn(c) => sum(number(ident(c))),
            Measure::CountValues(sql) => count(parse(sql)?),
            Measure::Sum(sql) => sum(number(parse(sql)?)),
            Measure::SumSquares(sql) => {
                let v = number(parse(sql)?);
                sum(v.clone() * v)
            }
        };
        aggregates.push(e.alias(format!("m{k}")));
    }
    let groups: Vec<Expr> = request
        .keys
        .iter()
        .map(|(role, source)| key_expr(source).alias(role_name(*role)))
        .collect();
    for (_, source) in &request.keys {
        if !names.iter().any(|n| n == source.column()) {
            return Err(EngineError::Query {
                path: path.clone(),
                message: format!(
                    "column `{}` is not in the file; its columns are {}",
                    source.column(),
                    names.join(", ")
                ),
            });
        }
    }
    // A failure while reading is explained from the file itself (row, column, value), as
    // DataFusion's own messages count columns from 0 and lines by batch.
    let query_err = |e: datafusion::error::DataFusionError| {
        diagnose::explain(&request.path, &df_schema, &e.to_string()).unwrap_or_else(|| {
            EngineError::Query {
                path: path.clone(),
                message: first_line(&e.to_string()),
            }
        })
    };
    let df = df.aggregate(groups, aggregates).map_err(|e| {
        let message = first_line(&e.to_string());
        EngineError::Query {
            path: path.clone(),
            message: format!("{message}; check the indicator expressions and column types"),
        }
    })?;
    // Once planned, a failure on a cluster is the cluster's (an executor lost, the scheduler
    // gone), not the data's.
    let run_err = |e: datafusion::error::DataFusionError| match cluster {
        Some(url) => EngineError::Cluster(format!(
            "the aggregation of {path} failed on {url}: {}; nothing was written. Check that the scheduler and its executors are running (levelfield cluster scheduler|executor) and see the scheduler's log",
            first_line(&e.to_string())
        )),
        None => query_err(e),
    };
    let mut stream = df.execute_stream().await.map_err(run_err)?;
    let n_keys = request.keys.len();
    let mut interners: Vec<Interner> = (0..n_keys).map(|_| Interner::default()).collect();
    let mut strata = Strata {
        keys: request
            .keys
            .iter()
            .map(|(r, _)| (*r, KeyColumn::default()))
            .collect(),
        values: vec![Vec::new(); request.measures.len()],
    };
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(run_err)?;
        for (k, interner) in interners.iter_mut().enumerate() {
            let (_, col) = &mut strata.keys[k];
            interner
                .intern(batch.column(k), col)
                .map_err(|e| EngineError::Query {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
        }
        for (m, values) in strata.values.iter_mut().enumerate() {
            let array = cast(batch.column(n_keys + m), &DataType::Float64).map_err(|e| {
                EngineError::Query {
                    path: path.clone(),
                    message: e.to_string(),
                }
            })?;
            let array = array
                .as_any()
                .downcast_ref::<Float64Array>()
                .expect("cast to Float64 gives a Float64Array");
            values.extend((0..array.len()).map(|i| {
                if array.is_null(i) {
                    0.0
                } else {
                    array.value(i)
                }
            }));
        }
    }
    // Counts are whole: a fractional count would get an interval meant for whole events.
    for (m, measure) in request.measures.iter().enumerate() {
        if let Measure::SumColumn(c) = measure
            && let Some(v) = strata.values[m].iter().find(|v| v.fract() != 0.0)
        {
            let message = match diagnose::first_fractional(&request.path, c) {
                Some((row, value)) => {
                    format!("row {row}, column `{c}`: `{value}` is not a whole number")
                }
                None => format!(
                    "column `{c}`: a stratum's count sums to {v}, which is not a whole number"
                ),
            };
            return Err(EngineError::Read {
                path: path.clone(),
                message: format!(
                    "{message}; counts must be whole numbers (correct the data, or round it knowingly before the run)"
                ),
            });
        }
    }
    for ((_, source), (_, column)) in request.keys.iter().zip(&mut strata.keys) {
        if let KeySource::AgeInYears(_, scheme) = source {
            for value in column.dictionary.iter_mut().flatten() {
                *value = band_label(value, *scheme);
            }
        }
    }
    Ok(strata)
}

/// Dictionary codes of one key column's values: text as it is, integers by value (their
/// dictionary text is the number, as a cast to text writes it), anything else as its text.
#[derive(Default)]
struct Interner {
    text: FxHashMap<String, u32>,
    integers: FxHashMap<i64, u32>,
    null: Option<u32>,
}

impl Interner {
    /// Appends the code of every value of `array` to `col`, growing its dictionary.
    fn intern(
        &mut self,
        array: &ArrayRef,
        col: &mut KeyColumn,
    ) -> Result<(), datafusion::arrow::error::ArrowError> {
        col.codes.reserve(array.len());
        match array.data_type() {
            DataType::Utf8View => self.texts(array.as_string_view().iter(), col),
            DataType::Utf8 => self.texts(array.as_string::<i32>().iter(), col),
            DataType::LargeUtf8 => self.texts(array.as_string::<i64>().iter(), col),
            // Every value of these fits an i64 (a UInt64 may not, and goes as text).
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => {
                let array = cast(array, &DataType::Int64)?;
                for value in array.as_primitive::<Int64Type>().iter() {
                    let code = match value {
                        None => self.null_code(col),
                        Some(v) => *self.integers.entry(v).or_insert_with(|| {
                            col.dictionary.push(Some(v.to_string()));
                            (col.dictionary.len() - 1) as u32
                        }),
                    };
                    col.codes.push(code);
                }
            }
            _ => {
                let array = cast(array, &DataType::Utf8)?;
                self.texts(array.as_string::<i32>().iter(), col);
            }
        }
        Ok(())
    }

    fn texts<'a>(&mut self, values: impl Iterator<Item = Option<&'a str>>, col: &mut KeyColumn) {
        for value in values {
            // Keys are trimmed: `E01` and `E01 ` are one area.
            let code = match value.map(str::trim) {
                None => self.null_code(col),
                Some(v) => match self.text.get(v) {
                    Some(c) => *c,
                    None => {
                        let c = col.dictionary.len() as u32;
                        col.dictionary.push(Some(v.to_string()));
                        self.text.insert(v.to_string(), c);
                        c
                    }
                },
            };
            col.codes.push(code);
        }
    }

    fn null_code(&mut self, col: &mut KeyColumn) -> u32 {
        *self.null.get_or_insert_with(|| {
            col.dictionary.push(None);
            (col.dictionary.len() - 1) as u32
        })
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).to_string()
}

#[cfg(test)]
mod tests {
    use levelfield_profile::strata::{KeySource, Measure, Request, Role};

    use super::*;

    fn request(path: &Path, measures: Vec<Measure>) -> Request {
        Request {
            path: path.to_path_buf(),
            types: Vec::new(),
            keys: vec![
                (Role::Period, KeySource::Column("period".into())),
                (
                    Role::AgeBand,
                    KeySource::AgeInYears("age".into(), levelfield_model::age::Scheme::NhsMha),
                ),
            ],
            measures,
        }
    }

    fn rows(strata: &Strata) -> Vec<(String, String, Vec<f64>)> {
        let mut out: Vec<_> = (0..strata.len())
            .map(|r| {
                (
                    strata.keys[0].1.value(r).unwrap_or("∅").to_string(),
                    strata.keys[1].1.value(r).unwrap_or("∅").to_string(),
                    strata.values.iter().map(|v| v[r]).collect(),
                )
            })
            .collect();
        out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        out
    }

    #[test]
    fn groups_bands_ages_and_sums_conditions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        std::fs::write(
            &path,
            "period,age,flag,days\n2024,17,1,3\n2024,16,0,\n2024,40,1,5\n2024,,1,1\n2024,-3,0,2\n2025,70,1,4\n",
        )
        .unwrap();
        let strata = aggregate(&request(
            &path,
            vec![
                Measure::Rows,
                Measure::CountIf("flag = 1".into()),
                Measure::CountValues("days".into()),
                Measure::Sum("days".into()),
                Measure::SumSquares("days".into()),
            ],
        ))
        .unwrap();
        assert_eq!(
            rows(&strata),
            vec![
                ("2024".into(), "16-17".into(), vec![2.0, 1.0, 1.0, 3.0, 9.0]),
                (
                    "2024".into(),
                    "35-49".into(),
                    vec![1.0, 1.0, 1.0, 5.0, 25.0]
                ),
                (
                    "2024".into(),
                    "invalid age".into(),
                    vec![1.0, 0.0, 1.0, 2.0, 4.0]
                ),
                ("2024".into(), "∅".into(), vec![1.0, 1.0, 1.0, 1.0, 1.0]),
                (
                    "2025".into(),
                    "65 and over".into(),
                    vec![1.0, 1.0, 1.0, 4.0, 16.0]
                ),
            ]
        );
    }

    #[test]
    fn bad_expressions_and_files_name_themselves() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        std::fs::write(&path, "period,age,flag\n2024,17,1\n").unwrap();
        let err = aggregate(&request(&path, vec![Measure::CountIf("nope = 1".into())]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("events.csv"), "{err}");
        assert!(err.contains("`nope = 1`"), "{err}");
        assert!(err.contains("period, age, flag"), "{err}");
        let err = columns(&dir.path().join("missing.parquet"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing.parquet: cannot be read: no such file"),
            "{err}"
        );
    }

    #[test]
    fn types_override_inference() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        std::fs::write(&path, "period,age,code\n2024,17,01\n2024,30,02\n").unwrap();
        let mut r = request(&path, vec![Measure::Rows]);
        r.keys[1] = (Role::Ethnicity, KeySource::Column("code".into()));
        // A key column of a CSV is text whatever its first rows look like.
        let implied: Vec<String> = rows(&aggregate(&r).unwrap())
            .into_iter()
            .map(|x| x.1)
            .collect();
        assert_eq!(implied, ["01", "02"]);
        r.types = vec![("code".into(), ColumnType::Text)];
        let forced: Vec<String> = rows(&aggregate(&r).unwrap())
            .into_iter()
            .map(|x| x.1)
            .collect();
        assert_eq!(forced, ["01", "02"]);
        r.types = vec![("nope".into(), ColumnType::Text)];
        let err = aggregate(&r).unwrap_err().to_string();
        assert!(err.contains("[types] names `nope`"), "{err}");
    }

    #[test]
    fn csv_keys_are_text_trimmed_and_later_rows_decide_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        // 1,100 rows of whole numbers, then a code and a fraction: inference from the first
        // rows would make `code` and `days` whole numbers and refuse the last row.
        let mut text = String::from("period,age,code,days\n");
        for i in 0..1100 {
            text.push_str(&format!("2024,30,{},{}\n", i % 3, i % 5));
        }
        text.push_str("2024 ,30,X,2.5\n");
        std::fs::write(&path, text).unwrap();
        let mut r = request(&path, vec![Measure::Rows, Measure::Sum("days".into())]);
        r.keys[1] = (Role::Ethnicity, KeySource::Column("code".into()));
        let got = rows(&aggregate(&r).unwrap());
        assert_eq!(
            got.iter()
                .map(|x| (x.0.as_str(), x.1.as_str()))
                .collect::<Vec<_>>(),
            [("2024", "0"), ("2024", "1"), ("2024", "2"), ("2024", "X")]
        );
        assert_eq!(got[3].2, vec![1.0, 2.5]);
    }

    #[test]
    fn data_errors_name_the_row_column_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("counts.csv");
        let mut text = String::from("period,age,n\n");
        for _ in 0..1100 {
            text.push_str("2024,30,4\n");
        }
        text.push_str("2024,31,\"1,234\"\n");
        std::fs::write(&path, text).unwrap();
        let r = request(&path, vec![Measure::SumColumn("n".into())]);
        let err = aggregate(&r).unwrap_err().to_string();
        assert!(
            err.contains("counts.csv") && err.contains("row 1101 (line 1102), column `n`: `1,234`"),
            "{err}"
        );
        std::fs::write(&path, "period,age,n\n2024,30,4\n2024,31,2.5\n").unwrap();
        let err = aggregate(&r).unwrap_err().to_string();
        assert!(
            err.contains("row 2, column `n`: `2.5` is not a whole number"),
            "{err}"
        );
    }

    #[test]
    fn lsoa_codes_get_their_decile_from_a_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.csv");
        std::fs::write(
            &path,
            "period,age,lsoa\n2024,17,E01\n2024,30,E02\n2024,31,E02\n2024,40,E99\n",
        )
        .unwrap();
        let lookup = dir.path().join("imd.csv");
        std::fs::write(&lookup, "lsoa_code,imd_decile\nE01,3\nE02,9\n").unwrap();
        let mut r = request(&path, vec![Measure::Rows]);
        r.keys[1] = (
            Role::Imd,
            KeySource::Lookup {
                column: "lsoa".into(),
                file: lookup.clone(),
                key: "lsoa_code".into(),
                value: "imd_decile".into(),
            },
        );
        let got: Vec<(String, f64)> = rows(&aggregate(&r).unwrap())
            .into_iter()
            .map(|x| (x.1, x.2[0]))
            .collect();
        assert_eq!(
            got,
            vec![("3".into(), 1.0), ("9".into(), 2.0), ("∅".into(), 1.0)]
        );
        std::fs::write(&lookup, "lsoa_code,imd_decile\nE01,3\nE01,4\n").unwrap();
        let err = aggregate(&r).unwrap_err().to_string();
        assert!(err.contains("the codes E01 appear more than once"), "{err}");
    }

    #[test]
    fn xlsx_sources_read_as_csv_does() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("events.csv");
        std::fs::write(&csv, "period,age,flag\n2024,17,1\n2024,30,0\n2024,31,1\n").unwrap();
        let table = levelfield_table::read(&csv).unwrap();
        let xlsx = dir.path().join("events.xlsx");
        levelfield_table::write(&table, &xlsx, None).unwrap();
        let measures = vec![Measure::Rows, Measure::CountIf("flag = 1".into())];
        let a = aggregate(&request(&csv, measures.clone())).unwrap();
        let b = aggregate(&request(&xlsx, measures)).unwrap();
        assert_eq!(rows(&a), rows(&b));
        assert_eq!(rows(&a).len(), 2);
    }
}
