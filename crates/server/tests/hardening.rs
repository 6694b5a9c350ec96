//! Attacks on sign-in, tokens, uploads, downloads and the data folder, and the admin's work on
//! accounts and datasets: each a request an attacker or an admin would send, through the
//! router (tower `oneshot`) or a loopback socket.
//!
//! Why one long file: one attack a test, sharing the router and the fixtures of this file;
//! splitting it would copy the fixtures into each part.

mod support;

use std::{
    net::{IpAddr, SocketAddr},
    path::Path,
    time::Duration,
};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode, header},
};
use levelfield_server::{Config, ServeError, Store};
use serde_json::{Value, json};
use support::*;
use tower::ServiceExt;

/// `POST /api/v1/tokens` from `client`.
fn sign_in_from(client: &str, username: &str, password: &str) -> Request<Body> {
    let mut req = Request::post("/api/v1/tokens")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap();
    let ip: IpAddr = client.parse().unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip, 40000)));
    req
}

async fn statuses(t: &T, requests: Vec<Request<Body>>) -> Vec<StatusCode> {
    let mut tasks = Vec::new();
    for req in requests {
        let router = t.router();
        tasks.push(tokio::spawn(async move {
            router.oneshot(req).await.unwrap().status()
        }));
    }
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

fn count(statuses: &[StatusCode], code: u16) -> usize {
    statuses.iter().filter(|s| s.as_u16() == code).count()
}

async fn audit_actions(t: &T) -> Vec<Value> {
    let admin = t.token("admin").await;
    let (_, log) = t.json("GET", "/api/v1/audit", Some(&admin), None).await;
    log.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_for_one_user_are_reserved_before_the_check() {
    let t = setup();
    let requests = (0..20)
        .map(|_| sign_in_from("10.1.1.1", "ana", "wrong password, guessed"))
        .collect();
    let got = statuses(&t, requests).await;
    assert!(count(&got, 401) <= 5, "{got:?}");
    assert_eq!(
        count(&got, 401) + count(&got, 429) + count(&got, 503),
        20,
        "{got:?}"
    );
    // The limit held: the right password from that address is refused too, for now.
    let (status, _, _) = t.send(sign_in_from("10.1.1.1", "ana", PASSWORD)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_hashing_is_bounded_and_the_rest_are_told_to_wait() {
    let t = setup_with(Config {
        max_body: 4096,
        max_hashing: 1,
        ..Config::default()
    });
    // 40 made-up names from 40 addresses: no limit applies, so only the gate stands between
    // them and 40 argon2 checks at once. One runs, eight wait, the rest are turned away and
    // told when to come back.
    let mut tasks = Vec::new();
    for k in 0..40 {
        let req = sign_in_from(
            &format!("10.2.0.{k}"),
            &format!("nobody{k}"),
            "guess guess guess",
        );
        let router = t.router();
        tasks.push(tokio::spawn(
            async move { router.oneshot(req).await.unwrap() },
        ));
    }
    let mut got = Vec::new();
    for task in tasks {
        let res = task.await.unwrap();
        if res.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(res.headers()[header::RETRY_AFTER], "1");
        }
        got.push(res.status());
    }
    assert!(count(&got, 503) >= 20, "{got:?}");
    assert_eq!(count(&got, 401) + count(&got, 503), 40, "{got:?}");
    // An unknown name is answered as a wrong password is.
    let (status, _, body) = t.send(sign_in_from("10.2.1.1", "nobody", PASSWORD)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("wrong username or password"));
    // A turned-away attempt was not counted against its address.
    let (status, _, _) = t.send(sign_in_from("10.2.0.39", "ana", PASSWORD)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn spraying_from_one_address_is_locked_and_the_owner_still_gets_in() {
    let t = setup();
    // One address tries one password on many usernames: after 20 failures it is locked.
    let mut got = Vec::new();
    for k in 0..30 {
        let (status, _, _) = t
            .send(sign_in_from(
                "10.4.4.4",
                &format!("user{k}"),
                "Winter2026!!",
            ))
            .await;
        got.push(status);
    }
    assert_eq!(count(&got, 401), 20, "{got:?}");
    assert_eq!(count(&got, 429), 10, "{got:?}");
    // Someone failing on purpose at ana's account from another address locks only that
    // address: ana, from an address that has not been failing, gets in.
    for _ in 0..5 {
        let (status, _, _) = t
            .send(sign_in_from("10.5.5.5", "ana", "not her password"))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, headers, _) = t.send(sign_in_from("10.5.5.5", "ana", PASSWORD)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    let (status, _, body) = t.send(sign_in_from("10.6.6.6", "ana", PASSWORD)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Lockouts are in the audit log, with the address.
    let log = audit_actions(&t).await;
    let lockouts: Vec<&Value> = log
        .iter()
        .filter(|e| e["action"] == "sign-in lockout")
        .collect();
    assert!(
        lockouts
            .iter()
            .any(|e| e["detail"].as_str().unwrap().contains("10.4.4.4")),
        "{log:?}"
    );
    assert!(
        lockouts
            .iter()
            .any(|e| e["detail"].as_str().unwrap().contains("ana from 10.5.5.5")),
        "{log:?}"
    );
}

#[tokio::test]
async fn sign_in_names_are_checked_before_anything_is_stored() {
    let t = setup_with(Config {
        max_body: 1 << 20,
        ..Config::default()
    });
    let db = t.state.data_dir().join("levelfield.sqlite3");
    let size = |p: &Path| {
        let wal = p.with_extension("sqlite3-wal");
        std::fs::metadata(p).map_or(0, |m| m.len()) + std::fs::metadata(wal).map_or(0, |m| m.len())
    };
    let before = size(db.as_path());
    let huge = "x".repeat(512 * 1024);
    for k in 0..10 {
        let (status, _, _) = t
            .send(sign_in_from(
                &format!("10.7.0.{k}"),
                &huge,
                "whatever whatever",
            ))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The form too.
    let (status, _, page) = t.post_sign_in(&format!("username={huge}&password=x")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!page.contains(&huge[..1000]), "the name is not echoed");
    assert!(
        size(db.as_path()) < before + 256 * 1024,
        "the store grew from {before} to {} bytes",
        size(db.as_path())
    );
    let log = audit_actions(&t).await;
    assert!(
        log.iter()
            .all(|e| e["detail"].as_str().unwrap().chars().count() <= 301),
        "audit text is capped"
    );
    assert!(!Value::Array(log).to_string().contains(&huge[..1000]));
}

#[tokio::test]
async fn tokens_expire_are_listed_and_revoked_and_a_password_change_revokes_them_all() {
    let t = setup();
    let (status, made) = t
        .json(
            "POST",
            "/api/v1/tokens",
            None,
            Some(json!({"username": "ana", "password": PASSWORD, "name": "script"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let token = made["token"].as_str().unwrap().to_string();
    let id = made["id"].as_i64().unwrap();
    let now = levelfield_server::store::now();
    let expires = made["expires_at"].as_i64().unwrap();
    assert!(
        (expires - now - 90 * 86_400).abs() < 60,
        "90 days by default"
    );
    let other = t.token("ana").await;

    // Listed (never the token itself), newest first.
    let (status, list) = t.json("GET", "/api/v1/tokens", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().any(|x| x["id"] == id && x["name"] == "script"));
    assert!(!Value::Array(list.clone()).to_string().contains(&token));

    // Someone else cannot revoke it; its owner can, and then it is refused.
    let vic = t.token("vic").await;
    let path = format!("/api/v1/tokens/{id}");
    let (status, _) = t.json("DELETE", &path, Some(&vic), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.json("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = t.json("DELETE", &path, Some(&other), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.json("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A password change revokes every token; the new password works.
    let third = t.token("ana").await;
    let new = "another long enough password";
    let (status, _) = t
        .json(
            "POST",
            "/api/v1/me/password",
            Some(&third),
            Some(json!({"current": "not it at all", "new": new})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t
        .json(
            "POST",
            "/api/v1/me/password",
            Some(&third),
            Some(json!({"current": PASSWORD, "new": new})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for old in [&other, &third] {
        let (status, _) = t.json("GET", "/api/v1/me", Some(old), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = t
        .json(
            "POST",
            "/api/v1/tokens",
            None,
            Some(json!({"username": "ana", "password": new})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // The page lists one's tokens and revokes with the form's CSRF token.
    let (jar, csrf) = t.session("vic").await;
    let (status, _, html) = t.send(get_with_cookie("/tokens", &jar)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, mine) = t.json("GET", "/api/v1/tokens", Some(&vic), None).await;
    let vic_id = mine[0]["id"].as_i64().unwrap();
    assert!(html.contains(&format!("action=\"/tokens/{vic_id}/revoke\"")));
    let revoke = format!("/tokens/{vic_id}/revoke");
    let (status, _, _) = t.send(form(&revoke, &jar, "csrf=0")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = t.send(form(&revoke, &jar, &format!("csrf={csrf}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = t.json("GET", "/api/v1/me", Some(&vic), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let log = audit_actions(&t)
        .await
        .into_iter()
        .map(|e| e["action"].clone())
        .collect::<Vec<_>>();
    assert!(log.contains(&json!("revoke API token")) && log.contains(&json!("change password")));
}

#[tokio::test]
async fn tokens_past_their_lifetime_are_refused() {
    let t = setup_with(Config {
        max_body: 4096,
        token_days: 0,
        ..Config::default()
    });
    let (status, made) = t
        .json(
            "POST",
            "/api/v1/tokens",
            None,
            Some(json!({"username": "vic", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = t
        .json("GET", "/api/v1/me", made["token"].as_str(), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn admins_change_roles_disable_reset_and_cannot_remove_the_last_admin() {
    let t = setup();
    let admin = t.token("admin").await;
    let ana = t.token("ana").await;
    let vic = t.token("vic").await;
    let (_, users) = t.json("GET", "/api/v1/users", Some(&admin), None).await;
    let id_of = |name: &str| {
        users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (admin_id, ana_id, vic_id) = (id_of("admin"), id_of("ana"), id_of("vic"));

    // Only admins: analysts and viewers get 403, strangers 401.
    let patch = format!("/api/v1/users/{vic_id}");
    let reset = format!("/api/v1/users/{vic_id}/password");
    for (token, expected) in [(None, 401), (Some(&vic), 403), (Some(&ana), 403)] {
        let (status, _) = t
            .json(
                "PATCH",
                &patch,
                token.map(String::as_str),
                Some(json!({"role": "admin"})),
            )
            .await;
        assert_eq!(status.as_u16(), expected);
        let (status, _) = t
            .json(
                "POST",
                &reset,
                token.map(String::as_str),
                Some(json!({"password": PASSWORD})),
            )
            .await;
        assert_eq!(status.as_u16(), expected);
    }

    // Role change: ana becomes a viewer and loses the analyst's routes.
    let (status, user) = t
        .json(
            "PATCH",
            &format!("/api/v1/users/{ana_id}"),
            Some(&admin),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(
        (status, user["role"].as_str()),
        (StatusCode::OK, Some("viewer"))
    );
    let (status, _) = t.json("GET", "/api/v1/datasets", Some(&ana), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t
        .json("PATCH", &patch, Some(&admin), Some(json!({"role": "root"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The last admin can be neither demoted nor disabled.
    let me = format!("/api/v1/users/{admin_id}");
    for body in [json!({"role": "analyst"}), json!({"disabled": true})] {
        let (status, err) = t.json("PATCH", &me, Some(&admin), Some(body)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");
        assert!(err["error"].as_str().unwrap().contains("no enabled admin"));
    }

    // Disabled: the token stops working and sign-in fails; enabled again, it works.
    let (status, user) = t
        .json(
            "PATCH",
            &patch,
            Some(&admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(
        (status, user["disabled"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (status, _) = t.json("GET", "/api/v1/me", Some(&vic), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, err) = t
        .json(
            "POST",
            "/api/v1/tokens",
            None,
            Some(json!({"username": "vic", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["error"], "wrong username or password");
    let (status, _) = t
        .json(
            "PATCH",
            &patch,
            Some(&admin),
            Some(json!({"disabled": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let vic = t.token("vic").await;

    // Reset: the old token goes; the temporary password signs in but only to change it.
    let temporary = "temporary password 1";
    let (status, user) = t
        .json(
            "POST",
            &reset,
            Some(&admin),
            Some(json!({"password": temporary})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["must_change_password"], true);
    let (status, _) = t.json("GET", "/api/v1/me", Some(&vic), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, made) = t
        .json(
            "POST",
            "/api/v1/tokens",
            None,
            Some(json!({"username": "vic", "password": temporary})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let temp = made["token"].as_str().unwrap().to_string();
    let (status, err) = t.json("GET", "/api/v1/plans", Some(&temp), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(err["error"].as_str().unwrap().contains("choose a new one"));
    let (status, _) = t
        .json(
            "POST",
            "/api/v1/me/password",
            Some(&temp),
            Some(json!({"current": temporary, "new": "vic's own long password"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, made) = t
        .json(
            "POST",
            "/api/v1/tokens",
            None,
            Some(json!({"username": "vic", "password": "vic's own long password"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = t
        .json("GET", "/api/v1/plans", made["token"].as_str(), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    // The users page: its forms change a role with the CSRF token, and only for admins.
    let (jar, csrf) = t.session("admin").await;
    let (status, _, html) = t.send(get_with_cookie("/users", &jar)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("action=\"/users/{ana_id}\"")));
    let change = format!("/users/{ana_id}");
    let (status, _, _) = t
        .send(form(&change, &jar, "action=role&role=analyst&csrf=0"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = t
        .send(form(
            &change,
            &jar,
            &format!("action=role&role=analyst&csrf={csrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, page) = t
        .send(form(
            &format!("/users/{admin_id}"),
            &jar,
            &format!("action=disable&csrf={csrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("no enabled admin"));
    let (vjar, vcsrf) = t.session("ana").await;
    let (status, _, _) = t
        .send(form(
            &change,
            &vjar,
            &format!("action=role&role=admin&csrf={vcsrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, users) = t.json("GET", "/api/v1/users", Some(&admin), None).await;
    assert!(
        users
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["username"] == "ana" && u["role"] == "analyst")
    );

    // Every change is audited.
    let log: Vec<Value> = audit_actions(&t)
        .await
        .into_iter()
        .map(|e| e["action"].clone())
        .collect();
    for action in [
        "change role",
        "disable user",
        "enable user",
        "reset password",
        "change password",
    ] {
        assert!(log.contains(&json!(action)), "{action}");
    }
}

#[tokio::test]
async fn a_reset_password_sends_the_page_user_to_the_password_form() {
    let t = setup();
    let admin = t.token("admin").await;
    let vic = t.state.store().user_named("vic").unwrap();
    let (status, _) = t
        .json(
            "POST",
            &format!("/api/v1/users/{}/password", vic.id),
            Some(&admin),
            Some(json!({"password": "temporary password 2"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, _) = t
        .post_sign_in("username=vic&password=temporary+password+2")
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/password");
    let jar = format!(
        "lf_session={}",
        cookie_value(&set_cookie(&headers, "lf_session").unwrap())
    );
    let (status, headers, _) = t.send(get_with_cookie("/results", &jar)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/password");
    let (status, _, html) = t.send(get_with_cookie("/password", &jar)).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = hidden_csrf(&html);
    let (status, _, _) = t
        .send(form(
            "/password",
            &jar,
            &format!("current=temporary+password+2&new=vic+chose+this+one&csrf={csrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = t.send(get_with_cookie("/results", &jar)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the session that changed it goes on"
    );
}

/// A body that sends `head` and then never ends (`hang`) or fails, as a slow client or one
/// that goes away does.
struct Then(Option<Vec<u8>>, bool);

impl http_body::Body for Then {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match self.0.take() {
            Some(head) => std::task::Poll::Ready(Some(Ok(http_body::Frame::data(head.into())))),
            None if self.1 => std::task::Poll::Pending,
            None => {
                std::task::Poll::Ready(Some(Err(std::io::Error::other("the rest never comes"))))
            }
        }
    }
}

#[tokio::test]
async fn the_upload_forms_csrf_token_is_checked_before_the_file_is_read() {
    let t = setup();
    let (jar, csrf) = t.session("ana").await;
    let boundary = "lf-csrf-first";
    let upload = |token: Option<&str>, hang: bool| {
        let mut head = String::new();
        if let Some(c) = token {
            head.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{c}\r\n"
            ));
        }
        head.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nperiod,age\n2024-25,34\n"));
        Request::post("/datasets")
            .header(header::COOKIE, &jar)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::new(Then(Some(head.into_bytes()), hang)))
            .unwrap()
    };
    // A forged form (no token, or a wrong one) is refused before the file: a body whose file
    // never ends is answered at once.
    for token in [None, Some("0".repeat(64))] {
        let (status, _, html) = tokio::time::timeout(
            Duration::from_secs(20),
            t.send(upload(token.as_deref(), true)),
        )
        .await
        .expect("answered without reading the file");
        assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
        assert!(html.contains("CSRF"));
    }
    // The right token first: the file is read (and this one is cut off).
    let (status, _, _) = t.send(upload(Some(&csrf), false)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        std::fs::read_dir(t.state.data_dir().join("tmp"))
            .unwrap()
            .next()
            .is_none()
    );
}

fn raw_upload(token: &str, name: &str, bytes: Vec<u8>) -> Request<Body> {
    Request::post(format!("/api/v1/datasets?name={name}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap()
}

fn table_of(rows: usize, columns: usize) -> levelfield_table::Table {
    let mut t = levelfield_table::Table::with_rows(rows);
    for c in 0..columns {
        t.push(
            format!("c{c}"),
            levelfield_table::Column::from_strings(
                (0..rows).map(|r| format!("row {r} of a table")),
            ),
        )
        .unwrap();
    }
    t
}

#[tokio::test]
async fn uploads_are_measured_as_a_stream_against_the_caps() {
    let t = setup_with(Config {
        max_rows: 100,
        max_columns: 6,
        max_decompressed: 256 * 1024,
        ..Config::default()
    });
    let ana = t.token("ana").await;
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, table: &levelfield_table::Table| {
        let path = dir.path().join(name);
        levelfield_table::write(table, &path, None).unwrap();
        std::fs::read(path).unwrap()
    };
    let cases = [
        (
            "rows.csv",
            file("rows.csv", &table_of(150, 2)),
            422,
            "more than 100 rows",
        ),
        (
            "cols.csv",
            file("cols.csv", &table_of(3, 9)),
            422,
            "9 columns",
        ),
        (
            "rows.parquet",
            file("rows.parquet", &table_of(150, 2)),
            422,
            "more than 100 rows",
        ),
        (
            "rows.xlsx",
            file("rows.xlsx", &table_of(150, 2)),
            422,
            "more than 100 rows",
        ),
    ];
    for (name, bytes, status, says) in cases {
        let (got, _, body) = t.send(raw_upload(&ana, name, bytes)).await;
        assert_eq!(got.as_u16(), status, "{name}: {body}");
        assert!(body.contains(says), "{name}: {body}");
    }
    // A zip bomb in the shape of an XLSX: 2 MiB of repeated cells, compressed small.
    let mut sheet = String::from("<worksheet><sheetData>");
    while sheet.len() < 2 << 20 {
        sheet.push_str("<c t=\"inlineStr\"><is><t>aaaaaaaaaaaaaaaa</t></is></c>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let mut zipped = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut zipped);
        w.start_file(
            "xl/worksheets/sheet1.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        std::io::Write::write_all(&mut w, sheet.as_bytes()).unwrap();
        w.finish().unwrap();
    }
    let bomb = zipped.into_inner();
    assert!(bomb.len() < 100 * 1024, "{} bytes", bomb.len());
    let (status, _, body) = t.send(raw_upload(&ana, "bomb.xlsx", bomb)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body.contains("once decompressed") && body.contains("--max-decompressed-mb"));
    // Within the caps, the upload is stored.
    let (status, _, body) = t
        .send(raw_upload(
            &ana,
            "ok.csv",
            file("ok.csv", &table_of(100, 6)),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Synthetic events (CSV) and population in a temporary folder.
fn synthetic(rows: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    levelfield_synth::generate(
        &levelfield_synth::Options {
            rows,
            seed: 5,
            areas: 3,
            csv: true,
            files: 1,
        },
        dir.path(),
    )
    .unwrap();
    dir
}

async fn upload_file(t: &T, token: &str, name: &str, bytes: Vec<u8>) -> i64 {
    let (status, _, body) = t.send(raw_upload(token, name, bytes)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_str::<Value>(&body).unwrap()["dataset_id"]
        .as_i64()
        .unwrap()
}

/// Uploads events and population (with `edit` applied to both files' text) and runs pcref to
/// the end: the run's id and the datasets' ids.
async fn a_finished_run(t: &T, edit: impl Fn(String) -> String) -> (i64, i64, i64) {
    let data = synthetic(3000);
    let ana = t.token("ana").await;
    let read = |n: &str| edit(std::fs::read_to_string(data.path().join(n)).unwrap()).into_bytes();
    let events = upload_file(t, &ana, "events.csv", read("events.csv")).await;
    let population = upload_file(t, &ana, "population.csv", read("population.csv")).await;
    let (status, run) = t
        .json(
            "POST",
            "/api/v1/runs",
            Some(&ana),
            Some(
                json!({"spec": "pcref", "datasets": {"events": events, "population": population}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let id = run["id"].as_i64().unwrap();
    for _ in 0..1200 {
        let (_, run) = t
            .json("GET", &format!("/api/v1/runs/{id}"), Some(&ana), None)
            .await;
        if run["status"] == "done" {
            return (id, events, population);
        }
        assert_ne!(run["status"], "failed", "{run}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("run {id} did not finish in 2 minutes");
}

#[tokio::test]
async fn a_cell_a_spreadsheet_would_run_reaches_the_csv_download_as_text() {
    let t = setup();
    let (id, _, _) = a_finished_run(&t, |text| text.replace("SYN001", "=1+2")).await;
    let (jar, _) = t.session("vic").await;
    let (status, _, csv) = t
        .send(get_with_cookie(
            &format!("/results/{id}/estimates.csv"),
            &jar,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains(",'=1+2,"), "neutralised");
    for line in csv.lines() {
        assert!(
            line.split(',').all(|cell| {
                let live = cell.starts_with(['=', '@'])
                    || (cell.starts_with(['+', '-']) && cell.parse::<f64>().is_err());
                !live
            }),
            "{line}"
        );
    }
    // Numbers stay numbers (negative ones included, where there are any).
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .any(|c| c.parse::<f64>().is_ok())
    );
}

#[tokio::test]
async fn results_tables_are_paged_and_filtered() {
    let t = setup();
    let (id, _, _) = a_finished_run(&t, |text| text).await;
    let vic = t.token("vic").await;
    let page = |q: String| {
        Request::get(format!("/api/v1/results/{id}/estimates{q}"))
            .header(header::AUTHORIZATION, format!("Bearer {vic}"))
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, body) = t.send(page("?limit=10".into())).await;
    assert_eq!(status, StatusCode::OK);
    let rows: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.len(), 10);
    let total: usize = headers["x-total-count"].to_str().unwrap().parse().unwrap();
    assert!(total > 10);
    assert!(
        headers[header::LINK]
            .to_str()
            .unwrap()
            .contains("limit=10&offset=10>; rel=\"next\"")
    );
    // The next page continues where the first stopped.
    let (_, _, body) = t.send(page("?limit=10&offset=10".into())).await;
    let next: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_ne!(next[0], rows[0]);
    // The default page is bounded.
    let (_, headers, body) = t.send(page(String::new())).await;
    let all: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(all.len(), total.min(levelfield_server::results::PAGE_ROWS));
    let _ = headers;
    // Filters narrow the rows.
    let (_, headers, body) = t
        .send(page("?indicator=access&area=SYN002&dimension=Sex".into()))
        .await;
    let some: Vec<Value> = serde_json::from_str(&body).unwrap();
    assert!(!some.is_empty());
    assert!(some.iter().all(|r| r["indicator_id"] == "access"
        && r["area_code"] == "SYN002"
        && r["dimension"] == "Sex"));
    assert_eq!(
        headers["x-total-count"].to_str().unwrap(),
        some.len().to_string()
    );
    // Out of range and nonsense.
    let (_, _, body) = t.send(page(format!("?offset={}", total + 5))).await;
    assert!(
        serde_json::from_str::<Vec<Value>>(&body)
            .unwrap()
            .is_empty()
    );
    for q in ["?limit=0", "?limit=100000"] {
        let (status, _, _) = t.send(page(q.into())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
    }
    let (status, _, body) = t
        .send(
            Request::get(format!("/api/v1/results/{id}/data_quality?period=2024-25"))
                .header(header::AUTHORIZATION, format!("Bearer {vic}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        status == StatusCode::OK || body.contains("no `period` column"),
        "{status}: {body}"
    );
}

#[tokio::test]
async fn viewers_see_results_not_provenance_and_a_deleted_dataset_leaves_the_results() {
    let t = setup();
    let (id, events, population) = a_finished_run(&t, |text| text).await;
    let vic = t.token("vic").await;
    let ana = t.token("ana").await;
    for path in ["/api/v1/runs".to_string(), format!("/api/v1/runs/{id}")] {
        let (status, seen) = t.json("GET", &path, Some(&vic), None).await;
        assert_eq!(status, StatusCode::OK);
        let text = seen.to_string();
        assert!(
            !text.contains("started_by") && !text.contains("bindings") && !text.contains("\"ana\""),
            "{path}: {text}"
        );
        let (_, seen) = t.json("GET", &path, Some(&ana), None).await;
        assert!(
            seen.to_string().contains("\"started_by\":\"ana\""),
            "{path}"
        );
    }
    let (jar, _) = t.session("vic").await;
    let (_, _, page) = t.send(get_with_cookie(&format!("/runs/{id}"), &jar)).await;
    assert!(!page.contains(" by ana"), "{page}");
    // The server may allow it.
    let open = setup_with(Config {
        viewers_see_provenance: true,
        ..Config::default()
    });
    let (id2, _, _) = a_finished_run(&open, |text| text).await;
    let v2 = open.token("vic").await;
    let (_, seen) = open
        .json("GET", &format!("/api/v1/runs/{id2}"), Some(&v2), None)
        .await;
    assert_eq!(seen["started_by"], "ana");

    // Deleting a dataset: admins only; the file goes, the record-level data with it, and the
    // run's results stay.
    let admin = t.token("admin").await;
    let path = format!("/api/v1/datasets/{events}");
    let (status, _) = t.json("DELETE", &path, Some(&ana), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let files = || {
        std::fs::read_dir(t.state.data_dir().join("datasets"))
            .unwrap()
            .count()
    };
    assert_eq!(files(), 2);
    let (status, _) = t.json("DELETE", &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(files(), 1);
    let (status, _) = t.json("GET", &path, Some(&ana), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t.json("DELETE", &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = t
        .send(get_with_cookie(&format!("/results/{id}"), &jar))
        .await;
    assert_eq!(status, StatusCode::OK);
    // A new run cannot bind to it.
    let (status, err) = t
        .json(
            "POST",
            "/api/v1/runs",
            Some(&ana),
            Some(
                json!({"spec": "pcref", "datasets": {"events": events, "population": population}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    // The page's form does the same for the other one.
    let (ajar, acsrf) = t.session("admin").await;
    let (_, _, html) = t
        .send(get_with_cookie(&format!("/datasets/{population}"), &ajar))
        .await;
    assert!(html.contains(&format!("action=\"/datasets/{population}/delete\"")));
    let (status, _, _) = t
        .send(form(
            &format!("/datasets/{population}/delete"),
            &ajar,
            &format!("csrf={acsrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(files(), 0);
    let log = audit_actions(&t).await;
    assert_eq!(
        log.iter()
            .filter(|e| e["action"] == "delete dataset")
            .count(),
        2
    );
}

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn wait_until_up(addr: SocketAddr) {
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not start on {addr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_data_folder_is_refused_before_it_touches_anything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = free_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let d = data.clone();
    let live = tokio::spawn(async move {
        levelfield_server::serve_until(&d, first, Config::default(), async {
            let _ = stopped.await;
        })
        .await
    });
    wait_until_up(first).await;
    // The live server has a run in progress and an upload in flight.
    let store = Store::open(&data).unwrap();
    let user = store
        .create_user("ana", "h", levelfield_server::auth::Role::Analyst, None)
        .unwrap();
    let run = store.queue_run(user.id, "pcref", "", &json!({})).unwrap();
    store.run_progress(run, "aggregating", 1).unwrap();
    let in_flight = data.join("tmp").join("upload-in-flight.csv");
    std::fs::write(&in_flight, "period,age\n").unwrap();

    // A second server on another port: refused, naming the live one's process.
    let err = levelfield_server::serve_until(&data, free_addr(), Config::default(), async {})
        .await
        .unwrap_err();
    assert!(matches!(err, ServeError::Locked { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("process {}", std::process::id())),
        "{err}"
    );
    assert_eq!(store.run(run).unwrap().unwrap().status, "running");
    assert!(in_flight.is_file(), "the upload in flight is untouched");

    // A server on another folder but the live server's address: it binds before recovery,
    // so its own folder is left as it was.
    let other = dir.path().join("other");
    std::fs::create_dir_all(other.join("tmp")).unwrap();
    std::fs::write(other.join("tmp").join("keep.csv"), "x\n").unwrap();
    let err = levelfield_server::serve_until(&other, first, Config::default(), async {})
        .await
        .unwrap_err();
    assert!(matches!(err, ServeError::Bind { .. }), "{err}");
    assert!(other.join("tmp").join("keep.csv").is_file());
    assert!(!other.join("levelfield.sqlite3").exists());

    // Once the live server stops, the folder is free again.
    stop.send(()).unwrap();
    live.await.unwrap().unwrap();
    let lock = levelfield_server::lock_data_dir(&data).unwrap();
    drop(lock);
}
