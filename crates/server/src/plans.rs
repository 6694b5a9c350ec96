//! Action plans: a target on an indicator for one group in one area, set against a run's
//! results, with an owner and a status. Everyone signed in sees them; analysts make and
//! update them. Each plan's page shows the latest published value beside its target.

use axum::{
    Form, Json,
    extract::{Path as UrlPath, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use levelfield_report::data::PlanRow;
use serde::Deserialize;

use crate::{
    app::{ApiError, ApiUser, AppState, Principal},
    auth::Role,
    catalogue::{NewPlan, PLAN_STATUSES, Plan},
    pages::{self, Analyst, Viewer, check_csrf, csrf_field, esc, layout},
};

/// A new plan, as the API and the form send it.
#[derive(Debug, Deserialize)]
pub struct PlanRequest {
    /// Title.
    pub title: String,
    /// The run whose results it is set against.
    #[serde(default)]
    pub run_id: Option<i64>,
    /// Indicator id.
    pub indicator_id: String,
    /// Area code.
    #[serde(default)]
    pub area_code: String,
    /// Dimension label.
    #[serde(default)]
    pub dimension: String,
    /// Group label.
    #[serde(default)]
    pub group: String,
    /// `level` (default), `gap` (to the reference group) or `direction`.
    #[serde(default)]
    pub kind: String,
    /// For gaps and narrowing: `ratio` (default) or `difference`.
    #[serde(default)]
    pub measure: String,
    /// For direction targets: `decreasing`, `increasing` or `narrowing`.
    #[serde(default)]
    pub direction: String,
    /// Baseline value.
    #[serde(default)]
    pub baseline: Option<f64>,
    /// Target value (level and gap targets).
    #[serde(default)]
    pub target: Option<f64>,
    /// Target period.
    pub target_period: String,
    /// Owner.
    pub owner: String,
}

/// A change of status.
#[derive(Debug, Deserialize)]
pub struct PlanUpdate {
    /// One of the statuses.
    pub status: String,
    /// Notes.
    #[serde(default)]
    pub notes: String,
}

fn invalid(m: String) -> ApiError {
    ApiError(StatusCode::UNPROCESSABLE_ENTITY, m)
}

fn text(field: &str, value: &str, max: usize, required: bool) -> Result<String, ApiError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(invalid(format!("`{field}` is required")));
    }
    if v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(invalid(format!(
            "`{field}`: at most {max} characters, no control characters"
        )));
    }
    Ok(v.to_string())
}

fn check(state: &AppState, r: &PlanRequest) -> Result<NewPlan, ApiError> {
    use levelfield_report::plan::{Kind, Measure, Way};
    let kind = if r.kind.is_empty() {
        Kind::Level
    } else {
        Kind::from_label(&r.kind)
            .ok_or_else(|| invalid("`kind`: use level, gap or direction".into()))?
    };
    let measure = match r.measure.as_str() {
        "" => None,
        m => Some(
            Measure::from_label(m)
                .ok_or_else(|| invalid("`measure`: use ratio or difference".into()))?,
        ),
    };
    let direction = match r.direction.as_str() {
        "" => None,
        d => Some(Way::from_label(d).ok_or_else(|| {
            invalid("`direction`: use decreasing, increasing or narrowing".into())
        })?),
    };
    if kind == Kind::Direction && direction.is_none() {
        return Err(invalid("a direction target gives `direction`".into()));
    }
    let on_gap = kind == Kind::Gap || direction == Some(Way::Narrowing);
    if on_gap && (r.dimension.trim().is_empty() || r.group.trim().is_empty()) {
        return Err(invalid("a gap is a group's against its dimension's reference group: give `dimension` and `group`".into()));
    }
    let target = match (kind, r.target) {
        (Kind::Direction, t) => t.unwrap_or(0.0),
        (_, Some(t)) => t,
        (_, None) => {
            return Err(invalid(
                "`target` is required for level and gap targets".into(),
            ));
        }
    };
    if !target.is_finite() || r.baseline.is_some_and(|b| !b.is_finite()) {
        return Err(invalid("`target` and `baseline` must be numbers".into()));
    }
    if levelfield_report::plan::period_time(&r.target_period).is_none() {
        return Err(invalid(format!(
            "`target_period`: `{}` is not a period label such as 2027-28, 2027 or 2027 Q4",
            r.target_period
        )));
    }
    // A gap is a ratio unless the plan says otherwise.
    let measure = measure.or(on_gap.then_some(Measure::Ratio));
    if let Some(run) = r.run_id
        && state.store().run_results(run)?.is_none()
    {
        return Err(invalid(format!(
            "`run_id`: run {run} has no results; set plans against a finished run"
        )));
    }
    Ok(NewPlan {
        title: text("title", &r.title, 200, true)?,
        run_id: r.run_id,
        indicator_id: text("indicator_id", &r.indicator_id, 100, true)?,
        area_code: text("area_code", &r.area_code, 100, false)?,
        dimension: text("dimension", &r.dimension, 100, false)?,
        group: text("group", &r.group, 200, false)?,
        kind: kind.label().into(),
        measure: measure.map_or("", Measure::label).into(),
        direction: direction.map_or("", Way::label).into(),
        baseline: r.baseline,
        target,
        target_period: text("target_period", &r.target_period, 50, true)?,
        owner: text("owner", &r.owner, 200, true)?,
    })
}

fn check_update(u: &PlanUpdate) -> Result<(), ApiError> {
    if !PLAN_STATUSES.contains(&u.status.as_str()) {
        return Err(invalid(format!(
            "`status`: use one of {}",
            PLAN_STATUSES.join(", ")
        )));
    }
    text("notes", &u.notes, 4000, false).map(|_| ())
}

fn not_found(id: i64) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, format!("no plan {id}"))
}

/// `GET /api/v1/plans` (viewer).
pub async fn api_list(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Json<Vec<Plan>>, ApiError> {
    Ok(Json(state.store().plans()?))
}

/// `POST /api/v1/plans` (analyst): 201 with the plan.
pub async fn api_create(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Json(body): Json<PlanRequest>,
) -> Result<(StatusCode, Json<Plan>), ApiError> {
    let plan = check(&state, &body)?;
    against_run(&state, &plan).await?;
    let id = state.store().create_plan(p.user.id, &plan)?;
    let plan = state.store().plan(id)?.ok_or_else(|| not_found(id))?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// `GET /api/v1/plans/{id}` (viewer).
pub async fn api_get(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Plan>, ApiError> {
    state
        .store()
        .plan(id)?
        .map(Json)
        .ok_or_else(|| not_found(id))
}

/// `PATCH /api/v1/plans/{id}` (analyst): a new status and notes.
pub async fn api_update(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    UrlPath(id): UrlPath<i64>,
    Json(body): Json<PlanUpdate>,
) -> Result<Json<Plan>, ApiError> {
    check_update(&body)?;
    state.store().plan(id)?.ok_or_else(|| not_found(id))?;
    state
        .store()
        .update_plan(p.user.id, id, &body.status, body.notes.trim())?;
    state
        .store()
        .plan(id)?
        .map(Json)
        .ok_or_else(|| not_found(id))
}

/// The values a plan can name, from one run's results: `<datalist>`s the form's fields suggest
/// from (indicators, areas, dimensions, groups, periods), so a plan is written in the run's own
/// words; what is sent is still checked against the run it names.
fn suggestions(data: &levelfield_report::ProfileData) -> String {
    use std::collections::BTreeSet;
    let mut lists: [(&str, BTreeSet<(String, String)>); 5] = Default::default();
    for (k, id) in [
        "p-ind-list",
        "p-area-list",
        "p-dim-list",
        "p-group-list",
        "p-period-list",
    ]
    .into_iter()
    .enumerate()
    {
        lists[k].0 = id;
    }
    for e in &data.estimates {
        lists[0]
            .1
            .insert((e.indicator_id.clone(), e.indicator.clone()));
        lists[1]
            .1
            .insert((e.area_code.clone(), e.area_name.clone()));
        if e.dimension != levelfield_report::schema::OVERALL {
            lists[2].1.insert((e.dimension.clone(), String::new()));
            lists[3].1.insert((e.group.clone(), e.dimension.clone()));
        }
        lists[4].1.insert((e.period.clone(), String::new()));
    }
    let mut out = String::new();
    for (id, values) in &lists {
        out.push_str(&format!("<datalist id=\"{id}\">"));
        for (value, label) in values {
            out.push_str(&format!(
                "<option value=\"{}\">{}</option>",
                esc(value),
                esc(label)
            ));
        }
        out.push_str("</datalist>");
    }
    out
}

fn plan_form(
    p: &Principal,
    runs: &[(i64, String)],
    latest: Option<(i64, &levelfield_report::ProfileData)>,
) -> String {
    let mut run_options = String::from("<option value=\"\">None</option>");
    for (id, spec) in runs {
        let selected = if latest.is_some_and(|(l, _)| l == *id) {
            " selected"
        } else {
            ""
        };
        run_options.push_str(&format!(
            "<option value=\"{id}\"{selected}>Run {id}: {}</option>",
            esc(spec)
        ));
    }
    let (lists, from) = match latest {
        Some((id, data)) => (
            suggestions(data),
            format!(
                "<p class=\"note\">The fields below suggest the values of run {id}'s results; a plan set against a run is checked against that run's values.</p>"
            ),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "<form method=\"post\" action=\"/plans\">{}{lists}\
<label for=\"p-title\">Title</label><input id=\"p-title\" name=\"title\" required maxlength=\"200\">\
<label for=\"p-run\">Results it is set against</label><select id=\"p-run\" name=\"run_id\">{run_options}</select>{from}\
<label for=\"p-ind\">Indicator id</label><input id=\"p-ind\" name=\"indicator_id\" list=\"p-ind-list\" required>\
<label for=\"p-area\">Area code</label><input id=\"p-area\" name=\"area_code\" list=\"p-area-list\">\
<label for=\"p-dim\">Dimension</label><input id=\"p-dim\" name=\"dimension\" list=\"p-dim-list\">\
<label for=\"p-group\">Group</label><input id=\"p-group\" name=\"group\" list=\"p-group-list\">\
<label for=\"p-kind\">Kind of target</label><select id=\"p-kind\" name=\"kind\"><option value=\"level\">level: the group's value</option><option value=\"gap\">gap: the group against its reference group</option><option value=\"direction\">direction: the trend</option></select>\
<label for=\"p-measure\">Gap measured as</label><select id=\"p-measure\" name=\"measure\"><option value=\"\">(level targets)</option><option value=\"ratio\">ratio</option><option value=\"difference\">difference</option></select>\
<label for=\"p-dir\">Direction</label><select id=\"p-dir\" name=\"direction\"><option value=\"\">(level and gap targets)</option><option>decreasing</option><option>increasing</option><option>narrowing</option></select>\
<label for=\"p-base\">Baseline value</label><input id=\"p-base\" name=\"baseline\" inputmode=\"decimal\">\
<label for=\"p-target\">Target value (level and gap targets)</label><input id=\"p-target\" name=\"target\" inputmode=\"decimal\">\
<label for=\"p-period\">Target period</label><input id=\"p-period\" name=\"target_period\" list=\"p-period-list\" required>\
<label for=\"p-owner\">Owner</label><input id=\"p-owner\" name=\"owner\" required>\
<button type=\"submit\">Add the plan</button></form>",
        csrf_field(p)
    )
}

/// `GET /plans` (viewer): plans, and the form for analysts.
pub async fn page_list(State(state): State<AppState>, Viewer(p): Viewer) -> Response {
    let (plans, runs) = match (state.store().plans(), state.store().runs()) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return ApiError::from(e).into_response(),
    };
    let mut body = String::new();
    if plans.is_empty() {
        body.push_str("<p>No action plans yet.</p>");
    } else {
        body.push_str("<table class=\"list\"><thead><tr><th scope=\"col\">Plan</th><th scope=\"col\">Indicator</th><th scope=\"col\">Group</th><th scope=\"col\">Target</th><th scope=\"col\">By</th><th scope=\"col\">Owner</th><th scope=\"col\">Judged from the data</th><th scope=\"col\">Status (set by its owner)</th></tr></thead><tbody>");
        for plan in &plans {
            // The same judgement the plan's own page shows, so the list never says otherwise.
            let judgement = match judged(&state, plan).await {
                Some((_, row)) => row.verdict,
                None => "not yet assessable".to_string(),
            };
            body.push_str(&format!(
                "<tr><td><a href=\"/plans/{}\">{}</a></td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                plan.id,
                esc(&plan.spec.title),
                esc(&plan.spec.indicator_id),
                esc(&plan.spec.dimension),
                esc(&plan.spec.group),
                plan.spec.target,
                esc(&plan.spec.target_period),
                esc(&plan.spec.owner),
                esc(&judgement),
                esc(&plan.status)
            ));
        }
        body.push_str("</tbody></table>");
    }
    if p.user.role >= Role::Analyst {
        let done: Vec<(i64, String)> = runs
            .iter()
            .filter(|r| r.status == "done")
            .map(|r| (r.id, r.spec.clone()))
            .collect();
        body.push_str("<h2>New plan</h2>");
        // Suggestions from the latest finished run (runs are listed newest first or last:
        // the highest id is the latest).
        let latest_id = done.iter().map(|(id, _)| *id).max();
        let latest = match latest_id {
            Some(id) => crate::results::data_of(&state, id)
                .await
                .ok()
                .map(|d| (id, d)),
            None => None,
        };
        body.push_str(&plan_form(
            &p,
            &done,
            latest.as_ref().map(|(id, d)| (*id, d.as_ref())),
        ));
    }
    Html(layout("Action plans", Some(&p), "", &body)).into_response()
}

/// The plan form's fields (numbers as text, checked here).
#[derive(Debug, Deserialize)]
pub struct PlanForm {
    csrf: String,
    title: String,
    #[serde(default)]
    run_id: String,
    indicator_id: String,
    #[serde(default)]
    area_code: String,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    baseline: String,
    #[serde(default)]
    target: String,
    target_period: String,
    owner: String,
}

fn number(field: &str, v: &str) -> Result<Option<f64>, ApiError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .map(Some)
        .ok_or_else(|| invalid(format!("`{field}`: `{v}` is not a number")))
}

fn form_error(p: &Principal, e: ApiError) -> Response {
    pages::status_page(
        e.0,
        "Not saved",
        Some(p),
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p><p><a href=\"/plans\">Back to action plans</a></p>",
            esc(&e.1)
        ),
    )
}

/// `POST /plans` (analyst).
pub async fn page_create(
    State(state): State<AppState>,
    Analyst(p): Analyst,
    Form(form): Form<PlanForm>,
) -> Response {
    if let Err(r) = check_csrf(&p, &form.csrf) {
        return r;
    }
    let made = async {
        let request = PlanRequest {
            title: form.title.clone(),
            run_id: number("run_id", &form.run_id)?.map(|x| x as i64),
            indicator_id: form.indicator_id.clone(),
            area_code: form.area_code.clone(),
            dimension: form.dimension.clone(),
            group: form.group.clone(),
            kind: form.kind.clone(),
            measure: form.measure.clone(),
            direction: form.direction.clone(),
            baseline: number("baseline", &form.baseline)?,
            target: number("target", &form.target)?,
            target_period: form.target_period.clone(),
            owner: form.owner.clone(),
        };
        let plan = check(&state, &request)?;
        against_run(&state, &plan).await?;
        Ok::<_, ApiError>(state.store().create_plan(p.user.id, &plan)?)
    }
    .await;
    match made {
        Ok(id) => Redirect::to(&format!("/plans/{id}")).into_response(),
        Err(e) => form_error(&p, e),
    }
}

/// The plan file's target a stored plan describes, its thresholds not yet set. `None` when the
/// store holds a label `check` would not have written: such a plan is left unjudged.
fn target_of(spec: &NewPlan) -> Option<levelfield_report::plan::Target> {
    use levelfield_report::plan::{Kind, Measure, Target, Way};
    let grouped = !spec.dimension.is_empty();
    let measure = match spec.measure.as_str() {
        "" => None,
        m => Some(Measure::from_label(m)?),
    };
    let direction = match spec.direction.as_str() {
        "" => None,
        d => Some(Way::from_label(d)?),
    };
    Some(Target {
        kind: Kind::from_label(&spec.kind)?,
        indicator: spec.indicator_id.clone(),
        area: (!spec.area_code.is_empty()).then(|| spec.area_code.clone()),
        dimension: grouped.then(|| spec.dimension.clone()),
        group: grouped.then(|| spec.group.clone()),
        measure,
        below: None,
        above: None,
        direction,
        by: None,
        per: None,
    })
}

/// Refuses a plan set against a run whose profile has no such indicator, area, dimension or
/// group (`levelfield_report::plan::target_problems`, as the command line checks a plan file),
/// so "Black British" for "Black or Black British" is an error when the plan is made, never a
/// target that stays "not yet assessable".
async fn against_run(state: &AppState, spec: &NewPlan) -> Result<(), ApiError> {
    let Some(run) = spec.run_id else {
        return Ok(());
    };
    let data = crate::results::data_of(state, run).await?;
    let Some(mut target) = target_of(spec) else {
        return Err(invalid(
            "the plan's kind, measure or direction is not one this app knows".into(),
        ));
    };
    if target.kind != levelfield_report::plan::Kind::Direction {
        target.below = Some(spec.target);
    }
    let problems = levelfield_report::plan::target_problems(&target, &data);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid(format!(
            "the plan does not match run {run}'s results: {}",
            problems.join("; ")
        )))
    }
}

/// The plan judged from its run's data (`levelfield_report::plan`), with the latest published
/// value it follows. A level or gap target is reached downwards when the baseline (else the
/// latest value) is above it.
async fn judged(state: &AppState, plan: &Plan) -> Option<((String, f64), PlanRow)> {
    use levelfield_report::plan::{Action, Kind, assess_target, latest_value};
    let run = plan.spec.run_id?;
    let data = crate::results::data_of(state, run).await.ok()?;
    let mut target = target_of(&plan.spec)?;
    let action = Action {
        id: plan.id.to_string(),
        title: plan.spec.title.clone(),
        owner: plan.spec.owner.clone(),
        start: String::new(),
        deadline: plan.spec.target_period.clone(),
        targets: Vec::new(),
    };
    let latest = latest_value(&target, &data)?;
    if target.kind != Kind::Direction {
        // The target is reached downwards when the baseline (else the latest value) is above it.
        let downwards = plan.spec.baseline.unwrap_or(latest.1) > plan.spec.target;
        target.below = downwards.then_some(plan.spec.target);
        target.above = (!downwards).then_some(plan.spec.target);
    }
    let row = assess_target(&action, &target, &data).pop()?;
    Some((latest, row))
}

/// `GET /plans/{id}` (viewer).
pub async fn page_get(
    State(state): State<AppState>,
    Viewer(p): Viewer,
    UrlPath(id): UrlPath<i64>,
) -> Response {
    let plan = match state.store().plan(id) {
        Ok(Some(plan)) => plan,
        Ok(None) => {
            return pages::status_page(
                StatusCode::NOT_FOUND,
                "Not found",
                Some(&p),
                "<p>No such plan.</p>",
            );
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let (now, judgement) = match judged(&state, &plan).await {
        Some(((period, v), row)) => (
            format!("{v:.1} in {}", esc(&period)),
            format!(
                "<strong>{}</strong>. {}",
                esc(&row.verdict),
                esc(&row.reasoning)
            ),
        ),
        None => (
            "not published in the results it was set against".into(),
            "not yet assessable: no published values".into(),
        ),
    };
    let mut body = format!(
        "<dl><dt>Kind</dt><dd>{}</dd><dt>Indicator</dt><dd>{}</dd><dt>Area</dt><dd>{}</dd><dt>Group</dt><dd>{} {}</dd><dt>Baseline</dt><dd>{}</dd><dt>Target</dt><dd>{} by {}</dd><dt>Latest value</dt><dd>{now}</dd><dt>Judged from the data</dt><dd>{judgement}</dd><dt>Owner</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd><dt>Notes</dt><dd>{}</dd><dt>Last changed</dt><dd>{}</dd></dl>",
        esc(&format!(
            "{} {} {}",
            plan.spec.kind, plan.spec.measure, plan.spec.direction
        )
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(", ")),
        esc(&plan.spec.indicator_id),
        esc(if plan.spec.area_code.is_empty() {
            "the comparator"
        } else {
            &plan.spec.area_code
        }),
        esc(&plan.spec.dimension),
        esc(&plan.spec.group),
        plan.spec
            .baseline
            .map(|b| b.to_string())
            .unwrap_or_else(|| "not given".into()),
        plan.spec.target,
        esc(&plan.spec.target_period),
        esc(&plan.spec.owner),
        esc(&plan.status),
        esc(&plan.notes),
        pages::when(plan.updated_at)
    );
    if let Some(run) = plan.spec.run_id {
        body.push_str(&format!(
            "<p><a href=\"/results/{run}?indicator={}\">The results it was set against</a></p>",
            esc(&plan.spec.indicator_id)
        ));
    }
    if p.user.role >= Role::Analyst {
        let mut options = String::new();
        for s in PLAN_STATUSES {
            let sel = if s == plan.status { " selected" } else { "" };
            options.push_str(&format!("<option{sel}>{s}</option>"));
        }
        body.push_str(&format!(
            "<h2>Update</h2><form method=\"post\" action=\"/plans/{id}\">{}<label for=\"u-status\">Status</label><select id=\"u-status\" name=\"status\">{options}</select><label for=\"u-notes\">Notes</label><textarea id=\"u-notes\" name=\"notes\" rows=\"4\">{}</textarea><button type=\"submit\">Save</button></form>",
            csrf_field(&p),
            esc(&plan.notes)
        ));
    }
    Html(layout(&plan.spec.title, Some(&p), "", &body)).into_response()
}

/// The update form's fields.
#[derive(Debug, Deserialize)]
pub struct UpdateForm {
    csrf: String,
    status: String,
    #[serde(default)]
    notes: String,
}

/// `POST /plans/{id}` (analyst).
pub async fn page_update(
    State(state): State<AppState>,
    Analyst(p): Analyst,
    UrlPath(id): UrlPath<i64>,
    Form(form): Form<UpdateForm>,
) -> Response {
    if let Err(r) = check_csrf(&p, &form.csrf) {
        return r;
    }
    let update = PlanUpdate {
        status: form.status,
        notes: form.notes,
    };
    let done = (|| {
        check_update(&update)?;
        state.store().plan(id)?.ok_or_else(|| not_found(id))?;
        state
            .store()
            .update_plan(p.user.id, id, &update.status, update.notes.trim())?;
        Ok::<_, ApiError>(())
    })();
    match done {
        Ok(()) => Redirect::to(&format!("/plans/{id}")).into_response(),
        Err(e) => form_error(&p, e),
    }
}
