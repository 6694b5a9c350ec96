//! `levelfield admin create-user` and `levelfield serve` as processes: accounts made from the
//! command line, the server on a real loopback socket, a restart keeping the store, and a
//! `kill -9` in the middle of a run.

use std::{
    io::Write,
    net::TcpListener,
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

pub(crate) const PASSWORD: &str = "a long enough password";

pub(crate) fn create_user(data: &Path, username: &str, role: &str, password: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .args(["admin", "create-user", "--data-dir"])
        .arg(data)
        .args(["--username", username, "--role", role])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

/// A free loopback port below the ephemeral range.
fn free_port() -> u16 {
    (18_080..18_400)
        .find(|p| TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .expect("a free port in 18080..18400")
}

/// The server process, killed when dropped.
pub(crate) struct Server(pub(crate) Child, pub(crate) String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn start(data: &Path) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .args(["serve", "--data-dir"])
        .arg(data)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child, format!("http://127.0.0.1:{port}"));
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(30);
    while agent.get(&format!("{}/healthz", server.1)).call().is_err() {
        assert!(
            Instant::now() < deadline,
            "the server did not answer /healthz in 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(20)))
        .http_status_as_error(false)
        .proxy(None)
        .build()
        .into()
}

fn post_json(url: &str, body: &Value) -> (u16, Value) {
    let mut res = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .unwrap();
    let status = res.status().as_u16();
    let text = res.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn accounts_from_the_command_line_and_the_api_on_a_socket() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = create_user(&data, "admin", "admin", PASSWORD);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("user admin (admin) added"));
    // Refusals: a short password, a taken name; nothing half-stored.
    let o = create_user(&data, "ana", "analyst", "short");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least 12 characters"));
    let o = create_user(&data, "admin", "viewer", PASSWORD);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("taken"));

    let server = start(&data);
    let (status, body) = post_json(
        &format!("{}/api/v1/tokens", server.1),
        &json!({"username": "admin", "password": PASSWORD}),
    );
    assert_eq!(status, 201, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    let mut res = agent()
        .get(&format!("{}/api/v1/me", server.1))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let me: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(me["role"], "admin");
    let res = agent()
        .get(&format!("{}/api/v1/users", server.1))
        .call()
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);

    // Killed and restarted on the same store: the token still works.
    drop(server);
    let server = start(&data);
    let res = agent()
        .get(&format!("{}/api/v1/users", server.1))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
}

fn token(server: &Server, user: &str) -> String {
    let (status, body) = post_json(
        &format!("{}/api/v1/tokens", server.1),
        &json!({"username": user, "password": PASSWORD}),
    );
    assert_eq!(status, 201, "{body}");
    body["token"].as_str().unwrap().to_string()
}

fn get(server: &Server, path: &str, token: &str) -> (u16, Vec<u8>) {
    let mut res = agent()
        .get(&format!("{}{path}", server.1))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    let status = res.status().as_u16();
    (status, res.body_mut().read_to_vec().unwrap_or_default())
}

fn get_json(server: &Server, path: &str, token: &str) -> Value {
    let (status, body) = get(server, path, token);
    assert_eq!(status, 200, "{path}");
    serde_json::from_slice(&body).unwrap()
}

fn upload(server: &Server, token: &str, file: &Path) {
    let name = file.file_name().unwrap().to_str().unwrap();
    let mut res = agent()
        .post(&format!("{}/api/v1/datasets?name={name}", server.1))
        .header("Authorization", &format!("Bearer {token}"))
        .send(std::fs::read(file).unwrap())
        .unwrap();
    let status = res.status().as_u16();
    assert_eq!(status, 201, "{}", res.body_mut().read_to_string().unwrap());
}

fn start_run(server: &Server, token: &str) -> i64 {
    let mut res = agent()
        .post(&format!("{}/api/v1/runs", server.1))
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(json!({"spec": "pcref"}).to_string())
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let run: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
    run["id"].as_i64().unwrap()
}

fn wait_for(server: &Server, token: &str, id: i64, until: &[&str]) -> Value {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let run = get_json(server, &format!("/api/v1/runs/{id}"), token);
        if until.contains(&run["status"].as_str().unwrap()) {
            return run;
        }
        assert!(Instant::now() < deadline, "run {id} stuck: {run}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn folder_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_run_killed_mid_way_is_marked_failed_on_restart_and_earlier_results_stay() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let synth = tmp.path().join("synth");
    let o = Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .args(["synth", "--rows", "600000", "--areas", "30", "--out"])
        .arg(&synth)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        create_user(&data, "ana", "analyst", PASSWORD)
            .status
            .success()
    );

    let server = start(&data);
    let ana = token(&server, "ana");
    upload(&server, &ana, &synth.join("events.parquet"));
    upload(&server, &ana, &synth.join("population.csv"));
    let first = start_run(&server, &ana);
    assert_eq!(
        wait_for(&server, &ana, first, &["done", "failed"])["status"],
        "done"
    );
    let (status, workbook) = get(&server, &format!("/results/{first}/workbook.xlsx"), &ana);
    assert_eq!(status, 200);

    // The second run is killed (SIGKILL) while it runs.
    let second = start_run(&server, &ana);
    let run = wait_for(&server, &ana, second, &["running", "done", "failed"]);
    assert_eq!(
        run["status"], "running",
        "the run ended before it could be killed: {run}"
    );
    let mut server = server;
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    drop(server);

    let server = start(&data);
    let run = get_json(&server, &format!("/api/v1/runs/{second}"), &ana);
    assert_eq!(run["status"], "failed", "{run}");
    assert!(
        run["message"]
            .as_str()
            .unwrap()
            .contains("stopped during the run")
    );
    // Earlier results are intact, byte for byte; the killed run left nothing behind.
    let (status, again) = get(&server, &format!("/results/{first}/workbook.xlsx"), &ana);
    assert_eq!((status, again == workbook), (200, true));
    assert_eq!(get(&server, &format!("/results/{second}"), &ana).0, 404);
    assert_eq!(
        folder_names(&data.join("results")),
        vec![format!("run-{first}")]
    );
    assert!(folder_names(&data.join("tmp")).is_empty());
    // The store is consistent, and the worker takes new runs.
    let db = rusqlite::Connection::open(data.join("levelfield.sqlite3")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let fk: i64 = db
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0);
    drop(db);
    let third = start_run(&server, &ana);
    assert_eq!(
        wait_for(&server, &ana, third, &["done", "failed"])["status"],
        "done"
    );
}

/// `levelfield admin ARGS… --data-dir DATA`, with `stdin` as its standard input.
fn admin(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .arg("admin")
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    write!(child.stdin.take().unwrap(), "{stdin}").unwrap();
    child.wait_with_output().unwrap()
}

fn says(o: &Output, code: i32, text: &str) {
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(code), "{out}");
    assert!(out.contains(text), "{text:?} in {out}");
}

#[test]
fn admins_manage_accounts_and_datasets_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    says(
        &admin(&data, &["list-users"], ""),
        2,
        "no levelfield store here",
    );
    assert!(
        create_user(&data, "boss", "admin", PASSWORD)
            .status
            .success()
    );
    assert!(
        create_user(&data, "ana", "analyst", PASSWORD)
            .status
            .success()
    );
    let set = |name: &str, role: &str| {
        admin(&data, &["set-role", "--username", name, "--role", role], "")
    };
    says(&set("ana", "admin"), 0, "ana is now admin");
    says(&set("boss", "viewer"), 0, "boss is now viewer");
    // ana is the only admin left: she can be neither disabled nor demoted.
    says(
        &admin(&data, &["disable", "--username", "ana"], ""),
        2,
        "no enabled admin",
    );
    says(&set("ana", "analyst"), 2, "no enabled admin");
    says(&set("boss", "admin"), 0, "boss is now admin");
    says(
        &admin(&data, &["disable", "--username", "ana"], ""),
        0,
        "ana disabled",
    );
    says(
        &admin(&data, &["reset-password", "--username", "boss"], "short\n"),
        2,
        "at least 12 characters",
    );
    says(
        &admin(
            &data,
            &["reset-password", "--username", "boss"],
            "a temporary password\n",
        ),
        0,
        "must choose a new one",
    );
    let list = admin(&data, &["list-users"], "");
    says(&list, 0, "ana,admin,disabled");
    says(&list, 0, "boss,admin,must change password");
    says(&set("nobody", "viewer"), 2, "there is no user `nobody`");
    says(
        &admin(&data, &["delete-dataset", "--id", "7"], ""),
        2,
        "there is no dataset 7",
    );
    says(
        &admin(&data, &["enable", "--username", "ana"], ""),
        0,
        "ana enabled",
    );
    // Every change is in the audit log.
    let db = rusqlite::Connection::open(data.join("levelfield.sqlite3")).unwrap();
    let actions: Vec<String> = db
        .prepare("SELECT action FROM audit_log ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for action in [
        "change role",
        "disable user",
        "enable user",
        "reset password",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[test]
fn a_second_server_on_the_same_data_folder_exits_2_naming_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    assert!(
        create_user(&data, "ana", "analyst", PASSWORD)
            .status
            .success()
    );
    let server = start(&data);
    let o = Command::new(env!("CARGO_BIN_EXE_levelfield"))
        .args(["serve", "--data-dir"])
        .arg(&data)
        .args(["--bind", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    says(
        &o,
        2,
        &format!(
            "in use by another levelfield server (process {})",
            server.0.id()
        ),
    );
    // The first goes on serving.
    assert_eq!(token(&server, "ana").len(), 64);
}
