//! Profile runs: a spec (built-in or the user's TOML) whose files are bound to uploaded
//! datasets, queued to one worker thread that runs the engine's pipeline, reports each stage
//! to the store as it starts, and publishes the tables, report and workbook into the data
//! folder all at once. A run the server did not finish is marked failed when it starts again.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::{Arc, mpsc},
};

use axum::{
    Form, Json,
    extract::{Path as UrlPath, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use levelfield_engine::pipeline::{self, STAGES};
use levelfield_profile::{Spec, spec::BUILTIN};
use levelfield_report::ProfileData;
use serde::Deserialize;

use crate::{
    app::{ApiError, ApiUser, AppState, Principal},
    catalogue::{Dataset, Run},
    pages::{self, Analyst, Viewer, check_csrf, csrf_field, esc, layout},
};

/// Stages a run reports: the pipeline's and the writing of its results.
pub const TOTAL_STAGES: i64 = STAGES as i64 + 1;

/// The results of a run inside the data folder's `results/`.
pub fn results_folder(id: i64) -> String {
    format!("run-{id}")
}

/// The queue of runs: one worker thread takes them in order, so a run has the machine's cores
/// to itself. The thread ends when the last sender (the app's state) is dropped.
pub struct Worker {
    sender: mpsc::Sender<(i64, AppState)>,
}

impl Worker {
    /// Starts the worker thread.
    pub fn start() -> Worker {
        let (sender, receiver) = mpsc::channel::<(i64, AppState)>();
        std::thread::Builder::new()
            .name("levelfield-runs".into())
            .spawn(move || {
                for (id, state) in receiver {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        execute(&state, id)
                    }))
                    .unwrap_or_else(|_| {
                        Err("the run stopped on an internal error; the server's log has the details".into())
                    });
                    let recorded = match &outcome {
                        Ok((folder, summary)) => state.store().finish_run(id, Ok(folder), summary),
                        Err(why) => state.store().finish_run(id, Err(why), ""),
                    };
                    if let Err(e) = recorded {
                        eprintln!("levelfield serve: run {id}: {e}");
                    }
                }
            })
            .expect("the operating system starts a thread");
        Worker { sender }
    }

    fn queue(&self, id: i64, state: AppState) -> Result<(), ApiError> {
        self.sender.send((id, state)).map_err(|_| {
            ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                "the run worker has stopped; restart the server".into(),
            )
        })
    }
}

/// One file a run reads: the stored path the spec is given, and how the user knows it.
struct Bound {
    path: String,
    label: String,
    named: String,
}

/// Binds each file a spec reads to a stored dataset's Parquet file. A role without a binding
/// is an error naming it; nothing from the request becomes a path.
fn bind(
    spec: &mut Spec,
    bindings: &BTreeMap<String, i64>,
    datasets: &[Dataset],
    dir: &Path,
) -> Result<Vec<Bound>, String> {
    let mut used = Vec::new();
    for (role, path) in spec.files_mut() {
        let id = bindings.get(role).ok_or_else(|| {
            format!(
                "bind the spec's {role} file (`{}`) to an uploaded dataset",
                path.display()
            )
        })?;
        let d = datasets.iter().find(|d| d.id == *id).ok_or_else(|| {
            format!("the {role} file is bound to dataset {id}, which does not exist")
        })?;
        *path = dir.join("datasets").join(&d.file);
        used.push(Bound {
            path: path.display().to_string(),
            label: format!("{role}: {} (dataset {})", d.name, d.id),
            named: format!("the {role} file `{}` (dataset {})", d.name, d.id),
        });
    }
    Ok(used)
}

/// A failed run's message as its user can read it: each stored file's path (under the server's
/// data folder, which a user never sees) becomes the dataset they uploaded.
fn as_user_sees(message: &str, used: &[Bound]) -> String {
    used.iter()
        .fold(message.to_string(), |m, b| m.replace(&b.path, &b.named))
}

/// The roles of the files a spec reads, with the file names it gives.
fn roles(spec_text: &str) -> Result<Vec<(&'static str, String)>, String> {
    let mut spec = Spec::parse(spec_text, "the spec", Path::new("")).map_err(|e| e.to_string())?;
    Ok(spec
        .files_mut()
        .into_iter()
        .map(|(r, p)| (r, p.display().to_string()))
        .collect())
}

/// One run, on the worker thread: `Ok((results folder, summary))` or why it failed.
fn execute(state: &AppState, id: i64) -> Result<(String, String), String> {
    let store = state.store();
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    let (toml, bindings) = store
        .run_input(id)
        .map_err(|e| fail(&e))?
        .ok_or("the run is not in the store")?;
    let bindings: BTreeMap<String, i64> = serde_json::from_str(&bindings).map_err(|e| fail(&e))?;
    let mut spec = Spec::parse(&toml, "the spec", Path::new("")).map_err(|e| fail(&e))?;
    let datasets = store.datasets().map_err(|e| fail(&e))?;
    let used = bind(&mut spec, &bindings, &datasets, state.data_dir())?;
    let mut stage_error = None;
    let run = pipeline::run(&spec, &mut |stage| {
        if let Err(e) = store.run_progress(id, stage.label(), i64::from(stage.index())) {
            stage_error.get_or_insert(e.to_string());
        }
    })
    .map_err(|e| as_user_sees(&fail(&e), &used))?;
    if let Some(e) = stage_error {
        return Err(e);
    }
    store
        .run_progress(
            id,
            "writing the tables, report and workbook",
            i64::from(STAGES),
        )
        .map_err(|e| fail(&e))?;
    let tables = levelfield_profile::output::tables(&spec, &run.profile);
    let mut meta = levelfield_report::Meta::for_profile(&spec, &run.profile);
    for source in &mut meta.sources {
        source.title = "Datasets uploaded to this levelfield server".into();
        source.url = used
            .iter()
            .map(|b| b.label.as_str())
            .collect::<Vec<_>>()
            .join("; ");
    }
    let data = ProfileData::from_tables(meta.clone(), &tables.tables).map_err(|e| fail(&e))?;
    let html = levelfield_report::html::render(&data);
    let xlsx = levelfield_report::workbook(&data).map_err(|e| fail(&e))?;
    let folder = results_folder(id);
    let results = state.data_dir().join("results");
    let partial = results.join(format!(".partial-{folder}"));
    let _ = std::fs::remove_dir_all(&partial);
    let write = || -> Result<(), String> {
        std::fs::create_dir_all(&partial).map_err(|e| fail(&e))?;
        for (stem, table) in &tables.tables {
            levelfield_table::write(table, &partial.join(format!("{stem}.csv")), None)
                .map_err(|e| fail(&e))?;
        }
        let w = |name: &str, bytes: &[u8]| {
            levelfield_table::write_bytes(&partial.join(name), bytes).map_err(|e| fail(&e))
        };
        w(crate::results::META_FILE, meta.to_json().as_bytes())?;
        w(crate::results::REPORT_FILE, html.as_bytes())?;
        w(crate::results::WORKBOOK_FILE, &xlsx)?;
        std::fs::rename(&partial, results.join(&folder)).map_err(|e| fail(&e))
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    state.results().insert(id, Arc::new(data));
    let hidden = run.profile.estimates.iter().filter(|e| e.hidden).count();
    Ok((
        folder,
        format!(
            "{} estimates from {} strata; {hidden} suppressed under {}",
            run.profile.estimates.len(),
            run.strata,
            run.profile.rule
        ),
    ))
}

/// Body of `POST /api/v1/runs`.
#[derive(Debug, Deserialize)]
pub struct RunRequest {
    /// A built-in spec's name (`pcref`, `triple-barrier`), or absent with `toml`.
    #[serde(default)]
    pub spec: Option<String>,
    /// The spec's TOML, when not built in.
    #[serde(default)]
    pub toml: Option<String>,
    /// Dataset id of each file role the spec reads (`events`, `population`…). A role left out
    /// binds to the newest dataset named as the spec names the file.
    #[serde(default)]
    pub datasets: BTreeMap<String, i64>,
}

/// Checks a run request and queues it: the spec parses, every file binds, and the datasets
/// exist. Returns the run's id.
fn start(state: &AppState, p: &Principal, request: &RunRequest) -> Result<i64, ApiError> {
    let invalid = |m: String| ApiError(StatusCode::UNPROCESSABLE_ENTITY, m);
    let (name, text) = match (&request.spec, &request.toml) {
        (Some(name), _) if !name.is_empty() => {
            let (n, t) = BUILTIN.iter().find(|(n, _)| n == name).ok_or_else(|| {
                invalid(format!(
                    "`{name}` is not a built-in spec; use {} or send the spec's TOML",
                    BUILTIN.map(|(n, _)| n).join(", ")
                ))
            })?;
            (format!("{n} (built-in)"), (*t).to_string())
        }
        (_, Some(toml)) if !toml.trim().is_empty() => {
            if toml.len() > 256 * 1024 {
                return Err(invalid("the spec is longer than 256 KiB".into()));
            }
            let title = toml::from_str::<toml::Table>(toml)
                .ok()
                .and_then(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .unwrap_or_else(|| "custom spec".into());
            (title.chars().take(200).collect(), toml.clone())
        }
        _ => {
            return Err(invalid(
                "give `spec` (a built-in name) or `toml` (a spec)".into(),
            ));
        }
    };
    let files = roles(&text).map_err(invalid)?;
    let datasets = state.store().datasets()?;
    let mut bindings = BTreeMap::new();
    for (role, file) in files {
        let id = match request.datasets.get(role) {
            Some(id) => *id,
            None => datasets
                .iter()
                .find(|d| d.name == file)
                .map(|d| d.id)
                .ok_or_else(|| {
                    invalid(format!(
                        "the spec reads a {role} file, `{file}`: upload a dataset of that name or choose one for `{role}`"
                    ))
                })?,
        };
        if !datasets.iter().any(|d| d.id == id) {
            return Err(invalid(format!("{role}: there is no dataset {id}")));
        }
        bindings.insert(role.to_string(), id);
    }
    let bindings = serde_json::to_value(&bindings).unwrap_or_default();
    let id = state
        .store()
        .queue_run(p.user.id, &name, &text, &bindings)?;
    state.worker().queue(id, state.clone())?;
    Ok(id)
}

/// `POST /api/v1/runs` (analyst): 202 with the run.
pub async fn api_start(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Json(body): Json<RunRequest>,
) -> Result<(StatusCode, Json<Run>), ApiError> {
    let id = start(&state, &p, &body)?;
    let run = state.store().run(id)?.ok_or_else(|| not_found(id))?;
    Ok((StatusCode::ACCEPTED, Json(run)))
}

fn not_found(id: i64) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, format!("no run {id}"))
}

/// Whether `p` sees a run's provenance: who started it and which datasets it read. Analysts and admins do; viewers see results,
/// not the provenance of record-level data, unless the server allows it
/// (`Config::viewers_see_provenance`).
pub(crate) fn sees_provenance(state: &AppState, p: &Principal) -> bool {
    p.user.role >= crate::auth::Role::Analyst || state.config().viewers_see_provenance
}

/// A run as `p` may see it.
fn shown(state: &AppState, p: &Principal, run: &Run) -> serde_json::Value {
    let mut v = serde_json::to_value(run).unwrap_or_default();
    if !sees_provenance(state, p)
        && let Some(o) = v.as_object_mut()
    {
        o.remove("started_by");
        o.remove("bindings");
    }
    v
}

/// `GET /api/v1/runs` (viewer; provenance for analysts).
pub async fn api_list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    let runs = state.store().runs()?;
    Ok(Json(runs.iter().map(|r| shown(&state, &p, r)).collect()))
}

/// `GET /api/v1/runs/{id}` (viewer): status and progress (provenance for analysts).
pub async fn api_get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let run = state.store().run(id)?.ok_or_else(|| not_found(id))?;
    Ok(Json(shown(&state, &p, &run)))
}

/// The run page's form fields: a built-in spec or TOML, and `ds_<role>` dataset choices.
#[derive(Debug, Deserialize)]
pub struct RunForm {
    csrf: String,
    #[serde(default)]
    spec: String,
    #[serde(default)]
    toml: String,
    #[serde(flatten)]
    choices: BTreeMap<String, String>,
}

fn select(role: &str, file: &str, datasets: &[Dataset]) -> String {
    let mut out = format!(
        "<label for=\"{id}\">{role} file (the spec names <code>{}</code>)</label><select id=\"{id}\" name=\"ds_{role}\">",
        esc(file),
        id = esc(&format!(
            "{}-{}",
            file.replace('.', "-"),
            role.replace(' ', "-")
        )),
        role = esc(role)
    );
    let default = datasets.iter().find(|d| d.name == file).map(|d| d.id);
    for d in datasets {
        let sel = if Some(d.id) == default {
            " selected"
        } else {
            ""
        };
        out.push_str(&format!(
            "<option value=\"{}\"{sel}>{} (dataset {}, {} rows)</option>",
            d.id,
            esc(&d.name),
            d.id,
            d.rows
        ));
    }
    out.push_str("</select>");
    out
}

fn runs_table(runs: &[Run]) -> String {
    if runs.is_empty() {
        return "<p>No runs yet.</p>".into();
    }
    let mut out = String::from(
        "<table class=\"list\"><thead><tr><th scope=\"col\">Run</th><th scope=\"col\">Spec</th><th scope=\"col\">Status</th><th scope=\"col\">Started</th><th scope=\"col\">By</th></tr></thead><tbody>",
    );
    for r in runs {
        let link = if r.status == "done" {
            format!("<a href=\"/results/{}\">results</a>", r.id)
        } else {
            format!("<a href=\"/runs/{}\">{}</a>", r.id, esc(&r.status))
        };
        out.push_str(&format!(
            "<tr><td><a href=\"/runs/{}\">{}</a></td><td>{}</td><td>{link}</td><td>{}</td><td>{}</td></tr>",
            r.id,
            r.id,
            esc(&r.spec),
            pages::when(r.created_at),
            esc(&r.started_by)
        ));
    }
    out.push_str("</tbody></table>");
    out
}

fn run_forms(p: &Principal, datasets: &[Dataset]) -> String {
    let mut out = String::new();
    if datasets.is_empty() {
        return "<p>Upload the data first, on <a href=\"/datasets\">Datasets</a>.</p>".into();
    }
    for (name, text) in BUILTIN {
        let title = toml::from_str::<toml::Table>(text)
            .ok()
            .and_then(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "<h3>{} <small>(built-in spec <code>{name}</code>)</small></h3><form method=\"post\" action=\"/runs\" data-spec=\"{name}\">{}<input type=\"hidden\" name=\"spec\" value=\"{name}\">",
            esc(&title),
            csrf_field(p)
        ));
        for (role, file) in roles(text).unwrap_or_default() {
            out.push_str(&select(role, &file, datasets));
        }
        out.push_str(&format!(
            "<button type=\"submit\">Run {name}</button></form>"
        ));
    }
    out.push_str(&format!(
        "<h3>Your own spec</h3><p>Paste a spec in TOML (see docs/PROFILE-SPEC.md). Each file it names binds to the newest dataset of that name.</p><form method=\"post\" action=\"/runs\">{}<label for=\"toml\">Spec</label><textarea id=\"toml\" name=\"toml\" rows=\"14\"></textarea><button type=\"submit\">Run this spec</button></form>",
        csrf_field(p)
    ));
    out
}

/// `GET /runs` (analyst): start a run; the list of runs.
pub async fn page_list(State(state): State<AppState>, Analyst(p): Analyst) -> Response {
    let (datasets, runs) = match (state.store().datasets(), state.store().runs()) {
        (Ok(d), Ok(r)) => (d, r),
        (Err(e), _) | (_, Err(e)) => return ApiError::from(e).into_response(),
    };
    let body = format!(
        "<h2>Start a run</h2>{}<h2>Runs</h2>{}",
        run_forms(&p, &datasets),
        runs_table(&runs)
    );
    Html(layout("Run a profile", Some(&p), "", &body)).into_response()
}

/// `POST /runs` (analyst): queues the run and shows its page.
pub async fn page_start(
    State(state): State<AppState>,
    Analyst(p): Analyst,
    Form(form): Form<RunForm>,
) -> Response {
    if let Err(r) = check_csrf(&p, &form.csrf) {
        return r;
    }
    let mut datasets = BTreeMap::new();
    for (k, v) in &form.choices {
        if let (Some(role), Ok(id)) = (k.strip_prefix("ds_"), v.parse::<i64>()) {
            datasets.insert(role.to_string(), id);
        }
    }
    let request = RunRequest {
        spec: Some(form.spec.clone()).filter(|s| !s.is_empty()),
        toml: Some(form.toml.clone()).filter(|s| !s.trim().is_empty()),
        datasets,
    };
    match start(&state, &p, &request) {
        Ok(id) => Redirect::to(&format!("/runs/{id}")).into_response(),
        Err(ApiError(status, message)) => pages::status_page(
            status,
            "The run was not started",
            Some(&p),
            &format!(
                "<p class=\"error\" role=\"alert\">{}</p><p><a href=\"/runs\">Back to Run a profile</a></p>",
                esc(&message)
            ),
        ),
    }
}

/// `GET /runs/{id}` (viewer): a run's status, with live progress while it runs.
pub async fn page_get(
    State(state): State<AppState>,
    Viewer(p): Viewer,
    UrlPath(id): UrlPath<i64>,
) -> Response {
    let run = match state.store().run(id) {
        Ok(Some(r)) => r,
        Ok(None) => {
            return pages::status_page(
                StatusCode::NOT_FOUND,
                "Not found",
                Some(&p),
                "<p>No such run.</p>",
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let body = match run.status.as_str() {
        "done" => format!(
            "<p class=\"ok\" role=\"status\">Done {}: {}.</p><p><a href=\"/results/{id}\">See the results</a></p>",
            run.finished_at.map(pages::when).unwrap_or_default(),
            esc(&run.message)
        ),
        "failed" => format!(
            "<p class=\"error\" role=\"alert\">Failed: {}</p><p><a href=\"/runs\">Start another run</a></p>",
            esc(&run.message)
        ),
        // Queued or running: the store writes no other status.
        _ => format!(
            "<div data-run=\"{id}\" role=\"status\" aria-live=\"polite\"><progress max=\"{}\" value=\"{}\"></progress> <span data-stage>{}</span></div><p>This page follows the run and shows the results link when it is done.</p>",
            run.total,
            run.done,
            esc(if run.status == "queued" {
                "Waiting for the worker"
            } else {
                &run.stage
            })
        ),
    };
    let by = if sees_provenance(&state, &p) {
        format!(" by {}", esc(&run.started_by))
    } else {
        String::new()
    };
    let body = format!(
        "<p>Spec: {} · started {}{by}</p>{body}",
        esc(&run.spec),
        pages::when(run.created_at),
    );
    Html(layout(&format!("Run {id}"), Some(&p), "", &body)).into_response()
}

/// The entries of `dir` not named in `keep`: at start-up, results folders no finished run owns
/// (partial ones included) and dataset files no record refers to, removed so that a run or an
/// upload cut off half-way leaves nothing behind.
pub fn strays(dir: &Path, keep: &[String]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            !keep.contains(&name)
        })
        .map(|e| e.path())
        .collect()
}
