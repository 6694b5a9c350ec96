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
    csrf: Option<String>,
    check_only: bool,
}

/// Receives an upload: `multipart/form-data` with a `file` part (and, from the page, `csrf`
/// before it and `check_only`), or the file as the whole body with its name in `?name=`.
async fn receive(
    state: &AppState,
    request: Request,
    query: &UploadQuery,
) -> Result<(Upload, UploadForm), ApiError> {
    let limit = state.config().max_upload;
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut form = UploadForm {
        csrf: None,
        check_only: query.check_only.unwrap_or(false),
    };
    if !multipart {
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
            "csrf" => form.csrf = field.text().await.ok(),
            "check_only" => form.check_only = true,
            "file" => {
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

/// Checks an upload and, unless only checking or it has errors, stores it as Parquet and
/// records it. Runs on a blocking thread.
fn check_and_store(
    state: &AppState,
    user: i64,
    upload: Upload,
    check_only: bool,
) -> Result<Validation, ApiError> {
    let (table, mut report) = validate(upload.file.path(), &upload.name);
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
    let (upload, form) = receive(state, request, query).await?;
    if from_page {
        check_csrf(p, form.csrf.as_deref().unwrap_or(""))
            .map_err(|_| ApiError(StatusCode::FORBIDDEN, "missing or wrong CSRF token".into()))?;
    }
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
            let body = format!(
                "<p>Uploaded {} by {}.</p>{}",
                pages::when(d.created_at),
                esc(&d.uploaded_by),
                report_html(&v)
            );
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
