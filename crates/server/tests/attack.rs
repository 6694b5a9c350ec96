//! A bounded attack on sign-in over a real loopback socket, counted and timed, in a test
//! binary of its own so that the process's memory is the server's: 50 concurrent sign-ins
//! with made-up names, then 20 concurrent wrong passwords for one user.

mod support;

use std::{
    future::IntoFuture,
    net::SocketAddr,
    time::{Duration, Instant},
};

use levelfield_server::{Config, app};
use serde_json::json;
use support::*;

/// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// One sign-in over a new connection: the status code.
async fn sign_in(addr: SocketAddr, username: &str, password: &str, from: Option<&str>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = json!({"username": username, "password": password}).to_string();
    let forwarded = from
        .map(|a| format!("X-Forwarded-For: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /api/v1/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{forwarded}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
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
async fn a_bounded_sign_in_attack_on_loopback_keeps_memory_and_the_limit() {
    // Behind a proxy that says where each request came from, so that each made-up name comes
    // from an address of its own and only the hashing gate bounds the work.
    let t = setup_with(Config {
        trust_forwarded_for: true,
        ..Config::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        axum::serve(
            listener,
            app(t.state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .into_future(),
    );

    // 50 concurrent sign-ins with made-up names.
    let rss_before = status_kib("VmRSS");
    let began = Instant::now();
    let mut tasks = Vec::new();
    for k in 0..50 {
        tasks.push(tokio::spawn(async move {
            sign_in(
                addr,
                &format!("made.up.{k}"),
                "a guess at a password",
                Some(&format!("10.9.{}.{}", k / 200, k % 200)),
            )
            .await
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap());
    }
    let took = began.elapsed();
    let peak = status_kib("VmHWM");
    assert_eq!(codes.len(), 50);
    assert!(codes.iter().all(|c| [401, 503].contains(c)), "{codes:?}");
    assert!(took < Duration::from_secs(120), "{took:?}");
    let growth_mib = peak.saturating_sub(rss_before) / 1024;
    eprintln!(
        "50 sign-ins with made-up names: {codes:?}; peak resident memory growth {growth_mib} MiB in {took:?}"
    );
    assert!(
        growth_mib < 300,
        "resident memory grew by {growth_mib} MiB under 50 sign-ins"
    );

    // 20 concurrent wrong passwords for one user, from one address.
    let began = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        tasks.push(tokio::spawn(async move {
            sign_in(addr, "ana", "not ana's password", None).await
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap());
    }
    assert!(began.elapsed() < Duration::from_secs(120));
    let wrong = codes.iter().filter(|c| **c == 401).count();
    assert!(wrong <= 5, "{wrong} × 401: {codes:?}");
    assert!(
        codes.iter().all(|c| [401, 429, 503].contains(c)),
        "{codes:?}"
    );
    server.abort();
}
