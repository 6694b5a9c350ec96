//! Results of finished runs: the dashboard (filter by indicator, area, period and dimension;
//! the report's charts and tables), downloads (the filtered estimates as CSV, the workbook,
//! the report) and the tables as JSON. Everything here is disclosure-controlled, so viewers
//! see it all. Parsed results and rendered pages are cached in memory: results never change
//! once a run is done.

use std::{
    collections::{BTreeSet, HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::{
    Json,
    extract::{Path as UrlPath, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use levelfield_report::{
    Meta, ProfileData,
    html::View,
    schema::{OVERALL, col},
};
use levelfield_table::Table;
use serde::Deserialize;

use crate::{
    app::{ApiError, ApiUser, AppState},
    pages::{self, Viewer, esc, layout},
};

/// The metadata file in a results folder.
pub const META_FILE: &str = "profile.json";
/// The report's file name in a results folder.
pub const REPORT_FILE: &str = "report.html";
/// The workbook's file name in a results folder.
pub const WORKBOOK_FILE: &str = "workbook.xlsx";
/// The tables of a results folder, by stem.
pub use levelfield_report::data::TABLES;

/// A run's tables, as built once from its results.
type Tables = Arc<Vec<(&'static str, Table)>>;

/// Bounded caches of parsed results, their tables and rendered pages, oldest out first.
pub struct Cache {
    data: Mutex<Bounded<i64, Arc<ProfileData>>>,
    tables: Mutex<Bounded<i64, Tables>>,
    pages: Mutex<Bounded<String, Arc<(String, String)>>>,
}

struct Bounded<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    cap: usize,
}

impl<K: std::hash::Hash + Eq + Clone, V: Clone> Bounded<K, V> {
    fn new(cap: usize) -> Self {
        Bounded {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap,
        }
    }
    fn get(&self, k: &K) -> Option<V> {
        self.map.get(k).cloned()
    }
    fn insert(&mut self, k: K, v: V) {
        if self.map.insert(k.clone(), v).is_none() {
            self.order.push_back(k);
            while self.order.len() > self.cap {
                if let Some(old) = self.order.pop_front() {
                    self.map.remove(&old);
                }
            }
        }
    }
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            data: Mutex::new(Bounded::new(8)),
            tables: Mutex::new(Bounded::new(8)),
            pages: Mutex::new(Bounded::new(512)),
        }
    }
}

impl Cache {
    /// Keeps a run's parsed results.
    pub fn insert(&self, id: i64, data: Arc<ProfileData>) {
        self.data
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, data);
    }

    fn data(&self, id: i64) -> Option<Arc<ProfileData>> {
        self.data.lock().unwrap_or_else(|p| p.into_inner()).get(&id)
    }

    fn tables(&self, id: i64) -> Option<Tables> {
        self.tables
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
    }

    fn insert_tables(&self, id: i64, tables: Tables) {
        self.tables
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tables);
    }

    fn page(&self, key: &str) -> Option<Arc<(String, String)>> {
        self.pages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key.to_string())
    }

    fn insert_page(&self, key: String, page: Arc<(String, String)>) {
        self.pages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, page);
    }
}

fn not_found(id: i64) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        format!("no finished run {id}; see /api/v1/runs"),
    )
}

/// A finished run's results, from the cache or its folder.
pub(crate) async fn data_of(state: &AppState, id: i64) -> Result<Arc<ProfileData>, ApiError> {
    if let Some(d) = state.results().data(id) {
        return Ok(d);
    }
    let folder = state
        .store()
        .run_results(id)?
        .ok_or_else(|| not_found(id))?;
    let dir = state.data_dir().join("results").join(folder);
    let data = tokio::task::spawn_blocking(move || -> Result<ProfileData, String> {
        let meta = std::fs::read_to_string(dir.join(META_FILE)).map_err(|e| e.to_string())?;
        let meta = Meta::from_json(&meta).map_err(|e| e.to_string())?;
        let mut tables = Vec::new();
        for stem in TABLES {
            let path = dir.join(format!("{stem}.csv"));
            if path.is_file() {
                tables.push((
                    stem,
                    levelfield_table::read(&path).map_err(|e| e.to_string())?,
                ));
            }
        }
        ProfileData::from_tables(meta, &tables).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r)
    .map_err(|e| {
        eprintln!("levelfield serve: results of run {id}: {e}");
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the results cannot be read; the administrator can see why in the server's log".into(),
        )
    })?;
    let data = Arc::new(data);
    state.results().insert(id, data.clone());
    Ok(data)
}

/// A finished run's tables (estimates, comparisons…), built once from its results and cached.
pub(crate) async fn tables_of(state: &AppState, id: i64) -> Result<Tables, ApiError> {
    if let Some(t) = state.results().tables(id) {
        return Ok(t);
    }
    let data = data_of(state, id).await?;
    let tables = tokio::task::spawn_blocking(move || Arc::new(data.to_tables()))
        .await
        .map_err(|e| {
            eprintln!("levelfield serve: tables of run {id}: {e}");
            ApiError(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the results cannot be read; the administrator can see why in the server's log"
                    .into(),
            )
        })?;
    state.results().insert_tables(id, tables.clone());
    Ok(tables)
}

/// The rows of `table` whose `column` is `value`, among `rows`; `Err` names a column the
/// table does not have.
fn keep(
    table: &Table,
    rows: Vec<usize>,
    column: &str,
    value: &str,
    also: Option<&str>,
) -> Result<Vec<usize>, String> {
    let Ok(col) = table.column(column) else {
        return Err(column.to_string());
    };
    Ok(rows
        .into_iter()
        .filter(|&r| {
            let t = col.text(r);
            t == value || also.is_some_and(|a| t == a)
        })
        .collect())
}

/// The rows of `table` that pass `filter` (`Overall` rows pass a dimension filter when
/// `with_overall`).
fn filtered(table: &Table, filter: &Filter, with_overall: bool) -> Result<Vec<usize>, String> {
    let mut rows: Vec<usize> = (0..table.n_rows()).collect();
    for (column, value) in [
        (col::INDICATOR_ID, &filter.indicator),
        (col::AREA_CODE, &filter.area),
        (col::PERIOD, &filter.period),
        (col::DIMENSION, &filter.dimension),
    ] {
        if let Some(v) = Filter::get(value) {
            let also = (with_overall && column == col::DIMENSION).then_some(OVERALL);
            rows = keep(table, rows, column, v, also)?;
        }
    }
    Ok(rows)
}

/// The default page of `GET /api/v1/results/{id}/{table}`.
pub const PAGE_ROWS: usize = 1000;
/// The largest page.
pub const MAX_PAGE_ROWS: usize = 10_000;

/// A page of a results table, filtered.
#[derive(Debug, Default, Deserialize)]
pub struct TableQuery {
    /// Indicator id.
    pub indicator: Option<String>,
    /// Area code.
    pub area: Option<String>,
    /// Period.
    pub period: Option<String>,
    /// Dimension label.
    pub dimension: Option<String>,
    /// Rows per page (default [`PAGE_ROWS`], at most [`MAX_PAGE_ROWS`]).
    pub limit: Option<usize>,
    /// Rows to skip.
    pub offset: Option<usize>,
}

/// The dashboard's filters.
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// Indicator id (default: the first).
    pub indicator: Option<String>,
    /// Area code (default: the comparator).
    pub area: Option<String>,
    /// Period (default: the latest).
    pub period: Option<String>,
    /// Dimension label (default: all).
    pub dimension: Option<String>,
}

impl Filter {
    fn query(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("indicator", &self.indicator),
            ("area", &self.area),
            ("period", &self.period),
            ("dimension", &self.dimension),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", encode(v)));
            }
        }
        parts.join("&")
    }

    fn get(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|v| !v.is_empty())
    }
}

/// Percent-encodes a query value.
fn encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn options(
    name: &str,
    label: &str,
    values: &[(String, String)],
    chosen: Option<&str>,
    any: Option<&str>,
) -> String {
    let mut out = format!(
        "<div><label for=\"f-{name}\">{label}</label><select id=\"f-{name}\" name=\"{name}\">"
    );
    if let Some(any) = any {
        out.push_str(&format!("<option value=\"\">{}</option>", esc(any)));
    }
    for (value, text) in values {
        let sel = if Some(value.as_str()) == chosen {
            " selected"
        } else {
            ""
        };
        out.push_str(&format!(
            "<option value=\"{}\"{sel}>{}</option>",
            esc(value),
            esc(text)
        ));
    }
    out.push_str("</select></div>");
    out
}

fn dashboard(id: i64, data: &ProfileData, f: &Filter) -> String {
    let ids = data.indicator_ids();
    let indicator = Filter::get(&f.indicator)
        .filter(|i| ids.iter().any(|x| x == i))
        .map(str::to_string)
        .or_else(|| ids.first().cloned())
        .unwrap_or_default();
    let mut areas: Vec<(String, String)> = Vec::new();
    let mut periods = BTreeSet::new();
    let mut dims: Vec<(String, String)> = Vec::new();
    for e in data
        .estimates
        .iter()
        .filter(|e| e.indicator_id == indicator)
    {
        if !areas.iter().any(|(c, _)| *c == e.area_code) {
            areas.push((
                e.area_code.clone(),
                format!("{} ({})", e.area_name, e.area_code),
            ));
        }
        periods.insert(e.period.clone());
        if e.dimension != OVERALL && !dims.iter().any(|(d, _)| *d == e.dimension) {
            dims.push((e.dimension.clone(), e.dimension.clone()));
        }
    }
    let comparator = data.comparator_code();
    areas.sort_by(|a, b| {
        (a.0 != comparator)
            .cmp(&(b.0 != comparator))
            .then(a.1.cmp(&b.1))
    });
    let periods: Vec<(String, String)> =
        periods.into_iter().rev().map(|p| (p.clone(), p)).collect();
    let view = View {
        area: Filter::get(&f.area).filter(|a| areas.iter().any(|(c, _)| c == a)),
        period: Filter::get(&f.period),
        dimension: Filter::get(&f.dimension).filter(|d| dims.iter().any(|(x, _)| x == d)),
    };
    let names: Vec<(String, String)> = ids
        .iter()
        .map(|i| (i.clone(), data.indicator_name(i)))
        .collect();
    let query = f.query();
    let q = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let mut body = String::new();
    if !data.meta.subtitle.is_empty() {
        body.push_str(&format!("<p>{}</p>", esc(&data.meta.subtitle)));
    }
    body.push_str(&format!(
        "<form method=\"get\" action=\"/results/{id}\" class=\"filters\" aria-label=\"Filters\">{}{}{}{}<button type=\"submit\">Show</button></form>",
        options("indicator", "Indicator", &names, Some(&indicator), None),
        options("area", "Area", &areas, view.area, None),
        options("period", "Period", &periods, view.period, Some("Latest")),
        options("dimension", "Dimension", &dims, view.dimension, Some("All")),
    ));
    body.push_str(&format!(
        "<p>Download: <a href=\"/results/{id}/estimates.csv{q}\" download>these estimates (CSV)</a> · <a href=\"/results/{id}/workbook.xlsx\" download>the workbook (XLSX)</a> · <a href=\"/results/{id}/report.html\">the report (HTML)</a></p>"
    ));
    body.push_str(&levelfield_report::html::indicator_view(
        data, &indicator, view,
    ));
    for line in &data.meta.attribution {
        body.push_str(&format!("<p class=\"note\">{}</p>", esc(line)));
    }
    body
}

/// `GET /results` (viewer): finished runs.
pub async fn page_list(State(state): State<AppState>, Viewer(p): Viewer) -> Response {
    let runs = match state.store().runs() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let done: Vec<_> = runs.iter().filter(|r| r.status == "done").collect();
    let mut body = String::new();
    if done.is_empty() {
        body.push_str("<p>No results yet. An analyst uploads data and runs a profile; its results appear here.</p>");
    } else {
        body.push_str("<ul>");
        for r in done {
            body.push_str(&format!(
                "<li><a href=\"/results/{}\">{} — run {}</a>, {}</li>",
                r.id,
                esc(&r.spec),
                r.id,
                r.finished_at.map(pages::when).unwrap_or_default()
            ));
        }
        body.push_str("</ul>");
    }
    Html(layout("Results", Some(&p), "", &body)).into_response()
}

/// `GET /results/{id}` (viewer): the dashboard.
pub async fn page_get(
    State(state): State<AppState>,
    Viewer(p): Viewer,
    UrlPath(id): UrlPath<i64>,
    Query(filter): Query<Filter>,
) -> Response {
    let key = format!("{id}?{}", filter.query());
    let content = match state.results().page(&key) {
        Some(c) => c,
        None => {
            let data = match data_of(&state, id).await {
                Ok(d) => d,
                Err(ApiError(StatusCode::NOT_FOUND, _)) => {
                    return pages::status_page(
                        StatusCode::NOT_FOUND,
                        "Not found",
                        Some(&p),
                        "<p>No finished run of that number.</p>",
                    );
                }
                Err(e) => return e.into_response(),
            };
            let title = if data.meta.title.is_empty() {
                format!("Results of run {id}")
            } else {
                data.meta.title.clone()
            };
            let c = Arc::new((title, dashboard(id, &data, &filter)));
            state.results().insert_page(key, c.clone());
            c
        }
    };
    let (title, body) = (&content.0, &content.1);
    Html(layout(
        title,
        Some(&p),
        levelfield_report::html::FIGURES_CSS,
        body,
    ))
    .into_response()
}

/// A CSV written on a blocking thread and sent in 64 KiB chunks as it is written, so a large
/// download holds a few chunks in memory, not the whole file; a client that goes away stops
/// the writing.
fn stream_csv(table: Table) -> axum::body::Body {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        let mut out = Chunks {
            tx,
            buf: Vec::with_capacity(CHUNK),
        };
        if let Err(e) = levelfield_table::write_csv_to(&table, &mut out)
            .and_then(|()| std::io::Write::flush(&mut out))
        {
            let _ = out.tx.blocking_send(Err(e));
        }
    });
    axum::body::Body::new(ChunkBody(rx))
}

const CHUNK: usize = 64 * 1024;

struct Chunks {
    tx: tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk.into()))
            .map_err(|_| std::io::Error::other("the client went away"))
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

struct ChunkBody(tokio::sync::mpsc::Receiver<Result<axum::body::Bytes, std::io::Error>>);

impl http_body::Body for ChunkBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|r| r.map(http_body::Frame::data)))
    }
}

fn attachment(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// `GET /results/{id}/{file}` (viewer): `estimates.csv` (filtered as the dashboard is),
/// `workbook.xlsx` or `report.html`.
pub async fn download(
    State(state): State<AppState>,
    Viewer(p): Viewer,
    UrlPath((id, file)): UrlPath<(i64, String)>,
    Query(filter): Query<Filter>,
) -> Response {
    let folder = match state.store().run_results(id) {
        Ok(Some(f)) => f,
        Ok(None) => {
            return pages::status_page(
                StatusCode::NOT_FOUND,
                "Not found",
                Some(&p),
                "<p>No finished run of that number.</p>",
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let dir = state.data_dir().join("results").join(folder);
    match file.as_str() {
        "workbook.xlsx" | "report.html" => {
            let path = dir.join(if file == "report.html" {
                REPORT_FILE
            } else {
                WORKBOOK_FILE
            });
            match tokio::fs::read(&path).await {
                Ok(bytes) if file == "report.html" => {
                    // The report is self-contained, with no scripts: shown as it is.
                    let mut r = Html(bytes).into_response();
                    r.headers_mut().insert(
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_static(
                            "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
                        ),
                    );
                    r
                }
                Ok(bytes) => attachment(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("levelfield-run-{id}.xlsx"),
                    bytes,
                ),
                Err(e) => {
                    eprintln!("levelfield serve: {}: {e}", path.display());
                    ApiError(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "the file cannot be read".into(),
                    )
                    .into_response()
                }
            }
        }
        "estimates.csv" => {
            let tables = match tables_of(&state, id).await {
                Ok(t) => t,
                Err(e) => return e.into_response(),
            };
            let Some((_, estimates)) = tables.iter().find(|(s, _)| *s == "estimates") else {
                return ApiError(StatusCode::NOT_FOUND, "no estimates".into()).into_response();
            };
            let rows = filtered(estimates, &filter, true).unwrap_or_default();
            let table = estimates.take(&rows);
            let mut r = Response::new(stream_csv(table));
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                "attachment; filename=\"levelfield-run-{id}-estimates.csv\""
            )) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            r
        }
        // Any other name is not a download.
        _ => pages::status_page(
            StatusCode::NOT_FOUND,
            "Not found",
            Some(&p),
            "<p>Downloads are estimates.csv, workbook.xlsx and report.html.</p>",
        ),
    }
}

/// `GET /api/v1/results/{id}/{table}` (viewer): a page of one of the run's tables as JSON
/// rows, filtered by `indicator`, `area`, `period` and `dimension` (the table's
/// `indicator_id`, `area_code`, `period` and `dimension` columns), `limit` rows (default
/// [`PAGE_ROWS`]) from `offset`. `X-Total-Count` says how many rows pass the filters, and a
/// `Link` header with `rel="next"` gives the next page while there is one.
pub async fn api_table(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    UrlPath((id, stem)): UrlPath<(i64, String)>,
    Query(query): Query<TableQuery>,
) -> Result<Response, ApiError> {
    if !TABLES.contains(&stem.as_str()) {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no table `{stem}`; the tables are {}", TABLES.join(", ")),
        ));
    }
    let limit = query.limit.unwrap_or(PAGE_ROWS);
    if limit == 0 || limit > MAX_PAGE_ROWS {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("`limit` is 1 to {MAX_PAGE_ROWS} rows"),
        ));
    }
    let offset = query.offset.unwrap_or(0);
    let filter = Filter {
        indicator: query.indicator,
        area: query.area,
        period: query.period,
        dimension: query.dimension,
    };
    let tables = tables_of(&state, id).await?;
    let empty = Table::default();
    let table = tables
        .iter()
        .find(|(s, _)| *s == stem)
        .map_or(&empty, |(_, t)| t);
    let rows = if table.n_rows() == 0 {
        Vec::new()
    } else {
        filtered(table, &filter, false).map_err(|column| {
            ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("the {stem} table has no `{column}` column to filter on"),
            )
        })?
    };
    let total = rows.len();
    let page: Vec<usize> = rows.into_iter().skip(offset).take(limit).collect();
    let mut bytes = Vec::new();
    levelfield_table::write_json_to(&table.take(&page), &mut bytes)
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let mut response = ([(header::CONTENT_TYPE, "application/json")], bytes).into_response();
    let h = response.headers_mut();
    h.insert("x-total-count", HeaderValue::from(total));
    if offset.saturating_add(limit) < total {
        let mut next = filter.query();
        if !next.is_empty() {
            next.push('&');
        }
        let link = format!(
            "</api/v1/results/{id}/{stem}?{next}limit={limit}&offset={}>; rel=\"next\"",
            offset + limit
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            h.insert(header::LINK, v);
        }
    }
    Ok(response)
}

/// `GET /api/v1/results/{id}` (viewer): the run's metadata (`profile.json`).
pub async fn api_meta(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let data = data_of(&state, id).await?;
    Ok(Json(
        serde_json::from_str(&data.meta.to_json()).unwrap_or_default(),
    ))
}
