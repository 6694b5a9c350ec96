//! What the router tests share: an app over a fresh store with one user of each role, and
//! helpers to send requests, make tokens and sign in with a cookie session.
#![allow(dead_code)]

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header},
};
use http_body_util::BodyExt;
use levelfield_server::{
    AppState, Config, Store, app,
    auth::{Role, hash_password},
};
use serde_json::{Value, json};
use tower::ServiceExt;

pub const PASSWORD: &str = "a long enough password";

pub struct T {
    pub _dir: tempfile::TempDir,
    pub state: AppState,
}

pub fn setup() -> T {
    setup_with(Config {
        max_body: 4096,
        ..Config::default()
    })
}

/// As [`setup`], with `config`.
pub fn setup_with(config: Config) -> T {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    for (name, role) in [
        ("admin", Role::Admin),
        ("ana", Role::Analyst),
        ("vic", Role::Viewer),
    ] {
        store.create_user(name, &hash, role, None).unwrap();
    }
    levelfield_server::prepare_folders(dir.path(), &store).unwrap();
    let state = AppState::new(store, config);
    T { _dir: dir, state }
}

impl T {
    pub fn router(&self) -> Router {
        app(self.state.clone())
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        let res = self.router().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn json(
        &self,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(token) = auth {
            req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let (status, _, text) = self.send(req).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn token(&self, user: &str) -> String {
        let (status, body) = self
            .json(
                "POST",
                "/api/v1/tokens",
                None,
                Some(json!({"username": user, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_string()
    }
}

pub fn set_cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
}

pub fn cookie_value(set_cookie: &str) -> &str {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
}

pub fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..at + 64].to_string()
}

pub fn get_with_cookie(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

pub fn form(path: &str, cookie: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body.to_string()))
        .unwrap()
}

impl T {
    /// Posts the sign-in form with `fields` (`username=…&password=…`, form-encoded) and the
    /// CSRF token of a freshly loaded form: the response.
    pub async fn post_sign_in(&self, fields: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let (_, _, html) = self
            .send(Request::get("/signin").body(Body::empty()).unwrap())
            .await;
        let csrf = hidden_csrf(&html);
        self.send(form(
            "/signin",
            &format!("lf_signin={csrf}"),
            &format!("{fields}&csrf={csrf}"),
        ))
        .await
    }

    /// Signs `user` in through the form: the session cookie jar and its CSRF token.
    pub async fn session(&self, user: &str) -> (String, String) {
        let (status, headers, _) = self
            .post_sign_in(&format!("username={user}&password=a+long+enough+password"))
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let session = set_cookie(&headers, "lf_session").unwrap();
        let jar = format!("lf_session={}", cookie_value(&session));
        let (_, _, html) = self.send(get_with_cookie("/", &jar)).await;
        (jar, hidden_csrf(&html))
    }
}
