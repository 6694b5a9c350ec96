//! The account lifecycle: one's own API tokens (list, revoke) and password (change), and the
//! admin's work on users (change role, disable and enable, reset a password so that it must
//! be changed at the next sign-in), in the API and on pages. Every change is audited in the
//! store's transaction; the last enabled admin cannot be demoted or disabled.

use axum::{
    Form, Json,
    extract::{Path as UrlPath, State},
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    app::{ApiError, ApiUser, AppState, Principal, busy, principal},
    auth::{self, Role},
    pages::{self, Admin, Viewer, check_csrf, csrf_field, esc, layout},
    store::{TokenInfo, User},
};

/// `GET /api/v1/tokens` (any role): the caller's own tokens, newest first.
pub async fn api_tokens(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    Ok(Json(state.store().tokens(p.user.id)?))
}

/// `DELETE /api/v1/tokens/{id}` (any role): revokes one of the caller's tokens (an admin may
/// revoke anyone's). 204, or 404 when there is no such token of theirs.
pub async fn api_revoke(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<StatusCode, ApiError> {
    if revoke(&state, &p.user, id)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("you have no token {id}; GET /api/v1/tokens lists yours"),
        ))
    }
}

/// Revokes token `id` for `user`: theirs, or for an admin anyone's.
fn revoke(state: &AppState, user: &User, id: i64) -> Result<bool, ApiError> {
    if state.store().revoke_token(user.id, user.id, id)? {
        return Ok(true);
    }
    if user.role == Role::Admin {
        let owner = state.store().token_owner(id)?;
        if let Some(owner) = owner {
            return Ok(state.store().revoke_token(user.id, owner, id)?);
        }
    }
    Ok(false)
}

/// Body of `POST /api/v1/me/password`.
#[derive(Deserialize)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// Checks the current password, hashes the new one and stores it; every token of the user is
/// revoked and every other session ends (`keep`: the session making the change).
async fn change_password(
    state: &AppState,
    p: &Principal,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    let Some((_, hash)) = state.store().user_with_hash(&p.user.username)? else {
        return Err(ApiError(StatusCode::NOT_FOUND, "no such user".into()));
    };
    let checked = state
        .hashing()
        .run_queued(move || {
            if !auth::verify_password(&current, &hash) {
                return Err(ApiError(
                    StatusCode::FORBIDDEN,
                    "the current password is wrong".into(),
                ));
            }
            if current == new {
                return Err(ApiError(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "choose a password different from the current one".into(),
                ));
            }
            auth::hash_password(&new)
                .map_err(|e| ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
        })
        .await
        .map_err(|_| busy().0)??;
    let keep = p.session.as_ref().map(|(hash, _)| hash.as_str());
    state
        .store()
        .set_password(Some(p.user.id), p.user.id, &checked, false, keep)?;
    Ok(())
}

/// `POST /api/v1/me/password` (any role, and a user whose password was reset): `{current,
/// new}`. 204; every token of the user is revoked.
pub async fn api_change_password(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Json(body): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    change_password(&state, &p, body.current, body.new).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PATCH /api/v1/users/{id}`: a new role, disabled or enabled.
#[derive(Deserialize)]
pub struct UserUpdate {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    disabled: Option<bool>,
}

fn update_user(
    state: &AppState,
    admin: &User,
    id: i64,
    body: &UserUpdate,
) -> Result<User, ApiError> {
    let mut user = state
        .store()
        .user(id)?
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no user {id}")))?;
    if body.role.is_none() && body.disabled.is_none() {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "give `role` (viewer, analyst or admin) or `disabled` (true or false)".into(),
        ));
    }
    if let Some(role) = &body.role {
        let role = Role::parse(role).ok_or_else(|| {
            ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "role `{}`: use viewer, analyst or admin",
                    role.chars().take(40).collect::<String>()
                ),
            )
        })?;
        if role != user.role {
            user = state.store().set_role(Some(admin.id), id, role)?;
        }
    }
    if let Some(disabled) = body.disabled
        && disabled != user.disabled
    {
        user = state.store().set_disabled(Some(admin.id), id, disabled)?;
    }
    Ok(user)
}

/// `PATCH /api/v1/users/{id}` (admin): `{role}` and/or `{disabled}`. 409 when it would leave
/// no enabled admin.
pub async fn api_update_user(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    UrlPath(id): UrlPath<i64>,
    Json(body): Json<UserUpdate>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(update_user(&state, &admin.user, id, &body)?))
}

/// Body of `POST /api/v1/users/{id}/password`.
#[derive(Deserialize)]
pub struct PasswordReset {
    password: String,
}

async fn reset_password(
    state: &AppState,
    admin: &User,
    id: i64,
    password: String,
) -> Result<User, ApiError> {
    if state.store().user(id)?.is_none() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no user {id}")));
    }
    let hash = state
        .hashing()
        .run_queued(move || auth::hash_password(&password))
        .await
        .map_err(|_| busy().0)?
        .map_err(|e| ApiError(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok(state
        .store()
        .set_password(Some(admin.id), id, &hash, true, None)?)
}

/// `POST /api/v1/users/{id}/password` (admin): sets a temporary password that the user must
/// change at their next sign-in; their tokens are revoked and their sessions end.
pub async fn api_reset_password(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    UrlPath(id): UrlPath<i64>,
    Json(body): Json<PasswordReset>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        reset_password(&state, &admin.user, id, body.password).await?,
    ))
}

fn tokens_body(p: &Principal, tokens: &[TokenInfo]) -> String {
    let now = crate::store::now();
    let mut body = String::from(
        "<p>API tokens let scripts use the API as you (<code>Authorization: Bearer …</code>); make one with <code>POST /api/v1/tokens</code>. Revoke any you no longer use. Changing your password revokes them all.</p>",
    );
    if tokens.is_empty() {
        body.push_str("<p>You have no tokens.</p>");
        return body;
    }
    body.push_str("<table class=\"list\"><thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Name</th><th scope=\"col\">Made</th><th scope=\"col\">Expires</th><th scope=\"col\">State</th><th scope=\"col\"></th></tr></thead><tbody>");
    for t in tokens {
        let live = !t.revoked && t.expires_at > now;
        let state = if t.revoked {
            "revoked"
        } else if live {
            "live"
        } else {
            "expired"
        };
        let action = if live {
            format!(
                "<form method=\"post\" action=\"/tokens/{}/revoke\">{}<button type=\"submit\">Revoke</button></form>",
                t.id,
                csrf_field(p)
            )
        } else {
            String::new()
        };
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td><td>{action}</td></tr>",
            t.id,
            esc(&t.name),
            pages::when(t.created_at),
            pages::when(t.expires_at)
        ));
    }
    body.push_str("</tbody></table>");
    body
}

/// `GET /tokens` (any role): one's own tokens, with a revoke button on each live one.
pub async fn page_tokens(State(state): State<AppState>, Viewer(p): Viewer) -> Response {
    match state.store().tokens(p.user.id) {
        Ok(tokens) => Html(layout(
            "API tokens",
            Some(&p),
            "",
            &tokens_body(&p, &tokens),
        ))
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The CSRF field of a form.
#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /tokens/{id}/revoke` (any role).
pub async fn page_revoke(
    State(state): State<AppState>,
    Viewer(p): Viewer,
    UrlPath(id): UrlPath<i64>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Err(r) = check_csrf(&p, &form.csrf) {
        return r;
    }
    match revoke(&state, &p.user, id) {
        Ok(true) => Redirect::to("/tokens").into_response(),
        Ok(false) => pages::status_page(
            StatusCode::NOT_FOUND,
            "Not found",
            Some(&p),
            "<p>You have no such token. <a href=\"/tokens\">Your tokens</a></p>",
        ),
        Err(e) => e.into_response(),
    }
}

fn password_form(p: &Principal, message: Option<&str>) -> String {
    let note = if p.user.must_change_password {
        "<p role=\"status\">An administrator reset your password: choose a new one to go on.</p>"
    } else {
        "<p>Changing your password revokes your API tokens and signs you out everywhere else.</p>"
    };
    let error = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(m)))
        .unwrap_or_default();
    format!(
        "{note}{error}<form method=\"post\" action=\"/password\">{}<label for=\"current\">Current password</label><input id=\"current\" name=\"current\" type=\"password\" required autocomplete=\"current-password\"><label for=\"new\">New password (at least {} characters)</label><input id=\"new\" name=\"new\" type=\"password\" required minlength=\"{}\" autocomplete=\"new-password\"><button type=\"submit\">Change the password</button></form>",
        csrf_field(p),
        auth::MIN_PASSWORD,
        auth::MIN_PASSWORD
    )
}

/// The signed-in user of the password page: any role, and also a user who must change their
/// password (every other page sends them here).
#[allow(clippy::result_large_err)]
fn password_user(state: &AppState, headers: &HeaderMap) -> Result<Principal, Response> {
    match principal(state, headers) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(Redirect::to("/signin").into_response()),
        Err(e) => Err(e.into_response()),
    }
}

/// `GET /password`: the form to change one's password.
pub async fn page_password(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match password_user(&state, &headers) {
        Ok(p) => Html(layout("Password", Some(&p), "", &password_form(&p, None))).into_response(),
        Err(r) => r,
    }
}

/// The password form's fields.
#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

/// `POST /password`.
pub async fn page_change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let p = match password_user(&state, &headers) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = check_csrf(&p, &form.csrf) {
        return r;
    }
    match change_password(&state, &p, form.current, form.new).await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(ApiError(status, message)) => (
            status,
            Html(layout(
                "Password",
                Some(&p),
                "",
                &password_form(&p, Some(&message)),
            )),
        )
            .into_response(),
    }
}

/// The users page's per-user form: `action` is `role`, `disable`, `enable` or `reset`.
#[derive(Deserialize)]
pub struct UserAction {
    csrf: String,
    action: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

/// `POST /users/{id}` (admin): change a role, disable, enable or reset a password.
pub async fn page_update_user(
    State(state): State<AppState>,
    Admin(p): Admin,
    UrlPath(id): UrlPath<i64>,
    Form(form): Form<UserAction>,
) -> Response {
    if let Err(r) = check_csrf(&p, &form.csrf) {
        return r;
    }
    let done = match form.action.as_str() {
        "role" => update_user(
            &state,
            &p.user,
            id,
            &UserUpdate {
                role: Some(form.role),
                disabled: None,
            },
        ),
        "disable" | "enable" => update_user(
            &state,
            &p.user,
            id,
            &UserUpdate {
                role: None,
                disabled: Some(form.action == "disable"),
            },
        ),
        "reset" => reset_password(&state, &p.user, id, form.password).await,
        _ => Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            "choose role, disable, enable or reset".into(),
        )),
    };
    match done {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(ApiError(status, message)) => pages::status_page(
            status,
            "The user was not changed",
            Some(&p),
            &format!(
                "<p class=\"error\" role=\"alert\">{}</p><p><a href=\"/users\">Back to users</a></p>",
                esc(&message)
            ),
        ),
    }
}

/// The row of one user on the users page, with its forms.
pub fn user_row(p: &Principal, u: &User) -> String {
    let csrf = csrf_field(p);
    let mut roles = String::new();
    for r in [Role::Viewer, Role::Analyst, Role::Admin] {
        let sel = if r == u.role { " selected" } else { "" };
        roles.push_str(&format!("<option{sel}>{}</option>", r.as_str()));
    }
    let (toggle, label) = if u.disabled {
        ("enable", "Enable")
    } else {
        ("disable", "Disable")
    };
    let state = match (u.disabled, u.must_change_password) {
        (true, _) => "disabled",
        (false, true) => "must change password",
        _ => "active",
    };
    format!(
        "<tr><td>{name}</td><td>{role}</td><td>{state}</td><td><form method=\"post\" action=\"/users/{id}\">{csrf}<input type=\"hidden\" name=\"action\" value=\"role\"><label for=\"role-{id}\">Role of {name}</label><select id=\"role-{id}\" name=\"role\">{roles}</select><button type=\"submit\">Change role</button></form><form method=\"post\" action=\"/users/{id}\">{csrf}<input type=\"hidden\" name=\"action\" value=\"{toggle}\"><button type=\"submit\">{label} {name}</button></form><form method=\"post\" action=\"/users/{id}\">{csrf}<input type=\"hidden\" name=\"action\" value=\"reset\"><label for=\"reset-{id}\">Temporary password for {name}</label><input id=\"reset-{id}\" name=\"password\" type=\"password\" minlength=\"{min}\" required autocomplete=\"new-password\"><button type=\"submit\">Reset the password</button></form></td></tr>",
        name = esc(&u.username),
        role = u.role.as_str(),
        id = u.id,
        min = auth::MIN_PASSWORD,
    )
}
