//! Datasets, runs, results and action plans through the router (tower `oneshot`), with the
//! real engine running real profiles on synthetic data; and 1,000 concurrent mixed requests
//! over a real loopback socket.

mod support;

use std::{future::IntoFuture, path::Path, time::Duration};

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use levelfield_server::Config;
use serde_json::{Value, json};
use support::*;

/// Synthetic events and population in a temporary folder.
fn synthetic(rows: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    levelfield_synth::generate(
        &levelfield_synth::Options {
            rows,
            seed: 11,
            areas: 4,
            csv: false,
            files: 1,
        },
        dir.path(),
    )
    .unwrap();
    dir
}

fn raw(path: &str, token: &str, bytes: Vec<u8>) -> Request<Body> {
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap()
}

fn multipart(
    path: &str,
    auth: (&str, &str),
    fields: &[(&str, Option<&str>, &[u8])],
) -> Request<Body> {
    let boundary = "lf-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, bytes) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Request::post(path)
        .header(auth.0, auth.1)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

fn tmp_is_empty(t: &T) -> bool {
    std::fs::read_dir(t.state.data_dir().join("tmp"))
        .unwrap()
        .next()
        .is_none()
}

async fn upload(t: &T, token: &str, path: &Path) -> i64 {
    let name = path.file_name().unwrap().to_str().unwrap();
    let (status, _, body) = t
        .send(raw(
            &format!("/api/v1/datasets?name={name}"),
            token,
            std::fs::read(path).unwrap(),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["dataset_id"].as_i64().unwrap()
}

/// Waits for a run to end; its final state.
async fn finished(t: &T, token: &str, id: i64) -> Value {
    for _ in 0..1200 {
        let (status, run) = t
            .json("GET", &format!("/api/v1/runs/{id}"), Some(token), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        if run["status"] == "done" || run["status"] == "failed" {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("run {id} did not finish in 2 minutes");
}

#[tokio::test]
async fn uploads_are_checked_before_anything_is_stored() {
    let t = setup_with(Config {
        max_upload: 64 * 1024,
        ..Config::default()
    });
    let ana = t.token("ana").await;
    let vic = t.token("vic").await;
    let csv = b"period,area_code,ethnic_category,age,sex,imd_decile,detained\n2024-25,E1,A,34,1,3,0\n2024-25,E1,QQ,41,2,01,1\n2024-25,E2,M,,2,10,1\n".to_vec();

    // Roles: a viewer may not upload or list; nobody signed in gets 401.
    let (status, _, _) = t
        .send(raw("/api/v1/datasets?name=e.csv", &vic, csv.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = t.json("GET", "/api/v1/datasets", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A name is needed, with an accepted extension, and never becomes a path.
    let (status, _, body) = t.send(raw("/api/v1/datasets", &ana, csv.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _, body) = t
        .send(raw("/api/v1/datasets?name=notes.txt", &ana, csv.clone()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(".csv, .parquet or .xlsx"), "{body}");
    let (status, _, _) = t
        .send(raw(
            "/api/v1/datasets?name=..%2F..%2Fevil.csv",
            &ana,
            csv.clone(),
        ))
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the last part of the name is used"
    );
    assert!(
        !t.state
            .data_dir()
            .parent()
            .unwrap()
            .join("evil.csv")
            .exists()
    );

    // Errors stop it: a header without rows, a file that is not what it says.
    for (name, bytes) in [
        ("empty.csv", b"period,age\n".to_vec()),
        ("broken.parquet", b"not parquet at all".to_vec()),
    ] {
        let (status, _, body) = t
            .send(raw(&format!("/api/v1/datasets?name={name}"), &ana, bytes))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["stored"], false);
        assert!(!v["errors"].as_array().unwrap().is_empty());
        assert!(!body.contains("upload-"), "no temporary path in {body}");
    }

    // Checking only stores nothing; a good file is stored with warnings that name values.
    let (status, _, body) = t
        .send(raw(
            "/api/v1/datasets?name=e.csv&check_only=true",
            &ana,
            csv.clone(),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, list) = t.json("GET", "/api/v1/datasets", Some(&ana), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, _, body) = t
        .send(raw("/api/v1/datasets?name=e.csv", &ana, csv.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["rows"], 3);
    assert_eq!(v["kind"], "events");
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("`QQ` (row 3)"), "{warnings}");
    assert!(warnings.contains("column `age`: 1 missing"), "{warnings}");
    assert!(!warnings.contains("no `period` column"), "{warnings}");
    // Events with no period are stored (a spec of the user's own may name another column), but
    // the check says plainly that the built-in specs cannot run on them.
    let no_period = b"area_code,ethnic_category,age,sex,detained\nE1,A,34,1,0\n".to_vec();
    let (status, _, body) = t
        .send(raw(
            "/api/v1/datasets?name=np.csv&check_only=true",
            &ana,
            no_period,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let np: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(np["kind"], "events");
    let said = np["warnings"].to_string();
    assert!(
        said.contains("no `period` column") && said.contains("[columns]"),
        "{said}"
    );
    // Stored typed, as Parquet: ages are integers, the decile `01` kept its text.
    let id = v["dataset_id"].as_i64().unwrap();
    let (_, d) = t
        .json("GET", &format!("/api/v1/datasets/{id}"), Some(&ana), None)
        .await;
    assert_eq!(d["name"], "e.csv");
    let files: Vec<_> = std::fs::read_dir(t.state.data_dir().join("datasets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2);
    let stored = levelfield_table::read(
        files
            .iter()
            .find(|p| {
                levelfield_table::read(p).unwrap().n_rows() == 3
                    && p.extension().unwrap() == "parquet"
            })
            .unwrap(),
    )
    .unwrap();
    assert!(matches!(
        stored.column("age").unwrap(),
        levelfield_table::Column::Integer(_)
    ));
    assert!(matches!(
        stored.column("imd_decile").unwrap(),
        levelfield_table::Column::Text(_)
    ));

    // Multipart works too; too large is 413; nothing is left in tmp/.
    let auth = format!("Bearer {ana}");
    let (status, _, body) = t
        .send(multipart(
            "/api/v1/datasets",
            ("authorization", &auth),
            &[("file", Some("m.csv"), &csv)],
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let big = vec![b'1'; 70 * 1024];
    let (status, _, _) = t
        .send(raw("/api/v1/datasets?name=big.csv", &ana, big.clone()))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, _) = t
        .send(multipart(
            "/api/v1/datasets",
            ("authorization", &auth),
            &[("file", Some("big.csv"), &big)],
        ))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(tmp_is_empty(&t));
    let (_, list) = t.json("GET", "/api/v1/datasets", Some(&ana), None).await;
    assert_eq!(list.as_array().unwrap().len(), 3);

    // The page form needs its CSRF field before the file.
    let (jar, csrf) = t.session("ana").await;
    let (status, _, _) = t
        .send(multipart(
            "/datasets",
            ("cookie", &jar),
            &[("file", Some("p.csv"), &csv)],
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, html) = t
        .send(multipart(
            "/datasets",
            ("cookie", &jar),
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("p.csv"), &csv),
            ],
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Stored as dataset"), "{html}");
    assert!(html.contains("`QQ` (row 3)"));
    let (_, list) = t.json("GET", "/api/v1/datasets", Some(&ana), None).await;
    assert_eq!(list.as_array().unwrap().len(), 4);
    // Every upload is audited.
    let admin = t.token("admin").await;
    let (_, audit) = t.json("GET", "/api/v1/audit", Some(&admin), None).await;
    let uploads = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "upload dataset")
        .count();
    assert_eq!(uploads, 4);
}

/// A request body that sends a part of a file and then fails, as a client that goes away does.
struct CutOff(bool);

impl http_body::Body for CutOff {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if self.0 {
            return std::task::Poll::Ready(Some(Err(std::io::Error::other(
                "the client went away",
            ))));
        }
        self.0 = true;
        let part = axum::body::Bytes::from_static(b"period,age\n2024-25,34\n2024-25,");
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(part))))
    }
}

#[tokio::test]
async fn an_upload_cut_off_half_way_leaves_nothing_behind() {
    let t = setup();
    let ana = t.token("ana").await;
    let request = Request::post("/api/v1/datasets?name=half.csv")
        .header(header::AUTHORIZATION, format!("Bearer {ana}"))
        .body(Body::new(CutOff(false)))
        .unwrap();
    let (status, _, body) = t.send(request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("cut off"));
    assert!(tmp_is_empty(&t));
    let (_, list) = t.json("GET", "/api/v1/datasets", Some(&ana), None).await;
    assert_eq!(list, json!([]));
    assert!(
        std::fs::read_dir(t.state.data_dir().join("datasets"))
            .unwrap()
            .next()
            .is_none()
    );
}

#[tokio::test]
async fn a_run_binds_datasets_and_publishes_results_viewers_can_see() {
    let t = setup();
    let data = synthetic(4000);
    let ana = t.token("ana").await;
    let vic = t.token("vic").await;
    let events = upload(&t, &ana, &data.path().join("events.parquet")).await;
    let population = upload(&t, &ana, &data.path().join("population.csv")).await;

    // Refused before queueing: unknown spec, bad TOML, a file bound to nothing, viewers.
    for (body, says) in [
        (json!({"spec": "nope"}), "not a built-in spec"),
        (json!({"toml": "name = 3"}), "the spec"),
        (
            json!({"toml": "name = \"x\"\n[events]\npath = \"other.csv\"\n[[indicator]]\nid = \"a\"\nname = \"A\"\nstatistic = \"proportion\"\nnumerator = \"detained = 1\"\ndenominator = \"1 = 1\""}),
            "upload a dataset of that name",
        ),
        (
            json!({"spec": "pcref", "datasets": {"events": 999}}),
            "no dataset 999",
        ),
    ] {
        let (status, err) = t.json("POST", "/api/v1/runs", Some(&ana), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(err["error"].as_str().unwrap().contains(says), "{err}");
    }
    let (status, _) = t
        .json(
            "POST",
            "/api/v1/runs",
            Some(&vic),
            Some(json!({"spec": "pcref"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // pcref binds events.parquet and population.csv by name.
    let (status, run) = t
        .json(
            "POST",
            "/api/v1/runs",
            Some(&ana),
            Some(json!({"spec": "pcref"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    assert_eq!(
        run["bindings"],
        json!({"events": events, "population": population})
    );
    let id = run["id"].as_i64().unwrap();
    let run = finished(&t, &vic, id).await;
    assert_eq!(run["status"], "done", "{run}");
    assert_eq!(run["done"], run["total"]);

    // The dashboard: the report's charts, filters, and the downloads — for a viewer.
    let (jar, _) = t.session("vic").await;
    let get = |path: String| {
        Request::get(path)
            .header(header::COOKIE, &jar)
            .body(Body::empty())
            .unwrap()
    };
    let (status, _, html) = t.send(get(format!("/results/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    // The page takes the report's figure style, not its page layout (which would narrow the
    // app's own bar and body).
    assert!(
        html.contains(levelfield_report::html::FIGURES_CSS)
            && !html.contains("header, main, footer, nav {"),
        "the results page's style"
    );
    assert!(
        html.contains("<svg") && html.contains("<figure class=\"chart\""),
        "charts"
    );
    assert!(html.contains("name=\"indicator\"") && html.contains("name=\"dimension\""));
    let (status, _, narrowed) = t
        .send(get(format!(
            "/results/{id}?indicator=access&area=SYN002&dimension=Sex"
        )))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(narrowed.contains("By sex") && !narrowed.contains("By age band"));
    let (status, headers, csv) = t
        .send(get(format!(
            "/results/{id}/estimates.csv?indicator=access&area=SYN002"
        )))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines.len() > 10);
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.starts_with("access,") && l.contains(",SYN002,"))
    );
    let res = t.router();
    let wb = tower::ServiceExt::oneshot(res, get(format!("/results/{id}/workbook.xlsx")))
        .await
        .unwrap();
    assert_eq!(wb.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(wb.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
    let (status, _, report) = t.send(get(format!("/results/{id}/report.html"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(report.contains("PCREF core measures"));
    // Uploaded files' server paths do not leak into what viewers see.
    let dir = t.state.data_dir().display().to_string();
    assert!(
        !report.contains(&dir) && !html.contains(&dir),
        "no server path"
    );
    assert!(
        report.contains("events: events.parquet (dataset"),
        "sources name the datasets"
    );
    let (status, rows) = t
        .json(
            "GET",
            &format!("/api/v1/results/{id}/inequality"),
            Some(&vic),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["measure"] == "SII")
    );
    let (status, _) = t
        .json(
            "GET",
            &format!("/api/v1/results/{id}/secrets"),
            Some(&vic),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Viewers never reach record-level data.
    let (status, _) = t.json("GET", "/api/v1/datasets", Some(&vic), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = t.send(get("/datasets".into())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A spec whose expression does not fit the data fails with the reason, and the run page
    // says so.
    let toml = "name = \"Broken\"\n[events]\npath = \"events.parquet\"\n[[indicator]]\nid = \"x\"\nname = \"X\"\nstatistic = \"proportion\"\nnumerator = \"no_such_column = 1\"\ndenominator = \"1 = 1\"\n";
    let (status, run) = t
        .json(
            "POST",
            "/api/v1/runs",
            Some(&ana),
            Some(json!({"toml": toml})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let bad = run["id"].as_i64().unwrap();
    let run = finished(&t, &ana, bad).await;
    assert_eq!(run["status"], "failed");
    let message = run["message"].as_str().unwrap();
    assert!(message.contains("no_such_column"), "{run}");
    // The file is named as the user uploaded it, never by its path in the server's folder.
    assert!(
        message.contains("(dataset ")
            && !message.contains("datasets/")
            && !message.contains(".parquet:"),
        "{run}"
    );
    let (_, _, page) = t.send(get(format!("/runs/{bad}"))).await;
    assert!(page.contains("Failed:"));
    let (status, _, _) = t.send(get(format!("/results/{bad}"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The page form: CSRF is checked, and a good form redirects to the run's page.
    let (ajar, acsrf) = t.session("ana").await;
    let (status, _, _) = t.send(form("/runs", &ajar, "spec=pcref&csrf=0")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _) = t
        .send(form(
            "/runs",
            &ajar,
            &format!("spec=pcref&csrf={acsrf}&ds_events={events}&ds_population={population}"),
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    let again: i64 = location.trim_start_matches("/runs/").parse().unwrap();
    assert_eq!(finished(&t, &ana, again).await["status"], "done");

    // Action plans: analysts make and update them; viewers read them.
    let plan = json!({"title": "Close the detention gap", "run_id": id, "indicator_id": "access", "dimension": "Ethnic group (NHS 5 groups)", "group": "White", "target": 3000.0, "target_period": "2026-27", "owner": "MH commissioning lead"});
    let (status, _) = t
        .json("POST", "/api/v1/plans", Some(&vic), Some(plan.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = t
        .json("POST", "/api/v1/plans", Some(&ana), Some(json!({"title": "", "indicator_id": "x", "target": 1.0, "target_period": "p", "owner": "o"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (status, made) = t
        .json("POST", "/api/v1/plans", Some(&ana), Some(plan))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let pid = made["id"].as_i64().unwrap();
    assert_eq!(made["status"], "not started");
    let path = format!("/api/v1/plans/{pid}");
    let (status, _) = t
        .json(
            "PATCH",
            &path,
            Some(&ana),
            Some(json!({"status": "finished"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, p) = t
        .json(
            "PATCH",
            &path,
            Some(&ana),
            Some(json!({"status": "in progress", "notes": "Triage pilot began"})),
        )
        .await;
    assert_eq!(
        (status, p["status"].as_str()),
        (StatusCode::OK, Some("in progress"))
    );
    let (status, _) = t
        .json(
            "PATCH",
            &path,
            Some(&vic),
            Some(json!({"status": "achieved"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, page) = t.send(get(format!("/plans/{pid}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Triage pilot began"));
    assert!(
        page.contains("Latest value</dt><dd>") && !page.contains("not published"),
        "{page}"
    );
    // Judged from the run's data, with the reasoning.
    assert!(
        page.contains("Judged from the data</dt><dd><strong>"),
        "{page}"
    );
    let verdict = ["met", "on track", "off track", "not yet assessable"]
        .into_iter()
        .find(|v| page.contains(&format!("<strong>{v}</strong>")));
    assert!(verdict.is_some(), "{page}");
    // The list shows the same judgement beside the status its owner set.
    let (_, _, list) = t.send(get("/plans".into())).await;
    assert!(
        list.contains(&format!(
            "<td>{}</td><td>in progress</td></tr>",
            verdict.unwrap()
        )),
        "{list}"
    );
    // The form (for analysts) suggests the latest run's own values for what a plan names.
    let (jar, _) = t.session("ana").await;
    let (_, _, plans_page) = t.send(get_with_cookie("/plans", &jar)).await;
    for want in [
        "<datalist id=\"p-ind-list\"><option value=\"access\">",
        "<option value=\"Black or Black British\">Ethnic group (NHS 5 groups)</option>",
        "name=\"indicator_id\" list=\"p-ind-list\"",
        "name=\"group\" list=\"p-group-list\"",
    ] {
        assert!(plans_page.contains(want), "{want} not in {plans_page}");
    }
    // Gap and direction targets, judged from the comparisons; mistakes refused.
    let gap = json!({"title": "Access gap", "run_id": id, "kind": "gap", "indicator_id": "access", "dimension": "Ethnic group (NHS 5 groups)", "group": "Black or Black British", "target": 1.2, "target_period": "2026-27", "owner": "lead"});
    let (status, made) = t.json("POST", "/api/v1/plans", Some(&ana), Some(gap)).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(
        (made["kind"].as_str(), made["measure"].as_str()),
        (Some("gap"), Some("ratio"))
    );
    let (_, _, page) = t.send(get(format!("/plans/{}", made["id"]))).await;
    assert!(
        page.contains("Judged from the data</dt><dd><strong>"),
        "{page}"
    );
    let narrowing = json!({"title": "Narrowing", "run_id": id, "kind": "direction", "direction": "narrowing", "measure": "difference", "indicator_id": "access", "dimension": "Ethnic group (NHS 5 groups)", "group": "Black or Black British", "target_period": "2026-27", "owner": "lead"});
    let (status, made) = t
        .json("POST", "/api/v1/plans", Some(&ana), Some(narrowing))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    for (bad, says) in [
        (json!({"kind": "wish"}), "`kind`"),
        (
            json!({"kind": "gap", "dimension": ""}),
            "give `dimension` and `group`",
        ),
        (json!({"kind": "direction"}), "gives `direction`"),
        (
            json!({"kind": "level", "target": null}),
            "`target` is required",
        ),
        (json!({"target_period": "soon"}), "`target_period`"),
    ] {
        let mut body = json!({"title": "x", "indicator_id": "access", "target": 1.0, "target_period": "2026-27", "owner": "o"});
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, err) = t
            .json("POST", "/api/v1/plans", Some(&ana), Some(body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(err["error"].as_str().unwrap().contains(says), "{err}");
    }
    // Set against a run, a plan must name what the run's profile has: a near miss is refused
    // with the right name, an unknown one with the names there are, before anything is stored.
    let before = t.json("GET", "/api/v1/plans", Some(&ana), None).await.1;
    for (field, value, says) in [
        (
            "group",
            "black or black british",
            "did you mean `Black or Black British`?",
        ),
        (
            "group",
            "Black British",
            "no group `Black British` (it has: ",
        ),
        ("dimension", "Ethnicity", "no dimension `Ethnicity`"),
        (
            "indicator_id",
            "detention_rate",
            "no indicator `detention_rate`",
        ),
        ("area_code", "E99", "no area code `E99`"),
    ] {
        let mut body = json!({"title": "x", "run_id": id, "indicator_id": "access", "dimension": "Ethnic group (NHS 5 groups)", "group": "Black or Black British", "target": 1.0, "target_period": "2026-27", "owner": "o"});
        body[field] = json!(value);
        let (status, err) = t
            .json("POST", "/api/v1/plans", Some(&ana), Some(body))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        let text = err["error"].as_str().unwrap();
        assert!(
            text.contains(says) && text.contains(&format!("run {id}")),
            "{err}"
        );
    }
    let after = t.json("GET", "/api/v1/plans", Some(&ana), None).await.1;
    assert_eq!(before, after, "a refused plan is not stored");
    let (status, _, _) = t
        .send(form(
            &format!("/plans/{pid}"),
            &ajar,
            "status=achieved&csrf=0",
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = t
        .send(form(
            &format!("/plans/{pid}"),
            &ajar,
            &format!("status=achieved&notes=&csrf={acsrf}"),
        ))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, p) = t.json("GET", &path, Some(&vic), None).await;
    assert_eq!(p["status"], "achieved");
}

/// One raw HTTP/1.1 request over a new connection: the status code.
async fn hit(addr: std::net::SocketAddr, request: String) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let head = String::from_utf8_lossy(&response[..response.len().min(64)]).into_owned();
    head.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_mixed_requests_give_no_5xx_and_lose_no_write() {
    let t = setup();
    let data = synthetic(2000);
    let ana = t.token("ana").await;
    let vic = t.token("vic").await;
    upload(&t, &ana, &data.path().join("events.parquet")).await;
    upload(&t, &ana, &data.path().join("population.csv")).await;
    let (_, run) = t
        .json(
            "POST",
            "/api/v1/runs",
            Some(&ana),
            Some(json!({"spec": "pcref"})),
        )
        .await;
    let id = run["id"].as_i64().unwrap();
    assert_eq!(finished(&t, &ana, id).await["status"], "done");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, t.router()).into_future());

    let get = |path: &str, token: &str| {
        format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
    };
    let post = |path: &str, token: &str, body: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let mut tasks = Vec::new();
    let mut writes = 0;
    for k in 0..1000 {
        let (request, expected): (String, &[u16]) = match k % 10 {
            0 | 1 => {
                writes += 1;
                let body = json!({"title": format!("plan {k}"), "indicator_id": "access", "target": k as f64, "target_period": "2026-27", "owner": "lead"}).to_string();
                (post("/api/v1/plans", &ana, &body), &[201])
            }
            2 => (get(&format!("/results/{id}"), &vic), &[200]),
            3 => (
                get(&format!("/results/{id}?indicator=cto&dimension=Sex"), &vic),
                &[200],
            ),
            4 => (
                get(&format!("/api/v1/results/{id}/comparisons"), &vic),
                &[200],
            ),
            5 => (get("/api/v1/plans", &vic), &[200]),
            6 => (get(&format!("/api/v1/runs/{id}"), &vic), &[200]),
            7 => (get("/api/v1/me", "not-a-token"), &[401]),
            8 => (post("/api/v1/plans", &ana, "{\"title\": 3}"), &[422]),
            _ => (post("/api/v1/plans", &vic, "{}"), &[403]),
        };
        tasks.push(tokio::spawn(async move {
            (k, hit(addr, request).await, expected)
        }));
    }
    let mut created = 0;
    for task in tasks {
        let (k, status, expected) = task.await.unwrap();
        assert!(status < 500, "request {k}: {status}");
        assert!(
            expected.contains(&status),
            "request {k}: {status}, expected {expected:?}"
        );
        if status == 201 {
            created += 1;
        }
    }
    assert_eq!(created, writes);
    let (_, plans) = t.json("GET", "/api/v1/plans", Some(&vic), None).await;
    assert_eq!(
        plans.as_array().unwrap().len(),
        writes,
        "every acknowledged write is stored"
    );
    server.abort();
}
