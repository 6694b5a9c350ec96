//! `levelfield-load`: an open-loop HTTP/1.1 load generator for `levelfield serve` on loopback.
//! Requests are scheduled at a fixed rate whatever the server does, spread over the given paths
//! in turn, sent over a pool of keep-alive connections, and timed from their scheduled start (so
//! a slow answer delays the clock of the requests queued behind it, as users would see it).
//! Prints, per path and in all, the count, failures and the latency percentiles.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use clap::Parser;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

/// Options.
#[derive(Parser, Debug)]
#[command(about = "Open-loop HTTP load on a levelfield server")]
struct Args {
    /// The server's address, e.g. 127.0.0.1:18500 (plain HTTP).
    #[arg(long)]
    addr: SocketAddr,
    /// A bearer token sent with every request.
    #[arg(long, default_value = "")]
    token: String,
    /// Requests per second.
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// Seconds of load.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// Paths to request, in turn (repeat the option).
    #[arg(long = "path", required = true)]
    paths: Vec<String>,
}

type Conn = BufReader<TcpStream>;

/// One request on a connection: the status and the body's length.
async fn request(conn: &mut Conn, path: &str, token: &str) -> std::io::Result<(u16, usize)> {
    let auth = if token.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {token}\r\n")
    };
    conn.get_mut()
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n").as_bytes())
        .await?;
    let mut line = String::new();
    conn.read_line(&mut line).await?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {line:?}")))?;
    let mut length = None;
    loop {
        line.clear();
        if conn.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other("connection closed in the headers"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((k, v)) = header.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse::<usize>().ok();
        }
    }
    let length = length.ok_or_else(|| std::io::Error::other("no content-length"))?;
    let mut body = vec![0; length];
    conn.read_exact(&mut body).await?;
    Ok((status, length))
}

/// The `p`th percentile (nearest rank) of sorted durations, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn row(name: &str, mut times: Vec<Duration>, failed: usize, bytes: usize) {
    times.sort();
    let n = times.len();
    println!(
        "| {name} | {n} | {failed} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
        percentile(&times, 50.0),
        percentile(&times, 90.0),
        percentile(&times, 99.0),
        times.last().map_or(f64::NAN, |t| t.as_secs_f64() * 1000.0),
        bytes / n.max(1)
    );
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run(args));
}

async fn run(args: Args) {
    let total = (args.rate * args.seconds).round() as usize;
    let pool: Arc<Mutex<Vec<Conn>>> = Arc::new(Mutex::new(Vec::new()));
    let token = Arc::new(args.token.clone());
    let start = Instant::now() + Duration::from_millis(200);
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let at = start + Duration::from_secs_f64(i as f64 / args.rate);
        let which = i % args.paths.len();
        let path = args.paths[which].clone();
        let (pool, token, addr) = (pool.clone(), token.clone(), args.addr);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            let idle = pool.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let conn = match idle {
                Some(c) => Ok(c),
                None => TcpStream::connect(addr).await.map(|s| {
                    let _ = s.set_nodelay(true);
                    BufReader::new(s)
                }),
            };
            let outcome = match conn {
                Ok(mut c) => match request(&mut c, &path, &token).await {
                    Ok(answer) => {
                        pool.lock().unwrap_or_else(|p| p.into_inner()).push(c);
                        Ok(answer)
                    }
                    Err(e) => Err(e),
                },
                Err(e) => Err(e),
            };
            (which, outcome, at.elapsed())
        }));
    }
    let mut per: Vec<(Vec<Duration>, usize, usize)> = vec![(Vec::new(), 0, 0); args.paths.len()];
    let mut errors = Vec::new();
    for task in tasks {
        let (which, outcome, took) = task.await.expect("a request task");
        let slot = &mut per[which];
        slot.0.push(took);
        match outcome {
            Ok((status, bytes)) if (200..300).contains(&status) => slot.2 += bytes,
            Ok((status, _)) => {
                slot.1 += 1;
                errors.push(format!("{}: HTTP {status}", args.paths[which]));
            }
            Err(e) => {
                slot.1 += 1;
                errors.push(format!("{}: {e}", args.paths[which]));
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "{total} requests at {} per second over {elapsed:.1} s; {} keep-alive connections at the end",
        args.rate,
        pool.lock().unwrap_or_else(|p| p.into_inner()).len()
    );
    println!("\n| path | requests | failed | p50 ms | p90 ms | p99 ms | max ms | bytes |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut all = Vec::new();
    let (mut failed, mut bytes) = (0, 0);
    for (path, (times, f, b)) in args.paths.iter().zip(per) {
        all.extend_from_slice(&times);
        failed += f;
        bytes += b;
        row(&format!("`{path}`"), times, f, b);
    }
    row("**all**", all, failed, bytes);
    for e in errors.iter().take(10) {
        eprintln!("levelfield-load: {e}");
    }
    if failed > 0 {
        std::process::exit(1);
    }
}
