//! Every route through the router without a socket (tower `oneshot`): authentication, roles,
//! CSRF, validation, rate limits, limits on size, and what is audited.

mod support;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use levelfield_server::auth::Role;
use serde_json::json;
use support::*;
use tower::ServiceExt;

#[tokio::test]
async fn health_and_security_headers() {
    let t = setup();
    let (status, headers, body) = t
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    assert!(
        headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
}

#[tokio::test]
async fn the_openapi_document_is_public_and_names_every_api_route() {
    let t = setup();
    let (status, doc) = t.json("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/users/{id}/password",
        "/api/v1/audit",
        "/api/v1/openapi.json",
        "/api/v1/datasets",
        "/api/v1/datasets/{id}",
        "/api/v1/runs",
        "/api/v1/runs/{id}",
        "/api/v1/results/{id}",
        "/api/v1/results/{id}/{table}",
        "/api/v1/plans",
        "/api/v1/plans/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}

#[tokio::test]
async fn protected_routes_answer_401_without_credentials_and_403_for_the_wrong_role() {
    let t = setup();
    let routes = [
        ("GET", "/api/v1/me", Role::Viewer),
        ("GET", "/api/v1/users", Role::Admin),
        ("POST", "/api/v1/users", Role::Admin),
        ("GET", "/api/v1/audit", Role::Admin),
    ];
    let body = || Some(json!({"username": "new.user", "password": PASSWORD, "role": "viewer"}));
    for (method, path, _) in routes {
        let (status, err) = t.json(method, path, None, body()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert!(err["error"].as_str().unwrap().contains("Bearer"));
        let (status, _) = t.json(method, path, Some("not-a-token"), body()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} with a bad token"
        );
    }
    let vic = t.token("vic").await;
    let ana = t.token("ana").await;
    for (method, path, needs) in routes {
        for (token, role) in [(&vic, Role::Viewer), (&ana, Role::Analyst)] {
            let (status, _) = t.json(method, path, Some(token), body()).await;
            let expected = if role >= needs {
                if method == "POST" {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                }
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{method} {path} as {role:?}");
        }
    }
    let (status, me) = t.json("GET", "/api/v1/me", Some(&ana), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("ana"), Some("analyst"))
    );
}

#[tokio::test]
async fn every_api_route_checks_credentials_and_role_before_reading_the_body() {
    let t = setup();
    let routes = [
        ("GET", "/api/v1/datasets", Role::Analyst),
        ("POST", "/api/v1/datasets", Role::Analyst),
        ("GET", "/api/v1/datasets/1", Role::Analyst),
        ("GET", "/api/v1/runs", Role::Viewer),
        ("POST", "/api/v1/runs", Role::Analyst),
        ("GET", "/api/v1/runs/1", Role::Viewer),
        ("GET", "/api/v1/results/1", Role::Viewer),
        ("GET", "/api/v1/results/1/estimates", Role::Viewer),
        ("GET", "/api/v1/plans", Role::Viewer),
        ("POST", "/api/v1/plans", Role::Analyst),
        ("GET", "/api/v1/plans/1", Role::Viewer),
        ("PATCH", "/api/v1/plans/1", Role::Analyst),
    ];
    let vic = t.token("vic").await;
    let ana = t.token("ana").await;
    for (method, path, needs) in routes {
        // A body that is not what the route reads: the credentials are judged first.
        let (status, _) = t.json(method, path, None, Some(json!([1]))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
        for (token, role) in [(&vic, Role::Viewer), (&ana, Role::Analyst)] {
            let (status, _) = t.json(method, path, Some(token), Some(json!([1]))).await;
            if role < needs {
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path} as {role:?}");
            } else {
                assert!(
                    [200, 404, 422, 400, 415].contains(&status.as_u16()),
                    "{method} {path} as {role:?}: {status}"
                );
            }
        }
    }
}

#[tokio::test]
async fn pages_send_strangers_to_sign_in_and_refuse_the_wrong_role() {
    let t = setup();
    let pages = [
        ("/", Role::Viewer),
        ("/datasets", Role::Analyst),
        ("/datasets/1", Role::Analyst),
        ("/runs", Role::Analyst),
        ("/runs/1", Role::Viewer),
        ("/results", Role::Viewer),
        ("/results/1", Role::Viewer),
        ("/results/1/workbook.xlsx", Role::Viewer),
        ("/plans", Role::Viewer),
        ("/plans/1", Role::Viewer),
        ("/users", Role::Admin),
    ];
    let (jar, _) = t.session("vic").await;
    for (path, needs) in pages {
        let (status, headers, _) = t
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(headers[header::LOCATION], "/signin");
        let (status, _, _) = t.send(get_with_cookie(path, &jar)).await;
        let expected = if needs > Role::Viewer {
            vec![403]
        } else {
            vec![200, 404]
        };
        assert!(expected.contains(&status.as_u16()), "{path}: {status}");
    }
    // The pages' script is served from here (no CDN), for the CSP's 'self'.
    let (status, headers, js) = t
        .send(Request::get("/static/app.js").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.contains("/api/v1/runs/"));
}

#[tokio::test]
async fn admins_add_users_on_the_users_page() {
    let t = setup();
    let (jar, csrf) = t.session("admin").await;
    let (status, _, html) = t.send(get_with_cookie("/users", &jar)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<td>vic</td><td>viewer</td>"));
    let body = |c: &str| {
        format!("username=new.analyst&role=analyst&password=a+long+enough+password&csrf={c}")
    };
    let (status, _, _) = t.send(form("/users", &jar, &body("0"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, html) = t
        .send(form(
            "/users",
            &jar,
            &format!("username=x&role=analyst&password=short&csrf={csrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("at least 12 characters"), "{html}");
    let (status, _, _) = t.send(form("/users", &jar, &body(&csrf))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let _ = t.token("new.analyst").await;
    let (ajar, acsrf) = t.session("ana").await;
    let (status, _, _) = t.send(form("/users", &ajar, &body(&acsrf))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admins_add_users_with_validation() {
    let t = setup();
    let admin = t.token("admin").await;
    let add = |u: &str, p: &str, r: &str| json!({"username": u, "password": p, "role": r});
    let (status, user) = t
        .json(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(add("bea", PASSWORD, "analyst")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(user["role"], "analyst");
    for (body, expected) in [
        (add("bea", PASSWORD, "viewer"), StatusCode::CONFLICT),
        (
            add("cal", PASSWORD, "root"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            add("cal", "short", "viewer"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            add("bad name", PASSWORD, "viewer"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"username": "cal"}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, err) = t
            .json("POST", "/api/v1/users", Some(&admin), Some(body.clone()))
            .await;
        assert_eq!(status, expected, "{body}: {err}");
    }
    // The new user can sign in; the users list has four.
    t.token("bea").await;
    let (_, users) = t.json("GET", "/api/v1/users", Some(&admin), None).await;
    assert_eq!(users.as_array().unwrap().len(), 4);
    // Every write was audited, and no password appears in the log.
    let (_, log) = t.json("GET", "/api/v1/audit", Some(&admin), None).await;
    let text = log.to_string();
    assert!(text.contains("create user") && text.contains("bea as analyst"));
    assert!(text.contains("create API token"));
    assert!(!text.contains(PASSWORD));
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_rate_limited() {
    let t = setup();
    let try_it = |p: &str| json!({"username": "ana", "password": p});
    for _ in 0..5 {
        let (status, _) = t
            .json(
                "POST",
                "/api/v1/tokens",
                None,
                Some(try_it("wrong password!")),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, err) = t
        .json("POST", "/api/v1/tokens", None, Some(try_it(PASSWORD)))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{err}");
    // An unknown username is refused the same way as a wrong password.
    let (status, err) = t
        .json(
            "POST",
            "/api/v1/tokens",
            None,
            Some(json!({"username": "nobody", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["error"], "wrong username or password");
    let admin = t.token("admin").await;
    let (_, log) = t.json("GET", "/api/v1/audit", Some(&admin), None).await;
    assert!(log.to_string().contains("sign-in refused (rate limit)"));
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_refused() {
    let t = setup();
    let big = json!({"username": "ana", "password": "x".repeat(10_000)});
    let (status, _) = t.json("POST", "/api/v1/tokens", None, Some(big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let req = Request::post("/api/v1/tokens")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (status, _, _) = t.send(req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let t = setup();
    let (status, err) = t.json("GET", "/api/v1/nothing", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(err["error"].as_str().unwrap().contains("openapi.json"));
    let (status, _, body) = t
        .send(
            Request::get("/../../etc/passwd")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn sign_in_with_a_cookie_session_and_csrf_on_every_change() {
    let t = setup();
    // The form sets a sign-in CSRF cookie equal to its hidden field.
    let (status, headers, html) = t
        .send(Request::get("/signin").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    let signin_cookie = set_cookie(&headers, "lf_signin").unwrap();
    let csrf = hidden_csrf(&html);
    assert_eq!(cookie_value(&signin_cookie), csrf);
    let jar = format!("lf_signin={csrf}");
    let body = |c: &str| format!("username=admin&password=a+long+enough+password&csrf={c}");

    // A forged form (wrong or no CSRF token) is refused.
    let (status, _, _) = t.send(form("/signin", &jar, &body(&"0".repeat(64)))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = t.send(form("/signin", "", &body(&csrf))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A wrong password shows the form again with the message.
    let (status, _, html) = t
        .send(form(
            "/signin",
            &jar,
            &format!("username=admin&password=nope&csrf={csrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("wrong username or password"));

    // The right one gives a session cookie: HttpOnly, SameSite=Strict.
    let (status, headers, _) = t.send(form("/signin", &jar, &body(&csrf))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/");
    let session = set_cookie(&headers, "lf_session").unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    assert!(!session.contains("Secure"), "plain HTTP on loopback");
    let jar = format!("lf_session={}", cookie_value(&session));

    // Home shows the user and a sign-out form with the session's CSRF token.
    let (status, _, html) = t.send(get_with_cookie("/", &jar)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<strong>admin</strong>"));
    let session_csrf = hidden_csrf(&html);

    // The API honours the cookie, but a change needs X-CSRF-Token.
    let add = json!({"username": "dee", "password": PASSWORD, "role": "viewer"}).to_string();
    let post = |csrf: Option<&str>| {
        let mut r = Request::post("/api/v1/users")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &jar);
        if let Some(c) = csrf {
            r = r.header("x-csrf-token", c);
        }
        r.body(Body::from(add.clone())).unwrap()
    };
    assert_eq!(t.send(post(None)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.send(post(Some(&csrf))).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        t.send(post(Some(&session_csrf))).await.0,
        StatusCode::CREATED
    );
    let me = Request::get("/api/v1/me")
        .header(header::COOKIE, &jar)
        .body(Body::empty())
        .unwrap();
    assert_eq!(t.send(me).await.0, StatusCode::OK);

    // Sign-out needs the token too; then the session is gone.
    let (status, _, _) = t.send(form("/signout", &jar, "csrf=wrong")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _) = t
        .send(form("/signout", &jar, &format!("csrf={session_csrf}")))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        set_cookie(&headers, "lf_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, headers, _) = t.send(get_with_cookie("/", &jar)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/signin");
}

#[tokio::test]
async fn many_concurrent_requests_lose_no_write() {
    let t = setup();
    let admin = t.token("admin").await;
    let mut tasks = Vec::new();
    for k in 0..40 {
        let router = t.router();
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            let req = if k % 2 == 0 {
                Request::post("/api/v1/users")
                    .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        json!({"username": format!("user{k}"), "password": PASSWORD, "role": "viewer"})
                            .to_string(),
                    ))
                    .unwrap()
            } else {
                Request::get("/api/v1/users")
                    .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                    .body(Body::empty())
                    .unwrap()
            };
            router.oneshot(req).await.unwrap().status()
        }));
    }
    for task in tasks {
        let status = task.await.unwrap();
        assert!(status.is_success(), "{status}");
    }
    let (_, users) = t.json("GET", "/api/v1/users", Some(&admin), None).await;
    assert_eq!(users.as_array().unwrap().len(), 3 + 20);
}
