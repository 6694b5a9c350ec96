//! Scale-out on an Apache DataFusion Ballista cluster: the client session that sends the
//! aggregation plan to a scheduler, and the scheduler and executor processes themselves
//! (Ballista's own libraries, started with levelfield's settings).
//!
//! Only the aggregation travels: the executors read the source files at the paths the spec
//! gives (so every executor must see them at those paths) and the strata come back to the
//! client, which estimates, compares, protects and writes as in a local run. Without the
//! `distributed` feature every entry point here answers [`EngineError::Cluster`] saying how to
//! build it.

use std::path::PathBuf;

use datafusion::prelude::{SessionConfig, SessionContext};

use crate::EngineError;

/// Settings of `levelfield cluster scheduler`.
#[derive(Clone, Debug)]
pub struct SchedulerOptions {
    /// The address to listen on (`127.0.0.1` keeps it on this machine).
    pub bind: String,
    /// The port clients and executors connect to.
    pub port: u16,
    /// The host name executors and clients reach this scheduler by (default: `bind`).
    pub external_host: Option<String>,
    /// Seconds without a heartbeat after which an executor counts as lost and its tasks are
    /// run again elsewhere.
    pub executor_timeout_secs: u64,
}

/// Settings of `levelfield cluster executor`.
#[derive(Clone, Debug)]
pub struct ExecutorOptions {
    /// The scheduler, `HOST:PORT`.
    pub scheduler: String,
    /// The address to listen on.
    pub bind: String,
    /// The host name the scheduler, other executors and clients reach this executor by
    /// (default: `bind`).
    pub external_host: Option<String>,
    /// The Arrow Flight port: shuffle data and results are fetched from it. (The executor asks
    /// the scheduler for tasks, so it has no port of its own for them.)
    pub port: u16,
    /// Tasks run at once (default: the machine's cores).
    pub concurrent_tasks: usize,
    /// Where shuffle files are kept (default: `levelfield-executor-PORT` in the system's
    /// temporary folder).
    pub work_dir: Option<PathBuf>,
    /// The executor's memory pool in MiB (default: Ballista's, 70 % of the machine's memory).
    pub memory_mb: Option<u64>,
    /// Seconds between heartbeats to the scheduler.
    pub heartbeat_secs: u64,
}

/// What a build without the feature says.
#[cfg(not(feature = "distributed"))]
const NOT_BUILT: &str = "this levelfield was built without the `distributed` feature: build it with `cargo build --release -p levelfield --features distributed`, or run without a cluster";

/// Splits an executor's `--scheduler HOST:PORT`.
fn host_port(address: &str) -> Result<(String, u16), EngineError> {
    let bad = || {
        EngineError::Cluster(format!(
            "`{address}` is not HOST:PORT (e.g. 10.0.0.5:50050)"
        ))
    };
    let (host, port) = address.rsplit_once(':').ok_or_else(bad)?;
    let port = port.parse::<u16>().map_err(|_| bad())?;
    if host.is_empty() || port == 0 {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

/// Fails at once, naming the address, when nothing listens there: Ballista's own client
/// would only find out when the query is submitted.
async fn reachable(url: &str, host: &str, port: u16) -> Result<(), EngineError> {
    let connect = tokio::net::TcpStream::connect((host, port));
    match tokio::time::timeout(std::time::Duration::from_secs(10), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(EngineError::Cluster(format!(
            "cannot reach the scheduler at {url}: {e}. Start one with `levelfield cluster scheduler`, or check the address and the firewall"
        ))),
        Err(_) => Err(EngineError::Cluster(format!(
            "cannot reach the scheduler at {url}: no answer in 10 s. Check the address and the firewall"
        ))),
    }
}

/// A session whose queries run on the cluster at `url` (`df://HOST:PORT`), with the same
/// settings as a local session.
///
/// # Errors
/// [`EngineError::Cluster`] when nothing answers at the address, or the build lacks the
/// `distributed` feature.
pub(crate) async fn connect(
    url: &str,
    config: SessionConfig,
) -> Result<SessionContext, EngineError> {
    let (host, port) =
        levelfield_profile::spec::Execution::cluster_address(url).map_err(EngineError::Cluster)?;
    reachable(url, host, port).await?;
    remote(url, config).await
}

#[cfg(feature = "distributed")]
async fn remote(url: &str, config: SessionConfig) -> Result<SessionContext, EngineError> {
    use ballista::prelude::{SessionConfigExt, SessionContextExt};
    use datafusion::execution::SessionStateBuilder;
    // Ballista's static planner, not its adaptive one (on by default in 55.0): when an
    // executor holding a finished map task's output is lost while the next stage runs, the
    // adaptive planner rolls the stages back but never runs the lost task again, and the job
    // waits for ever; the static planner runs it again and the job completes. Measured with
    // the fault test in crates/cli/tests/it/cluster.rs (4 runs of 4 each way).
    let config = config
        .upgrade_for_ballista()
        .with_ballista_adaptive_query_planner(false);
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .build();
    SessionContext::remote_with_state(url, state)
        .await
        .map_err(|e| EngineError::Cluster(format!("{url}: {e}")))
}

#[cfg(not(feature = "distributed"))]
async fn remote(_url: &str, _config: SessionConfig) -> Result<SessionContext, EngineError> {
    Err(EngineError::Cluster(NOT_BUILT.into()))
}

/// Runs a scheduler until the process is stopped.
///
/// # Errors
/// [`EngineError::Cluster`] when it cannot start (the port is taken, the address is not
/// valid) or the build lacks the `distributed` feature.
pub fn scheduler(options: &SchedulerOptions) -> Result<(), EngineError> {
    #[cfg(feature = "distributed")]
    {
        use ballista_scheduler::{
            cluster::BallistaCluster, config::SchedulerConfig, scheduler_process::start_server,
        };
        let address: std::net::SocketAddr = format!("{}:{}", options.bind, options.port)
            .parse()
            .map_err(|e| {
                EngineError::Cluster(format!(
                    "{}:{} is not an address to listen on: {e}",
                    options.bind, options.port
                ))
            })?;
        let timeout = options.executor_timeout_secs.max(2);
        let config = SchedulerConfig {
            bind_host: options.bind.clone(),
            bind_port: options.port,
            external_host: options
                .external_host
                .clone()
                .unwrap_or_else(|| options.bind.clone()),
            executor_timeout_seconds: timeout,
            // Look for lost executors often enough to notice one within the timeout.
            expire_dead_executor_interval_seconds: (timeout / 2).clamp(1, 15),
            no_executors_grace_period_seconds: timeout,
            scheduling_policy: SCHEDULING,
            ..SchedulerConfig::default()
        };
        let failed = |e: &dyn std::fmt::Display| {
            EngineError::Cluster(format!("the scheduler on {address} stopped: {e}"))
        };
        big_stack_runtime().block_on(async move {
            let cluster = BallistaCluster::new_from_config(&config)
                .await
                .map_err(|e| failed(&e))?;
            eprintln!("levelfield: scheduler listening on {address}");
            start_server(cluster, address, std::sync::Arc::new(config))
                .await
                .map_err(|e| failed(&e))
        })
    }
    #[cfg(not(feature = "distributed"))]
    {
        let _ = options;
        Err(EngineError::Cluster(NOT_BUILT.into()))
    }
}

/// Runs an executor until the process is stopped or the scheduler tells it to stop.
///
/// # Errors
/// [`EngineError::Cluster`] when it cannot start or register, or the build lacks the
/// `distributed` feature.
pub fn executor(options: &ExecutorOptions) -> Result<(), EngineError> {
    let (scheduler_host, scheduler_port) = host_port(&options.scheduler)?;
    #[cfg(feature = "distributed")]
    {
        // Ballista's own default is a temporary folder it forgets to remove: name one.
        let work_dir = options.work_dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("levelfield-executor-{}", options.port))
        });
        std::fs::create_dir_all(&work_dir).map_err(|e| {
            EngineError::Cluster(format!("{}: cannot be made: {e}", work_dir.display()))
        })?;
        use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
        let config = ExecutorProcessConfig {
            bind_host: options.bind.clone(),
            external_host: Some(
                options
                    .external_host
                    .clone()
                    .unwrap_or_else(|| options.bind.clone()),
            ),
            port: options.port,
            scheduler_host,
            scheduler_port,
            vcores: options.concurrent_tasks,
            work_dir: Some(work_dir.display().to_string()),
            // Shuffle files of finished jobs go after an hour even if the scheduler's own
            // request to remove them (five minutes after a job) never arrives.
            job_data_ttl_seconds: 3600,
            job_data_clean_up_interval_seconds: 300,
            memory_pool_size: options.memory_mb.map(|m| m.max(1) * 1024 * 1024),
            executor_heartbeat_interval_seconds: options.heartbeat_secs.max(1),
            task_scheduling_policy: SCHEDULING,
            ..ExecutorProcessConfig::default()
        };
        let name = format!("{}:{}", options.bind, options.port);
        big_stack_runtime().block_on(async move {
            eprintln!(
                "levelfield: executor on {name}, scheduler {}",
                options.scheduler
            );
            start_executor_process(std::sync::Arc::new(config))
                .await
                .map_err(|e| EngineError::Cluster(format!("the executor on {name} stopped: {e}")))
        })
    }
    #[cfg(not(feature = "distributed"))]
    {
        let _ = (scheduler_host, scheduler_port);
        Err(EngineError::Cluster(NOT_BUILT.into()))
    }
}

/// How tasks reach executors: executors ask for work when they have a free slot. Ballista's
/// default, the scheduler pushing tasks, loses the slot of a task it cancels when an executor
/// is lost, so a small cluster can be left with no slot to run the lost work again (the job
/// then waits for ever); asking for work keeps the count on the executor.
#[cfg(feature = "distributed")]
const SCHEDULING: ballista_core::config::TaskSchedulingPolicy =
    ballista_core::config::TaskSchedulingPolicy::PullStaged;

/// The runtime the scheduler and executor run on: deep plans are planned and (de)serialised
/// recursively, so their threads get a larger stack, as Ballista's own binaries give them.
#[cfg(feature = "distributed")]
fn big_stack_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .build()
        .expect("a tokio runtime starts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_host_and_port() {
        assert_eq!(
            host_port("10.0.0.5:50050").unwrap(),
            ("10.0.0.5".to_string(), 50050)
        );
        for bad in ["10.0.0.5", ":1", "host:0", "host:x"] {
            let err = host_port(bad).unwrap_err().to_string();
            assert!(err.contains("is not HOST:PORT"), "{bad}: {err}");
        }
    }

    #[test]
    fn an_unreachable_scheduler_is_reported_at_once() {
        // A port that was free a moment ago: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("df://127.0.0.1:{port}");
        let started = std::time::Instant::now();
        let Err(err) = crate::runtime().block_on(connect(&url, SessionConfig::new())) else {
            panic!("a session on {url}, where nothing listens");
        };
        let err = err.to_string();
        assert!(
            err.contains(&format!("cannot reach the scheduler at {url}")),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
