//! `levelfield admin create-user` and `levelfield serve` as processes: accounts made from the
//! command line, the server on a real loopback socket, and a restart keeping the store.

use std::{
    io::Write,
    net::TcpListener,
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

const PASSWORD: &str = "a long enough password";

fn create_user(data: &Path, username: &str, role: &str, password: &str) -> Output {
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
struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &Path) -> Server {
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
