//! The HTTP routes: sign-in pages with session cookies and CSRF tokens, and the JSON API under
//! `/api/v1` with bearer tokens and role checks. `app(state)` is the whole router, so tests
//! drive it without a socket.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    Form, Json, Router,
    extract::{DefaultBodyLimit, FromRequestParts, MatchedPath, Request, State},
    http::request::Parts,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    accounts,
    auth::{self, HashGate, Limiter, Role},
    datasets, pages,
    pages::{Admin, Viewer, esc, layout},
    plans,
    results::{self, Cache},
    runs::{self, Worker},
    store::{Store, StoreError, User},
};

/// Settings of a running app.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (set when the app is served over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// How long a session lasts, in seconds.
    pub session_secs: i64,
    /// How long an API token lasts, in days.
    pub token_days: i64,
    /// The largest request body accepted, in bytes (uploads excepted).
    pub max_body: usize,
    /// The largest upload accepted, in bytes (as sent, compressed or not).
    pub max_upload: usize,
    /// The most bytes an upload may hold once decompressed (the XML of an XLSX, the pages of
    /// a Parquet file, a CSV as it is).
    pub max_decompressed: u64,
    /// The most rows an upload may have.
    pub max_rows: u64,
    /// The most columns an upload may have.
    pub max_columns: u64,
    /// Password hashes computed at once (0: one per core); more wait, then get 503.
    pub max_hashing: usize,
    /// Take the sign-in limits' client address from the last `X-Forwarded-For` (behind a proxy).
    pub trust_forwarded_for: bool,
    /// Viewers see who started each run and which datasets it used.
    pub viewers_see_provenance: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: false,
            session_secs: 8 * 3600,
            token_days: 90,
            max_body: 1 << 20,
            max_upload: 512 << 20,
            max_decompressed: 2 << 30,
            max_rows: 20_000_000,
            max_columns: 500,
            max_hashing: 0,
            trust_forwarded_for: false,
            viewers_see_provenance: false,
        }
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    limiter: Limiter,
    hashing: HashGate,
    checks: tokio::sync::Semaphore,
    config: Config,
    data_dir: PathBuf,
    worker: Worker,
    results: Cache,
}

impl AppState {
    /// State over an opened store, with a run worker; the data folder is the store's.
    pub fn new(store: Store, config: Config) -> AppState {
        let data_dir = store.dir().to_path_buf();
        AppState {
            inner: Arc::new(Inner {
                store,
                limiter: Limiter::default(),
                hashing: if config.max_hashing == 0 {
                    HashGate::per_core()
                } else {
                    HashGate::new(config.max_hashing)
                },
                checks: tokio::sync::Semaphore::new(1),
                config,
                data_dir,
                worker: Worker::start(),
                results: Cache::default(),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The data folder (the store, `datasets/`, `results/`, `tmp/`).
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The gate every password hash and check goes through.
    pub(crate) fn hashing(&self) -> &HashGate {
        &self.inner.hashing
    }

    /// One upload is read and checked at a time, so the memory uploads cost is one upload's.
    pub(crate) fn checks(&self) -> &tokio::sync::Semaphore {
        &self.inner.checks
    }

    pub(crate) fn worker(&self) -> &Worker {
        &self.inner.worker
    }

    pub(crate) fn results(&self) -> &Cache {
        &self.inner.results
    }
}

pub(crate) const SESSION_COOKIE: &str = "lf_session";
const SIGNIN_COOKIE: &str = "lf_signin";

/// The whole router.
pub fn app(state: AppState) -> Router {
    let max_body = state.inner.config.max_body;
    let max_upload = DefaultBodyLimit::max(state.inner.config.max_upload);
    let api = Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route(
            "/api/v1/tokens",
            post(create_token).get(accounts::api_tokens),
        )
        .route(
            "/api/v1/tokens/{id}",
            axum::routing::delete(accounts::api_revoke),
        )
        .route("/api/v1/me", get(me))
        .route("/api/v1/me/password", post(accounts::api_change_password))
        .route("/api/v1/users", get(list_users).post(create_user))
        .route(
            "/api/v1/users/{id}",
            axum::routing::patch(accounts::api_update_user),
        )
        .route(
            "/api/v1/users/{id}/password",
            post(accounts::api_reset_password),
        )
        .route("/api/v1/audit", get(audit))
        .route(
            "/api/v1/datasets",
            get(datasets::api_list)
                .post(datasets::api_upload)
                .layer(max_upload),
        )
        .route(
            "/api/v1/datasets/{id}",
            get(datasets::api_get).delete(datasets::api_delete),
        )
        .route("/api/v1/runs", get(runs::api_list).post(runs::api_start))
        .route("/api/v1/runs/{id}", get(runs::api_get))
        .route("/api/v1/results/{id}", get(results::api_meta))
        .route("/api/v1/results/{id}/{table}", get(results::api_table))
        .route(
            "/api/v1/plans",
            get(plans::api_list).post(plans::api_create),
        )
        .route(
            "/api/v1/plans/{id}",
            get(plans::api_get).patch(plans::api_update),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), api_guard));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/static/app.js", get(pages::script))
        .route("/favicon.ico", get(pages::no_icon))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/", get(home))
        .route(
            "/datasets",
            get(datasets::page_list)
                .post(datasets::page_upload)
                .layer(max_upload),
        )
        .route("/datasets/{id}", get(datasets::page_get))
        .route("/datasets/{id}/delete", post(datasets::page_delete))
        .route("/runs", get(runs::page_list).post(runs::page_start))
        .route("/runs/{id}", get(runs::page_get))
        .route("/results", get(results::page_list))
        .route("/results/{id}", get(results::page_get))
        .route("/results/{id}/{file}", get(results::download))
        .route("/plans", get(plans::page_list).post(plans::page_create))
        .route("/plans/{id}", get(plans::page_get).post(plans::page_update))
        .route("/users", get(users_page).post(users_add))
        .route("/users/{id}", post(accounts::page_update_user))
        .route("/tokens", get(accounts::page_tokens))
        .route("/tokens/{id}/revoke", post(accounts::page_revoke))
        .route(
            "/password",
            get(accounts::page_password).post(accounts::page_change_password),
        )
        .merge(api)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// The role an API route needs (`None`: open to all).
fn needed_role(method: &Method, route: &str) -> Option<Role> {
    match (method.as_str(), route) {
        (_, "/api/v1/openapi.json") | ("POST", "/api/v1/tokens") => None,
        (
            _,
            "/api/v1/users"
            | "/api/v1/users/{id}"
            | "/api/v1/users/{id}/password"
            | "/api/v1/audit",
        )
        | ("DELETE", "/api/v1/datasets/{id}") => Some(Role::Admin),
        (_, "/api/v1/datasets" | "/api/v1/datasets/{id}")
        | ("POST", "/api/v1/runs" | "/api/v1/plans")
        | ("PATCH", "/api/v1/plans/{id}") => Some(Role::Analyst),
        _ => Some(Role::Viewer),
    }
}

/// Checks credentials, role and CSRF of every API request before its body is read, so a
/// request without credentials gets 401 and one with the wrong role 403, whatever it sends.
async fn api_guard(
    State(state): State<AppState>,
    route: MatchedPath,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(role) = needed_role(request.method(), route.as_str()) {
        match require(&state, request.method(), request.headers(), role) {
            Ok(p) => {
                if p.user.must_change_password
                    && !matches!(route.as_str(), "/api/v1/me" | "/api/v1/me/password")
                {
                    return ApiError(
                        StatusCode::FORBIDDEN,
                        "an administrator reset your password: choose a new one first (POST /api/v1/me/password, or the Password page)".into(),
                    )
                    .into_response();
                }
                request.extensions_mut().insert(p);
            }
            Err(e) => return e.into_response(),
        }
    }
    next.run(request).await
}

/// The client's address, for the sign-in limits: the socket's peer (when the server was
/// started with connection info), or with [`Config::trust_forwarded_for`] the last address
/// in `X-Forwarded-For` (the one the proxy added). `unknown` when neither is known.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, std::convert::Infallible> {
        if state.inner.config.trust_forwarded_for
            && let Some(last) = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
                .next_back()
        {
            return Ok(ClientAddr(last.to_string()));
        }
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string()),
        ))
    }
}

/// The user of an API request, as the guard authenticated it and checked its role: what an
/// API handler takes instead of checking credentials itself.
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<ApiUser, ApiError> {
        parts
            .extensions
            .remove::<Principal>()
            .map(ApiUser)
            .ok_or_else(unauthorised)
    }
}

/// Headers on every response: no framing, no sniffing, no referrer, and a content security
/// policy that allows nothing from elsewhere.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// An API error: a status and a message, as JSON.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::UsernameTaken(_) | StoreError::LastAdmin => {
                ApiError(StatusCode::CONFLICT, e.to_string())
            }
            StoreError::NoSuchUser(_) => ApiError(StatusCode::NOT_FOUND, e.to_string()),
            // The cause goes to the server's log, not to the client.
            other => {
                eprintln!("levelfield serve: {other}");
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the store failed; the administrator can see why in the server's log".into(),
                )
            }
        }
    }
}

fn unauthorised() -> ApiError {
    ApiError(
        StatusCode::UNAUTHORIZED,
        "sign in: send `Authorization: Bearer <token>` (POST /api/v1/tokens makes one) or a session cookie".into(),
    )
}

/// How a request was authenticated.
#[derive(Clone)]
pub struct Principal {
    /// The user.
    pub user: User,
    /// The session's token hash and CSRF token, when by cookie.
    pub(crate) session: Option<(String, String)>,
}

impl Principal {
    /// The session's CSRF token, when signed in by cookie.
    pub fn csrf(&self) -> Option<&str> {
        self.session.as_ref().map(|(_, c)| c.as_str())
    }
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(crate) fn principal(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, ApiError> {
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthorised)?;
        return Ok(state
            .store()
            .token_user(&auth::token_hash(token.trim()))?
            .map(|user| Principal {
                user,
                session: None,
            }));
    }
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        let hash = auth::token_hash(token);
        return Ok(state.store().session(&hash)?.map(|s| Principal {
            user: s.user,
            session: Some((hash, s.csrf)),
        }));
    }
    Ok(None)
}

/// Authenticates an API request and checks its role; a state-changing request by session
/// cookie must also carry the session's CSRF token in `X-CSRF-Token`.
pub(crate) fn require(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
    role: Role,
) -> Result<Principal, ApiError> {
    let p = principal(state, headers)?.ok_or_else(unauthorised)?;
    if p.user.role < role {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            format!(
                "this needs the {} role; you are {}",
                role.as_str(),
                p.user.role.as_str()
            ),
        ));
    }
    if let Some((_, csrf)) = &p.session
        && !matches!(*method, Method::GET | Method::HEAD)
    {
        let sent = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !auth::same(sent, csrf) {
            return Err(ApiError(
                StatusCode::FORBIDDEN,
                "missing or wrong X-CSRF-Token for a request signed in by cookie".into(),
            ));
        }
    }
    Ok(p)
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError(
            StatusCode::NOT_FOUND,
            format!("no {method} {}; see /api/v1/openapi.json", uri.path()),
        )
        .into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Html(layout(
                "Not found",
                None,
                "",
                "<p>No such page. <a href=\"/\">Home</a></p>",
            )),
        )
            .into_response()
    }
}

pub(crate) fn cookie_header(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: i64,
) -> HeaderValue {
    let secure = if state.inner.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("cookie text is ASCII")
}

fn signin_form(csrf: &str, message: Option<&str>) -> String {
    let error = message
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", esc(m)))
        .unwrap_or_default();
    layout(
        "Sign in",
        None,
        "",
        &format!(
            "{error}<form method=\"post\" action=\"/signin\">\n<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\n<label for=\"username\">Username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required>\n<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n<button type=\"submit\">Sign in</button>\n</form>"
        ),
    )
}

/// `GET /signin`: the form, with a fresh sign-in CSRF token in a cookie and a hidden field.
async fn signin_page(State(state): State<AppState>) -> Response {
    let csrf = auth::random_token();
    let mut response = Html(signin_form(&csrf, None)).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, SIGNIN_COOKIE, &csrf, 3600),
    );
    response
}

/// The sign-in form's fields.
#[derive(Deserialize)]
pub struct SigninForm {
    username: String,
    password: String,
    csrf: String,
}

/// A refused sign-in: the error, and when it is worth trying again (429 and 503).
pub(crate) struct SigninRefusal(pub ApiError, pub Option<u64>);

impl IntoResponse for SigninRefusal {
    fn into_response(self) -> Response {
        let mut r = self.0.into_response();
        if let Some(secs) = self.1 {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

impl From<ApiError> for SigninRefusal {
    fn from(e: ApiError) -> SigninRefusal {
        SigninRefusal(e, None)
    }
}

impl From<StoreError> for SigninRefusal {
    fn from(e: StoreError) -> SigninRefusal {
        SigninRefusal(e.into(), None)
    }
}

fn wrong_credentials() -> SigninRefusal {
    SigninRefusal(
        ApiError(
            StatusCode::UNAUTHORIZED,
            "wrong username or password".into(),
        ),
        None,
    )
}

pub(crate) fn busy() -> SigninRefusal {
    SigninRefusal(
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is checking too many passwords at once; try again in a moment".into(),
        ),
        Some(1),
    )
}

/// Checks a username and password from `client` under the sign-in limits. The username is
/// checked first (nothing of an invalid one is stored or kept), the attempt is reserved
/// before the password is verified (so concurrent guesses count), the check runs through the
/// hashing gate, and an unknown or disabled user is verified against a dummy hash so the
/// answer takes as long. Lockouts and the first refusal of each are audited.
pub(crate) async fn check_credentials(
    state: &AppState,
    client: &ClientAddr,
    username: &str,
    password: &str,
) -> Result<User, SigninRefusal> {
    let limiter = &state.inner.limiter;
    // An invalid name counts against the address only; the name itself goes nowhere.
    let valid = auth::check_username(username).is_ok();
    let account = if valid { username } else { "" };
    let attempt = match limiter.begin(&client.0, account) {
        Ok(a) => a,
        Err(refused) => {
            if refused.first {
                state.store().audit(
                    None,
                    "sign-in refused (rate limit)",
                    &format!("{account} from {}", client.0),
                )?;
            }
            return Err(SigninRefusal(
                ApiError(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "too many failed sign-ins from here; wait {} and try again",
                        wait_text(refused.retry_after)
                    ),
                ),
                Some(refused.retry_after),
            ));
        }
    };
    if !valid {
        audit_lockouts(state, client, "", attempt.failed())?;
        return Err(wrong_credentials());
    }
    let found = state.store().user_with_hash(username)?;
    let (hash, user) = match found {
        Some((user, hash)) => (Some(hash), Some(user)),
        None => (None, None),
    };
    let password = password.to_string();
    let checked = state
        .inner
        .hashing
        .run(move || match hash {
            Some(hash) => auth::verify_password(&password, &hash),
            None => auth::verify_password(&password, auth::dummy_hash()),
        })
        .await;
    let Ok(ok) = checked else {
        attempt.cancel();
        return Err(busy());
    };
    match (ok, user) {
        (true, Some(user)) if !user.disabled => {
            attempt.succeeded();
            Ok(user)
        }
        (ok, user) => {
            let locks = attempt.failed();
            let action = if ok && user.is_some() {
                "sign-in refused (disabled)"
            } else {
                "sign-in failed"
            };
            state
                .store()
                .audit(None, action, &format!("{username} from {}", client.0))?;
            audit_lockouts(state, client, username, locks)?;
            Err(wrong_credentials())
        }
    }
}

fn wait_text(secs: u64) -> String {
    if secs >= 120 {
        format!("{} minutes", secs.div_ceil(60))
    } else {
        format!("{secs} seconds")
    }
}

fn audit_lockouts(
    state: &AppState,
    client: &ClientAddr,
    username: &str,
    locks: Vec<auth::Lockout>,
) -> Result<(), StoreError> {
    for lock in locks {
        let detail = match lock.what {
            "address" => format!("{} locked for {} s", client.0, lock.secs),
            what => format!(
                "{what} {username} from {} locked for {} s",
                client.0, lock.secs
            ),
        };
        state.store().audit(None, "sign-in lockout", &detail)?;
    }
    Ok(())
}

/// `POST /signin`.
async fn signin(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Form(form): Form<SigninForm>,
) -> Response {
    let expected = cookie(&headers, SIGNIN_COOKIE).unwrap_or("");
    if expected.is_empty() || !auth::same(expected, &form.csrf) {
        return (
            StatusCode::FORBIDDEN,
            Html(layout(
                "Sign in",
                None,
                "",
                "<p class=\"error\" role=\"alert\">The form has expired. <a href=\"/signin\">Sign in again</a>.</p>",
            )),
        )
            .into_response();
    }
    let user = match check_credentials(&state, &client, &form.username, &form.password).await {
        Ok(u) => u,
        Err(SigninRefusal(ApiError(status, message), retry)) => {
            let mut r = (status, Html(signin_form(&form.csrf, Some(&message)))).into_response();
            if let Some(secs) = retry {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return r;
        }
    };
    let token = auth::random_token();
    let csrf = auth::random_token();
    let secs = state.inner.config.session_secs;
    if let Err(e) = state
        .store()
        .create_session(&auth::token_hash(&token), user.id, &csrf, secs)
    {
        return ApiError::from(e).into_response();
    }
    let next = if user.must_change_password {
        "/password"
    } else {
        "/"
    };
    let mut response = Redirect::to(next).into_response();
    let h = response.headers_mut();
    h.append(
        header::SET_COOKIE,
        cookie_header(&state, SESSION_COOKIE, &token, secs),
    );
    h.append(
        header::SET_COOKIE,
        cookie_header(&state, SIGNIN_COOKIE, "", 0),
    );
    response
}

/// The sign-out form's field.
#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /signout`.
async fn signout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let p = match principal(&state, &headers) {
        Ok(Some(p)) => p,
        Ok(None) => return Redirect::to("/signin").into_response(),
        Err(e) => return e.into_response(),
    };
    let Some((hash, csrf)) = p.session else {
        return ApiError(StatusCode::BAD_REQUEST, "not signed in by cookie".into()).into_response();
    };
    if !auth::same(&form.csrf, &csrf) {
        return ApiError(StatusCode::FORBIDDEN, "missing or wrong CSRF token".into())
            .into_response();
    }
    if let Err(e) = state.store().delete_session(&hash, p.user.id) {
        return ApiError::from(e).into_response();
    }
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&state, SESSION_COOKIE, "", 0),
    );
    response
}

/// `GET /`: the signed-in home page: what the user can do, and the newest results.
async fn home(State(state): State<AppState>, Viewer(p): Viewer) -> Response {
    let runs = match state.store().runs() {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut body = format!(
        "<p>Signed in as <strong>{}</strong> ({}).</p>",
        esc(&p.user.username),
        p.user.role.as_str()
    );
    if p.user.role >= Role::Analyst {
        body.push_str("<p>Upload record-level data on <a href=\"/datasets\">Datasets</a>, then <a href=\"/runs\">run a profile</a> on it. Viewers see only the disclosure-controlled results.</p>");
    }
    body.push_str("<h2>Newest results</h2><ul>");
    let mut any = false;
    for r in runs.iter().filter(|r| r.status == "done").take(10) {
        any = true;
        body.push_str(&format!(
            "<li><a href=\"/results/{}\">{} — run {}</a></li>",
            r.id,
            esc(&r.spec),
            r.id
        ));
    }
    body.push_str("</ul>");
    if !any {
        body.push_str("<p>None yet.</p>");
    }
    body.push_str("<p><a href=\"/plans\">Action plans</a> · <a href=\"/api/v1/openapi.json\">API (OpenAPI)</a></p>");
    Html(layout("levelfield", Some(&p), "", &body)).into_response()
}

/// `GET /api/v1/openapi.json`.
async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
}

/// Body of `POST /api/v1/tokens`.
#[derive(Deserialize)]
pub struct TokenRequest {
    username: String,
    password: String,
    #[serde(default)]
    name: String,
}

/// `POST /api/v1/tokens`: a bearer token for a username and password.
async fn create_token(
    State(state): State<AppState>,
    client: ClientAddr,
    Json(body): Json<TokenRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), SigninRefusal> {
    let user = check_credentials(&state, &client, &body.username, &body.password).await?;
    let token = auth::random_token();
    let name = if body.name.is_empty() {
        "API token".to_string()
    } else {
        body.name
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect()
    };
    let lifetime = state.inner.config.token_days.saturating_mul(86_400);
    let id = state
        .store()
        .create_token(&auth::token_hash(&token), user.id, &name, lifetime)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token": token,
            "id": id,
            "username": user.username,
            "role": user.role,
            "expires_at": crate::store::now().saturating_add(lifetime),
            "must_change_password": user.must_change_password,
        })),
    ))
}

/// `GET /api/v1/me`.
async fn me(ApiUser(p): ApiUser) -> Json<User> {
    Json(p.user)
}

/// `GET /api/v1/users` (admin).
async fn list_users(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(state.store().users()?))
}

/// Body of `POST /api/v1/users`.
#[derive(Deserialize)]
pub struct NewUser {
    username: String,
    password: String,
    role: String,
}

/// Checks and adds a user for `admin`: the API and the users page share it.
async fn add_user(state: &AppState, admin: &User, body: NewUser) -> Result<User, ApiError> {
    let invalid = |m: String| ApiError(StatusCode::UNPROCESSABLE_ENTITY, m);
    auth::check_username(&body.username).map_err(|e| invalid(e.to_string()))?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        invalid(format!(
            "role `{}`: use viewer, analyst or admin",
            body.role
        ))
    })?;
    let password = body.password;
    let hash = state
        .hashing()
        .run_queued(move || auth::hash_password(&password))
        .await
        .map_err(|_| busy().0)?
        .map_err(|e| invalid(e.to_string()))?;
    Ok(state
        .store()
        .create_user(&body.username, &hash, role, Some(admin.id))?)
}

/// `POST /api/v1/users` (admin).
async fn create_user(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    Json(body): Json<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let user = add_user(&state, &admin.user, body).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// `GET /users` (admin): the users, and a form to add one.
async fn users_page(State(state): State<AppState>, Admin(p): Admin) -> Response {
    let users = match state.store().users() {
        Ok(u) => u,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut body = String::from(
        "<p>An admin cannot demote or disable the last enabled admin. Disabling a user or resetting their password ends their sessions and revokes their API tokens; a reset password must be changed at the next sign-in.</p><table class=\"list\"><thead><tr><th scope=\"col\">User</th><th scope=\"col\">Role</th><th scope=\"col\">State</th><th scope=\"col\">Change</th></tr></thead><tbody>",
    );
    for u in &users {
        body.push_str(&accounts::user_row(&p, u));
    }
    body.push_str(&format!(
        "</tbody></table><h2>Add a user</h2><form method=\"post\" action=\"/users\">{}<label for=\"u-name\">Username</label><input id=\"u-name\" name=\"username\" required autocomplete=\"off\"><label for=\"u-role\">Role</label><select id=\"u-role\" name=\"role\"><option>viewer</option><option>analyst</option><option>admin</option></select><label for=\"u-pass\">Password (at least 12 characters)</label><input id=\"u-pass\" name=\"password\" type=\"password\" required minlength=\"12\" autocomplete=\"new-password\"><button type=\"submit\">Add the user</button></form>",
        pages::csrf_field(&p)
    ));
    Html(layout("Users", Some(&p), "", &body)).into_response()
}

/// The users page's form.
#[derive(Deserialize)]
pub struct UserForm {
    csrf: String,
    username: String,
    password: String,
    role: String,
}

/// `POST /users` (admin).
async fn users_add(
    State(state): State<AppState>,
    Admin(p): Admin,
    Form(form): Form<UserForm>,
) -> Response {
    if let Err(r) = pages::check_csrf(&p, &form.csrf) {
        return r;
    }
    let body = NewUser {
        username: form.username,
        password: form.password,
        role: form.role,
    };
    match add_user(&state, &p.user, body).await {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(ApiError(status, message)) => pages::status_page(
            status,
            "The user was not added",
            Some(&p),
            &format!(
                "<p class=\"error\" role=\"alert\">{}</p><p><a href=\"/users\">Back to users</a></p>",
                esc(&message)
            ),
        ),
    }
}

/// `GET /api/v1/audit` (admin).
async fn audit(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
) -> Result<Json<Vec<crate::store::AuditEntry>>, ApiError> {
    Ok(Json(state.store().audit_log()?))
}
