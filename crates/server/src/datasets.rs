//! Datasets: an upload (CSV, Parquet or XLSX) is streamed to a temporary file, read, checked
//! and reported on; only a dataset without errors is stored, typed, as Parquet under the data
//! folder. The pages and the API share `receive` and [`validate`].

use std::{collections::HashSet, io::Write, path::Path};

use axum::{
    Json,
    extract::{FromRequest, Multipart, Path as UrlPath, Query, Request, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use http_body_util::BodyExt;
use levelfield_table::{Column, Format, Table};
use serde::{Deserialize, Serialize};

use crate::{
    app::{ApiError, ApiUser, AppState, Principal},
    catalogue::Dataset,
    pages::{self, Analyst, check_csrf, csrf_field, esc, layout},
};

/// What the checks found in an upload.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Validation {
    /// The uploaded file's name.
    pub name: String,
    /// `csv`, `parquet` or `xlsx`.
    pub format: String,
    /// Rows read.
    pub rows: usize,
    /// What the columns suggest the file is: `events`, `population`, `counts` or `table`.
    pub kind: String,
    /// Each column.
    pub columns: Vec<ColumnReport>,
    /// Problems that stop the file from being stored.
    pub errors: Vec<String>,
    /// Problems worth knowing that do not stop it.
    pub warnings: Vec<String>,
    /// Whether it was stored.
    pub stored: bool,
    /// Its dataset id, once stored.
    pub dataset_id: Option<i64>,
}

/// One column of an upload.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ColumnReport {
    /// Its name.
    pub name: String,
    /// `text`, `integer`, `number` or `boolean`.
    pub kind: String,
    /// Missing cells.
    pub missing: usize,
    /// Distinct values, counted up to [`DISTINCT_CAP`].
    pub distinct: usize,
    /// Up to three values, as text.
    pub examples: Vec<String>,
}

/// Distinct values are counted up to this many.
pub const DISTINCT_CAP: usize = 1000;

/// The formats accepted, by file extension.
fn format_of(name: &str) -> Option<(&'static str, Format)> {
    let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Some(("csv", Format::Csv)),
        "parquet" => Some(("parquet", Format::Parquet)),
        "xlsx" => Some(("xlsx", Format::Xlsx)),
        _ => None,
    }
}

/// A file name as a user may give it: the last part of the path, printable, at most 120
/// characters. It names the dataset; it never becomes a path.
fn clean_name(raw: &str) -> Result<String, String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if last.is_empty()
        || last.starts_with('.')
        || last.chars().any(char::is_control)
        || last.chars().count() > 120
    {
        return Err(format!(
            "`{}`: give the file a plain name of at most 120 characters, ending .csv, .parquet or .xlsx",
            raw.chars().take(60).collect::<String>()
        ));
    }
    if format_of(last).is_none() {
        return Err(format!("`{last}`: upload a .csv, .parquet or .xlsx file"));
    }
    Ok(last.to_string())
}

fn kind_of(column: &Column) -> &'static str {
    match column {
        Column::Text(_) => "text",
        Column::Integer(_) => "integer",
        Column::Number(_) => "number",
        Column::Boolean(_) => "boolean",
    }
}

fn missing(column: &Column, row: usize) -> bool {
    match column {
        Column::Text(t) => levelfield_table::is_missing_token(t.get(row)),
        Column::Integer(v) => v[row].is_none(),
        Column::Number(v) => v[row].is_none(),
        Column::Boolean(v) => v[row].is_none(),
    }
}

/// Whether a value is one a column of a known role accepts.
type ValueCheck = fn(&str) -> bool;

fn ethnic_code_or_label(v: &str) -> bool {
    levelfield_model::ethnicity::category(v).is_ok()
        || levelfield_model::ethnicity::BroadGroup::parse_label(v).is_ok()
}

/// The columns the built-in specs read by default, what each holds, and its check.
fn known_roles() -> [(&'static str, &'static str, ValueCheck); 6] {
    [
        (
            "ethnic_category",
            "an NHS ethnic category code (A–S, Z, 99)",
            ethnic_code_or_label,
        ),
        (
            "ethnic_group",
            "an ethnic group label or NHS code",
            ethnic_code_or_label,
        ),
        (
            "sex",
            "a sex or gender code (1, 2, 3, 4, 9, X, Z) or label",
            |v| levelfield_profile::groups::sex_code(Some(v)).is_some(),
        ),
        ("imd_decile", "an IMD decile 1–10 or its label", |v| {
            levelfield_model::deprivation::imd_decile(
                v,
                levelfield_model::deprivation::Direction::default(),
            )
            .is_ok()
        }),
        ("age", "an age in whole years, 0–120", |v| {
            v.trim().parse::<u32>().is_ok_and(|a| a <= 120)
        }),
        ("population", "a population of 0 or more", |v| {
            v.trim()
                .parse::<f64>()
                .is_ok_and(|p| p >= 0.0 && p.is_finite())
        }),
    ]
}

/// Reads and checks an uploaded file (`path`, named `name` by the user). Errors stop it from
/// being stored: unreadable, no rows or no columns. Warnings name values a profile would treat
/// as not known, missing cells in key columns, and the like. A CSV's column types are guessed
/// ([`Column::infer`]); the returned table is what would be stored.
pub fn validate(path: &Path, name: &str) -> (Option<Table>, Validation) {
    let mut v = Validation {
        name: name.to_string(),
        ..Validation::default()
    };
    let Some((format, _)) = format_of(name) else {
        v.errors
            .push(format!("`{name}`: upload a .csv, .parquet or .xlsx file"));
        return (None, v);
    };
    v.format = format.to_string();
    let table = match levelfield_table::read(path) {
        Ok(t) => t,
        Err(e) => {
            // The message names the temporary file; the user knows it by its own name.
            let message = e.to_string().replace(&path.display().to_string(), name);
            v.errors.push(format!("the file cannot be read: {message}"));
            return (None, v);
        }
    };
    let table = if format == "csv" {
        table.infer_types()
    } else {
        table
    };
    v.rows = table.n_rows();
    if table.names().is_empty() {
        v.errors.push("the file has no columns".into());
    }
    if table.n_rows() == 0 {
        v.errors.push("the file has a header but no rows".into());
    }
    let names: Vec<&str> = table.names().iter().map(String::as_str).collect();
    v.kind = if names.contains(&"population") {
        "population"
    } else if names.contains(&"records") || names.contains(&"count") {
        "counts"
    } else if names.contains(&"ethnic_category") || names.contains(&"age") {
        "events"
    } else {
        "table"
    }
    .into();
    let roles = known_roles();
    for (name, column) in table.names().iter().zip(table.columns()) {
        let mut seen: HashSet<String> = HashSet::new();
        let mut examples = Vec::new();
        let mut n_missing = 0;
        let check = roles.iter().find(|(n, _, _)| *n == name.as_str());
        let mut refused: Vec<(usize, String)> = Vec::new();
        let mut n_refused = 0usize;
        for row in 0..table.n_rows() {
            if missing(column, row) {
                n_missing += 1;
                continue;
            }
            let text = column.text(row);
            if let Some((_, _, ok)) = check
                && !ok(&text)
            {
                n_refused += 1;
                if refused.len() < 5 && !refused.iter().any(|(_, t)| *t == *text) {
                    refused.push((row + 2, text.to_string()));
                }
            }
            if seen.len() <= DISTINCT_CAP && !seen.contains(text.as_ref()) {
                if examples.len() < 3 {
                    examples.push(text.to_string());
                }
                seen.insert(text.into_owned());
            }
        }
        if let Some((_, what, _)) = check {
            if n_refused > 0 {
                let list: Vec<String> = refused
                    .iter()
                    .map(|(row, t)| format!("`{t}` (row {row})"))
                    .collect();
                v.warnings.push(format!(
                    "column `{name}`: {n_refused} value(s) are not {what}, e.g. {}; a profile counts them as not known or stops, as its [validation] says",
                    list.join(", ")
                ));
            }
            if n_missing > 0 {
                v.warnings.push(format!(
                    "column `{name}`: {n_missing} missing cell(s); a profile counts them as not known"
                ));
            }
        }
        v.columns.push(ColumnReport {
            name: name.clone(),
            kind: kind_of(column).into(),
            missing: n_missing,
            distinct: seen.len().min(DISTINCT_CAP),
            examples,
        });
    }
    let period = levelfield_profile::spec::Columns::default().period;
    if (v.kind == "events" || v.kind == "counts") && !names.contains(&period.as_str()) {
        v.warnings.push(format!(
            "no `{period}` column: the built-in specs count {} by period (e.g. 2024-25 or 2024-25 Q1), so a run of pcref or triple-barrier on this file stops; add the column, or name the file's own period column in your spec's [columns]",
            v.kind
        ));
    }
    if v.kind == "table" && v.errors.is_empty() {
        v.warnings.push("none of the columns has a name the built-in specs read (ethnic_category, age, sex, imd_decile, period, area_code, population); a custom spec can name them".into());
    }
    (Some(table), v)
}

/// How many bytes an upload may have.
fn too_large(limit: usize) -> ApiError {
    ApiError(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the upload is larger than this server's limit of {} MiB; split the file or ask the administrator to raise --max-upload-mb",
            limit >> 20
        ),
    )
}

/// An upload in a temporary file under the data folder's `tmp/`; deleted when dropped, so an
/// upload cut off half-way leaves nothing behind.
pub struct Upload {
    file: tempfile::NamedTempFile,
    name: String,
    bytes: usize,
}

impl Upload {
    fn new(state: &AppState, name: &str) -> Result<Upload, ApiError> {
        let name = clean_name(name).map_err(|m| ApiError(StatusCode::UNPROCESSABLE_ENTITY, m))?;
        let ext = format_of(&name).map(|(e, _)| e).unwrap_or("csv");
        let tmp = state.data_dir().join("tmp");
        std::fs::create_dir_all(&tmp)
            .map_err(|e| internal(&format!("cannot create {}: {e}", tmp.display())))?;
        let file = tempfile::Builder::new()
            .prefix("upload-")
            .suffix(&format!(".{ext}"))
            .tempfile_in(&tmp)
            .map_err(|e| internal(&format!("cannot create a temporary file: {e}")))?;
        Ok(Upload {
            file,
            name,
            bytes: 0,
        })
    }

    fn write(&mut self, chunk: &[u8], limit: usize) -> Result<(), ApiError> {
        self.bytes += chunk.len();
        if self.bytes > limit {
            return Err(too_large(limit));
        }
        self.file
            .write_all(chunk)
            .map_err(|e| internal(&format!("cannot write the upload: {e}")))
    }
}

fn internal(message: &str) -> ApiError {
    eprintln!("levelfield serve: {message}");
    ApiError(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server could not keep the upload; the administrator can see why in the server's log"
            .into(),
    )
}

/// Fields of an upload besides the file.
#[derive(Default)]
struct UploadForm {
    check_only: bool,
}

fn forged() -> ApiError {
    ApiError(
        StatusCode::FORBIDDEN,
        "missing or wrong CSRF token: send it in X-CSRF-Token or as the form's first field, before the file".into(),
    )
}

/// Receives an upload: `multipart/form-data` with a `file` part (and, from the page, `csrf`
/// before it and `check_only`), or the file as the whole body with its name in `?name=`.
///
/// With `csrf` (the session's token, for a page signed in by cookie) the request's token is
/// checked before any of the file is read: from `X-CSRF-Token`, or from a `csrf` field that
/// comes before the file.
async fn receive(
    state: &AppState,
    request: Request,
    query: &UploadQuery,
    csrf: Option<&str>,
) -> Result<(Upload, UploadForm), ApiError> {
    let limit = state.config().max_upload;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut verified = match csrf {
        None => true,
        Some(expected) => request
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|sent| crate::auth::same(sent, expected)),
    };
    let mut form = UploadForm {
        check_only: query.check_only.unwrap_or(false),
    };
    if !multipart {
        if !verified {
            return Err(forged());
        }
        let name = query.name.as_deref().ok_or_else(|| {
            ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                "name the file: POST the file as the body with ?name=events.csv, or as multipart/form-data with a `file` part".into(),
            )
        })?;
        let mut upload = Upload::new(state, name)?;
        let mut body = request.into_body();
        while let Some(frame) = body.frame().await {
            if let Ok(chunk) = frame.map_err(|_| bad_body())?.into_data() {
                upload.write(&chunk, limit)?;
            }
        }
        return Ok((upload, form));
    }
    let mut parts = Multipart::from_request(request, &())
        .await
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.body_text()))?;
    let mut upload = None;
    while let Some(mut field) = parts.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit)
        } else {
            ApiError(StatusCode::BAD_REQUEST, e.body_text())
        }
    })? {
        match field.name().unwrap_or("") {
            "csrf" => {
                // A token is 64 characters: read no more than a little over that.
                let mut sent = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|_| bad_body())? {
                    sent.extend_from_slice(&chunk);
                    if sent.len() > 256 {
                        return Err(forged());
                    }
                }
                let sent = String::from_utf8_lossy(&sent);
                match csrf {
                    Some(expected) if !crate::auth::same(sent.trim(), expected) => {
                        return Err(forged());
                    }
                    _ => verified = true,
                }
            }
            "check_only" => form.check_only = true,
            "file" => {
                if !verified {
                    return Err(forged());
                }
                let name = field.file_name().unwrap_or("").to_string();
                let mut up = Upload::new(state, &name)?;
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        too_large(limit)
                    } else {
                        bad_body()
                    }
                })? {
                    up.write(&chunk, limit)?;
                }
                upload = Some(up);
            }
            // Any other field (a browser's submit button, say) carries nothing this reads.
            _ => {}
        }
    }
    let upload = upload.ok_or_else(|| {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no file: send it in a part named `file`".into(),
        )
    })?;
    Ok((upload, form))
}

fn bad_body() -> ApiError {
    ApiError(
        StatusCode::BAD_REQUEST,
        "the upload was cut off; send it again".into(),
    )
}

/// The caps on what an upload may hold once read.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes once decompressed.
    pub max_decompressed: u64,
    /// Rows.
    pub max_rows: u64,
    /// Columns.
    pub max_columns: u64,
}

impl Limits {
    fn of(config: &crate::Config) -> Limits {
        Limits {
            max_decompressed: config.max_decompressed,
            max_rows: config.max_rows,
            max_columns: config.max_columns,
        }
    }
}

fn too_big(what: String, setting: &str) -> ApiError {
    ApiError(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("{what}; split the file, or ask the administrator to raise {setting}"),
    )
}

fn too_many(what: String, setting: &str) -> ApiError {
    ApiError(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("{what}; split the file, or ask the administrator to raise {setting}"),
    )
}

/// Measures an upload as a stream, in bounded memory, before it is read as a table: a CSV's
/// rows and columns record by record; an XLSX's parts decompressed into nothing, counting
/// bytes and the worksheet's rows (a zip bomb stops at the cap, whatever its headers claim);
/// a Parquet file's rows, columns and uncompressed size from its footer.
///
/// # Errors
/// 413 when the decompressed size is over [`Limits::max_decompressed`]; 422 when the rows or
/// columns are over their caps or the file cannot be measured.
pub fn measure(path: &Path, format: Format, limits: Limits) -> Result<(), ApiError> {
    match measured(path, format, limits) {
        Err(Some(over)) => Err(over),
        // A file that cannot be measured is left to the reader, which says why.
        _ => Ok(()),
    }
}

/// [`measure`]: `Err(None)` when the file cannot be measured.
fn measured(path: &Path, format: Format, limits: Limits) -> Result<(), Option<ApiError>> {
    let size_text = |b: u64| {
        if b >= 1 << 20 {
            format!("{} MiB", b >> 20)
        } else {
            format!("{} KiB", b >> 10)
        }
    };
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let check_rows = |rows: u64| {
        if rows > limits.max_rows {
            Err(too_many(
                format!("the file has more than {} rows", limits.max_rows),
                "--max-rows",
            ))
        } else {
            Ok(())
        }
    };
    let check_columns = |columns: u64| {
        if columns > limits.max_columns {
            Err(too_many(
                format!(
                    "the file has {columns} columns, more than {}",
                    limits.max_columns
                ),
                "--max-columns",
            ))
        } else {
            Ok(())
        }
    };
    let check_bytes = |bytes: u64| {
        if bytes > limits.max_decompressed {
            Err(too_big(
                format!(
                    "the file holds more than {} once decompressed",
                    size_text(limits.max_decompressed)
                ),
                "--max-decompressed-mb",
            ))
        } else {
            Ok(())
        }
    };
    match format {
        Format::Csv => {
            check_bytes(size).map_err(Some)?;
            let file = std::fs::File::open(path).map_err(|_| None)?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(std::io::BufReader::new(file));
            let mut record = csv::ByteRecord::new();
            let mut rows: u64 = 0;
            // Errors in the records are left to the reader, which names the row.
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                check_columns(record.len() as u64).map_err(Some)?;
                check_rows(rows).map_err(Some)?;
                rows += 1;
            }
            Ok(())
        }
        Format::Xlsx => {
            let file = std::fs::File::open(path).map_err(|_| None)?;
            let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|_| None)?;
            let mut total: u64 = 0;
            let mut buf = vec![0u8; 64 * 1024];
            for i in 0..zip.len() {
                let mut part = zip.by_index(i).map_err(|_| None)?;
                let sheet = part.name().is_ok_and(|n| n.starts_with("xl/worksheets/"));
                let mut rows: u64 = 0;
                let mut tail = [0u8; 4];
                loop {
                    let n = std::io::Read::read(&mut part, &mut buf).map_err(|_| None)?;
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                    check_bytes(total).map_err(Some)?;
                    if sheet {
                        rows += count_rows(&tail, &buf[..n]);
                        check_rows(rows.saturating_sub(1)).map_err(Some)?;
                        if n >= 4 {
                            tail.copy_from_slice(&buf[n - 4..n]);
                        }
                    }
                }
            }
            Ok(())
        }
        Format::Parquet => {
            use parquet::file::reader::FileReader;
            let file = std::fs::File::open(path).map_err(|_| None)?;
            let reader =
                parquet::file::reader::SerializedFileReader::new(file).map_err(|_| None)?;
            let meta = reader.metadata();
            check_columns(meta.file_metadata().schema_descr().num_columns() as u64)
                .map_err(Some)?;
            check_rows(meta.file_metadata().num_rows().max(0) as u64).map_err(Some)?;
            let bytes: i64 = meta.row_groups().iter().map(|g| g.total_byte_size()).sum();
            check_bytes(bytes.max(0) as u64).map_err(Some)
        }
        // Not an upload format: `format_of` never names it.
        Format::Json => Ok(()),
    }
}

/// Occurrences of `<row` (followed by a space or `>`) in `chunk`, including one that starts in
/// the last bytes of the chunk before (`tail`).
fn count_rows(tail: &[u8; 4], chunk: &[u8]) -> u64 {
    let mut joined = Vec::with_capacity(chunk.len() + 4);
    joined.extend_from_slice(tail);
    joined.extend_from_slice(chunk);
    // Every window of five ends inside this chunk, so none is counted twice.
    joined
        .windows(5)
        .filter(|w| w[..4] == *b"<row" && (w[4] == b' ' || w[4] == b'>'))
        .count() as u64
}

/// Checks an upload and, unless only checking or it has errors, stores it as Parquet and
/// records it. Runs on a blocking thread.
fn check_and_store(
    state: &AppState,
    user: i64,
    upload: Upload,
    check_only: bool,
) -> Result<Validation, ApiError> {
    if let Some((_, format)) = format_of(&upload.name) {
        measure(upload.file.path(), format, Limits::of(state.config()))?;
    }
    let (table, mut report) = validate(upload.file.path(), &upload.name);
    if let Some(t) = &table
        && t.names().len() as u64 > state.config().max_columns
    {
        return Err(too_many(
            format!(
                "the file has {} columns, more than {}",
                t.names().len(),
                state.config().max_columns
            ),
            "--max-columns",
        ));
    }
    let Some(table) = table.filter(|_| report.errors.is_empty() && !check_only) else {
        return Ok(report);
    };
    let file = format!("ds-{}.parquet", &crate::auth::random_token()[..24]);
    let folder = state.data_dir().join("datasets");
    std::fs::create_dir_all(&folder)
        .map_err(|e| internal(&format!("cannot create {}: {e}", folder.display())))?;
    let path = folder.join(&file);
    levelfield_table::write(&table, &path, Some(Format::Parquet))
        .map_err(|e| internal(&format!("cannot store the dataset: {e}")))?;
    let recorded = state.store().add_dataset(
        user,
        &upload.name,
        &file,
        &report.format,
        report.rows as i64,
        upload.bytes as i64,
        &serde_json::to_value(&report).unwrap_or_default(),
    );
    match recorded {
        Ok(id) => {
            report.stored = true;
            report.dataset_id = Some(id);
            Ok(report)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            Err(e.into())
        }
    }
}

/// Query of an upload.
#[derive(Debug, Default, Deserialize)]
pub struct UploadQuery {
    /// The file's name, for an upload sent as the whole body.
    pub name: Option<String>,
    /// Check without storing.
    pub check_only: Option<bool>,
}

async fn upload(
    state: &AppState,
    p: &Principal,
    request: Request,
    query: &UploadQuery,
    from_page: bool,
) -> Result<Validation, ApiError> {
    // The API's guard has checked a cookie session's X-CSRF-Token already; the page checks
    // its form's token here, before the file.
    let csrf = if from_page { p.csrf() } else { None };
    let (upload, form) = receive(state, request, query, csrf).await?;
    // One upload is read and checked at a time: the memory uploads cost is one upload's.
    let _turn = state
        .checks()
        .acquire()
        .await
        .map_err(|e| internal(&format!("the check stopped: {e}")))?;
    let (state2, user) = (state.clone(), p.user.id);
    tokio::task::spawn_blocking(move || check_and_store(&state2, user, upload, form.check_only))
        .await
        .map_err(|e| internal(&format!("the check stopped: {e}")))?
}

/// `POST /api/v1/datasets` (analyst): 201 with the report when stored, 200 when only checked,
/// 422 with the report when it has errors.
pub async fn api_upload(
    State(state): State<AppState>,
    Query(query): Query<UploadQuery>,
    ApiUser(p): ApiUser,
    request: Request,
) -> Result<Response, ApiError> {
    let report = upload(&state, &p, request, &query, false).await?;
    let status = if !report.errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if report.stored {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)).into_response())
}

/// `GET /api/v1/datasets` (analyst).
pub async fn api_list(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Json<Vec<Dataset>>, ApiError> {
    Ok(Json(state.store().datasets()?))
}

/// `GET /api/v1/datasets/{id}` (analyst).
pub async fn api_get(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Dataset>, ApiError> {
    state
        .store()
        .dataset(id)?
        .map(Json)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no dataset {id}")))
}

/// Deletes a dataset for `by`: the record is marked deleted (runs that used it keep naming
/// it; their results stay) and the record-level file is removed. `false` when there is none.
fn delete(state: &AppState, by: i64, id: i64) -> Result<bool, ApiError> {
    let Some(file) = state.store().delete_dataset(Some(by), id)? else {
        return Ok(false);
    };
    let path = state.data_dir().join("datasets").join(&file);
    if let Err(e) = std::fs::remove_file(&path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        // The record is gone; the next start removes the file as a stray.
        eprintln!("levelfield serve: {}: {e}", path.display());
    }
    Ok(true)
}

/// `DELETE /api/v1/datasets/{id}` (admin): 204; the runs that used it keep their results.
pub async fn api_delete(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<StatusCode, ApiError> {
    if delete(&state, p.user.id, id)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError(StatusCode::NOT_FOUND, format!("no dataset {id}")))
    }
}

/// The delete form's field.
#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: String,
}

/// `POST /datasets/{id}/delete` (admin).
pub async fn page_delete(
    State(state): State<AppState>,
    pages::Admin(p): pages::Admin,
    UrlPath(id): UrlPath<i64>,
    axum::Form(form): axum::Form<DeleteForm>,
) -> Response {
    if let Err(r) = check_csrf(&p, &form.csrf) {
        return r;
    }
    match delete(&state, p.user.id, id) {
        Ok(true) => axum::response::Redirect::to("/datasets").into_response(),
        Ok(false) => pages::status_page(
            StatusCode::NOT_FOUND,
            "Not found",
            Some(&p),
            "<p>No such dataset.</p>",
        ),
        Err(e) => e.into_response(),
    }
}

fn report_html(v: &Validation) -> String {
    let mut out = String::new();
    let verdict = if !v.errors.is_empty() {
        "<p class=\"error\" role=\"alert\">Not stored: the file has errors.</p>".to_string()
    } else if v.stored {
        format!(
            "<p class=\"ok\" role=\"status\">Stored as dataset {} ({} rows). It can now be bound to a spec on <a href=\"/runs\">Run a profile</a>.</p>",
            v.dataset_id.unwrap_or_default(),
            v.rows
        )
    } else {
        "<p role=\"status\">Checked only; nothing was stored.</p>".to_string()
    };
    out.push_str(&verdict);
    out.push_str(&format!(
        "<p>{} · {} · {} rows · looks like: {}</p>",
        esc(&v.name),
        esc(&v.format),
        v.rows,
        esc(&v.kind)
    ));
    for (title, list, class) in [
        ("Errors", &v.errors, "error"),
        ("Warnings", &v.warnings, ""),
    ] {
        if !list.is_empty() {
            out.push_str(&format!("<h2>{title}</h2><ul class=\"{class}\">"));
            for m in list {
                out.push_str(&format!("<li>{}</li>", esc(m)));
            }
            out.push_str("</ul>");
        }
    }
    if !v.columns.is_empty() {
        out.push_str("<h2>Columns</h2><table class=\"list\"><caption class=\"visually-hidden\">Columns of the upload</caption><thead><tr><th scope=\"col\">Column</th><th scope=\"col\">Type</th><th scope=\"col\">Missing</th><th scope=\"col\">Distinct</th><th scope=\"col\">Examples</th></tr></thead><tbody>");
        for c in &v.columns {
            let distinct = if c.distinct >= DISTINCT_CAP {
                format!("{DISTINCT_CAP}+")
            } else {
                c.distinct.to_string()
            };
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{distinct}</td><td>{}</td></tr>",
                esc(&c.name),
                c.kind,
                c.missing,
                esc(&c.examples.join(", "))
            ));
        }
        out.push_str("</tbody></table>");
    }
    out
}

fn upload_form(p: &Principal) -> String {
    format!(
        "<form method=\"post\" action=\"/datasets\" enctype=\"multipart/form-data\">{}\n<label for=\"file\">File (.csv, .parquet or .xlsx)</label><input id=\"file\" name=\"file\" type=\"file\" accept=\".csv,.parquet,.xlsx\" required>\n<label><input type=\"checkbox\" name=\"check_only\" value=\"1\"> Check only, do not store</label>\n<button type=\"submit\">Upload and check</button></form>",
        csrf_field(p)
    )
}

/// `GET /datasets` (analyst): the datasets and the upload form.
pub async fn page_list(State(state): State<AppState>, Analyst(p): Analyst) -> Response {
    let datasets = match state.store().datasets() {
        Ok(d) => d,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut body = String::from(
        "<p>Record-level data stays on this server: viewers never see it, and only disclosure-controlled results leave it.</p><h2>Upload</h2>",
    );
    body.push_str(&upload_form(&p));
    body.push_str("<h2>Stored datasets</h2>");
    if datasets.is_empty() {
        body.push_str("<p>None yet.</p>");
    } else {
        body.push_str("<table class=\"list\"><thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Name</th><th scope=\"col\">Rows</th><th scope=\"col\">Uploaded</th><th scope=\"col\">By</th></tr></thead><tbody>");
        for d in &datasets {
            body.push_str(&format!(
                "<tr><td>{}</td><td><a href=\"/datasets/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                d.id,
                d.id,
                esc(&d.name),
                d.rows,
                pages::when(d.created_at),
                esc(&d.uploaded_by)
            ));
        }
        body.push_str("</tbody></table>");
    }
    Html(layout("Datasets", Some(&p), "", &body)).into_response()
}

/// `POST /datasets` (analyst): upload from the page; answers with the validation report.
pub async fn page_upload(
    State(state): State<AppState>,
    Analyst(p): Analyst,
    request: Request,
) -> Response {
    match upload(&state, &p, request, &UploadQuery::default(), true).await {
        Ok(v) => {
            let status = if v.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let body = format!(
                "{}<h2>Upload another</h2>{}",
                report_html(&v),
                upload_form(&p)
            );
            (status, Html(layout("Upload checked", Some(&p), "", &body))).into_response()
        }
        Err(ApiError(status, message)) => pages::status_page(
            status,
            "Upload refused",
            Some(&p),
            &format!(
                "<p class=\"error\" role=\"alert\">{}</p>{}",
                esc(&message),
                upload_form(&p)
            ),
        ),
    }
}

/// `GET /datasets/{id}` (analyst): a dataset's validation report.
pub async fn page_get(
    State(state): State<AppState>,
    Analyst(p): Analyst,
    UrlPath(id): UrlPath<i64>,
) -> Response {
    match state.store().dataset(id) {
        Ok(Some(d)) => {
            let v: Validation = serde_json::from_value(d.report.clone()).unwrap_or_default();
            let mut body = format!(
                "<p>Uploaded {} by {}.</p>{}",
                pages::when(d.created_at),
                esc(&d.uploaded_by),
                report_html(&v)
            );
            if p.user.role >= crate::auth::Role::Admin {
                body.push_str(&format!(
                    "<h2>Delete</h2><p>Deleting removes the record-level file from this server. Runs that used it keep their published results.</p><form method=\"post\" action=\"/datasets/{id}/delete\">{}<button type=\"submit\">Delete this dataset</button></form>",
                    csrf_field(&p)
                ));
            }
            Html(layout(&d.name, Some(&p), "", &body)).into_response()
        }
        Ok(None) => pages::status_page(
            StatusCode::NOT_FOUND,
            "Not found",
            Some(&p),
            "<p>No such dataset.</p>",
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worksheet_rows_are_counted_across_chunks() {
        assert_eq!(count_rows(&[0; 4], b"<row r=\"1\"><row>x<rows"), 2);
        // `<row` split over two chunks is counted once, in the second.
        assert_eq!(count_rows(&[0; 4], b"ab<ro"), 0);
        assert_eq!(count_rows(b"b<ro", b"w r=\"2\">"), 1);
    }
}
