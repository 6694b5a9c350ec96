//! `levelfield profile --cluster` on a real Apache DataFusion Ballista cluster on loopback (a
//! scheduler and two executors, each its own `levelfield cluster` process): the same tables as
//! the local run, and what happens when an executor is killed in the middle of a query.

use std::{
    fs,
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Mutex,
        atomic::{AtomicU16, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    profile::assert_same_tables,
    support::{assert_ok, run_ok},
};

/// Ports handed out so far in this test process (each test's cluster takes its own), counted
/// from a start that differs between processes.
static NEXT_PORT: AtomicU16 = AtomicU16::new(0);

/// The two cluster tests run one after the other: each starts three processes that use both
/// cores.
static ONE_CLUSTER: Mutex<()> = Mutex::new(());

/// A port below Linux's ephemeral range (32768–60999), so that no client connection of this
/// machine holds it, free when asked for and never handed out twice in this process.
fn free_port() -> u16 {
    let base = 20_000 + (std::process::id() % 1_000) as u16 * 12;
    loop {
        let port = base + NEXT_PORT.fetch_add(1, Ordering::SeqCst) % 12_000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Waits until `child` listens on `port`; on failure shows its log.
fn wait_for_port(port: u16, what: &str, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let log = || fs::read_to_string(log).unwrap_or_default();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the {what} exited before listening on {port}: {status}\n{}",
                log()
            );
        }
        assert!(
            Instant::now() < deadline,
            "the {what} is not listening on {port}\n{}",
            log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A scheduler and two executors on loopback; every process is killed when it is dropped.
struct Cluster {
    url: String,
    scheduler: Child,
    executors: Vec<Child>,
    work_dirs: Vec<PathBuf>,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        let port = free_port();
        let mut scheduler = Command::new(env!("CARGO_BIN_EXE_levelfield"))
            .args(["cluster", "scheduler", "--bind", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .args(["--executor-timeout", "6"])
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.join("scheduler.log")).unwrap())
            .spawn()
            .expect("the scheduler starts");
        wait_for_port(
            port,
            "scheduler",
            &mut scheduler,
            &dir.join("scheduler.log"),
        );
        let mut cluster = Cluster {
            url: format!("df://127.0.0.1:{port}"),
            scheduler,
            executors: Vec::new(),
            work_dirs: Vec::new(),
        };
        for k in 0..2 {
            let flight = free_port();
            let work = dir.join(format!("executor-{k}"));
            let log = dir.join(format!("executor-{k}.log"));
            fs::create_dir_all(&work).unwrap();
            let mut executor = Command::new(env!("CARGO_BIN_EXE_levelfield"))
                .args(["cluster", "executor", "--bind", "127.0.0.1", "--scheduler"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["--port", &flight.to_string()])
                .args(["--concurrent-tasks", "1", "--memory-mb", "2048"])
                .args(["--heartbeat", "1", "--work-dir"])
                .arg(&work)
                .stdout(Stdio::null())
                .stderr(fs::File::create(&log).unwrap())
                .spawn()
                .expect("an executor starts");
            wait_for_port(flight, "executor", &mut executor, &log);
            cluster.executors.push(executor);
            cluster.work_dirs.push(work);
        }
        // An executor registers with its first poll for work, just after it starts listening.
        std::thread::sleep(Duration::from_secs(2));
        cluster
    }

    /// Whether the executor has written any shuffle file yet.
    fn has_worked(&self, k: usize) -> bool {
        fn any_file(dir: &Path) -> bool {
            fs::read_dir(dir).into_iter().flatten().flatten().any(|e| {
                let p = e.path();
                p.is_file() || (p.is_dir() && any_file(&p))
            })
        }
        any_file(&self.work_dirs[k])
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in self.executors.iter_mut().chain([&mut self.scheduler]) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn synth(dir: &Path, rows: &str, files: &str) {
    run_ok(&[
        "synth",
        "--rows",
        rows,
        "--seed",
        "7",
        "--areas",
        "6",
        "--files",
        files,
        "--out",
        dir.to_str().unwrap(),
    ]);
}

/// `levelfield profile` on the spec in `data`, here or on a cluster.
fn profile(data: &Path, out: &Path, cluster: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_levelfield"));
    command
        .args(["profile", "--quiet", "--spec"])
        .arg(data.join("profile.toml"))
        .arg("--out")
        .arg(out);
    if let Some(url) = cluster {
        command.args(["--cluster", url]);
    }
    command
}

/// Runs a command and asserts it succeeded.
fn succeeds(mut command: Command) {
    assert_ok(&command.output().unwrap(), "levelfield profile");
}

#[test]
fn a_cluster_of_two_executors_gives_the_local_profile() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synth(&data, "300000", "6");
    let local = tmp.path().join("local");
    succeeds(profile(&data, &local, None));

    let cluster = Cluster::start(tmp.path());
    let remote = tmp.path().join("remote");
    succeeds(profile(&data, &remote, Some(&cluster.url)));
    assert_same_tables(&local, &remote);
    // The work went to the cluster, to both executors.
    for k in 0..2 {
        assert!(cluster.has_worked(k), "executor {k} ran no task");
    }

    // The address can come from the spec too.
    let spec = fs::read_to_string(data.join("profile.toml")).unwrap();
    fs::write(
        data.join("profile.toml"),
        format!("{spec}\n[execution]\ncluster = \"{}\"\n", cluster.url),
    )
    .unwrap();
    let again = tmp.path().join("again");
    succeeds(profile(&data, &again, None));
    assert_same_tables(&local, &again);
}

#[test]
fn an_executor_killed_mid_query_is_survived_or_fails_the_run_cleanly() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    synth(&data, "3000000", "12");
    let local = tmp.path().join("local");
    succeeds(profile(&data, &local, None));

    let mut cluster = Cluster::start(tmp.path());
    let remote = tmp.path().join("remote");
    let mut run = profile(&data, &remote, Some(&cluster.url))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the first executor that starts writing shuffle files, while the query runs.
    let deadline = Instant::now() + Duration::from_secs(120);
    let victim = loop {
        if let Some(k) = (0..2).find(|k| cluster.has_worked(*k)) {
            break k;
        }
        assert!(
            run.try_wait().unwrap().is_none(),
            "the query ended before any executor wrote a shuffle file"
        );
        assert!(Instant::now() < deadline, "no executor started work");
        std::thread::sleep(Duration::from_millis(20));
    };
    cluster.executors[victim].kill().unwrap();
    cluster.executors[victim].wait().unwrap();
    let killed = Instant::now();
    // A job that waits for ever is the one outcome not allowed.
    while run.try_wait().unwrap().is_none() {
        if killed.elapsed() > Duration::from_secs(180) {
            let _ = run.kill();
            panic!(
                "the run neither completed nor failed in 180 s after executor {victim} was killed"
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = run.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    eprintln!(
        "executor {victim} killed; the run {} {:.1} s later",
        if output.status.success() {
            "completed"
        } else {
            "failed"
        },
        killed.elapsed().as_secs_f64()
    );
    if output.status.success() {
        // Retried on the surviving executor: the same profile.
        assert_same_tables(&local, &remote);
    } else {
        // Failed: a clear message, exit 1, no output folder.
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert!(err.contains("cluster: the aggregation of"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        assert!(!remote.exists(), "a failed run left {}", remote.display());
    }
    // The cluster still answers with the executor left.
    let after = tmp.path().join("after");
    succeeds(profile(&data, &after, Some(&cluster.url)));
    assert_same_tables(&local, &after);
}
