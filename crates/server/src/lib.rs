//! levelfield's web app: the store (`store`: SQLite in WAL mode with migrations; `catalogue`:
//! datasets, runs and action plans in it), accounts and credentials (`auth`: roles, argon2id,
//! tokens stored hashed, sign-in limits, the hashing gate; `accounts`: tokens, passwords and
//! the admin's work on users), uploads with their checks (`datasets`), profile
//! runs on a worker thread (`runs`), the results dashboard and downloads (`results`), action
//! plans (`plans`), the pages' layout (`pages`), the routes (`app`) and the OpenAPI document
//! (`openapi`). This is the only crate that knows HTTP; [`serve`] binds and runs it.

#![deny(missing_docs)]
// The OpenAPI document is one `json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

pub mod accounts;
pub mod app;
pub mod auth;
pub mod catalogue;
pub mod datasets;
pub mod openapi;
pub mod pages;
pub mod plans;
pub mod results;
pub mod runs;
pub mod store;

use std::{net::SocketAddr, path::Path};

pub use app::{AppState, Config, app};
pub use store::{Store, StoreError};

/// What stops the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The data folder or its store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The data folder cannot be made.
    #[error("{path}: cannot create the data folder: {source}")]
    DataDir {
        /// The folder.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another process holds the data folder's lock.
    #[error(
        "{path}: the data folder is in use by another levelfield server ({holder}); stop it first or give another --data-dir"
    )]
    Locked {
        /// The folder.
        path: std::path::PathBuf,
        /// What the lock file says of its holder.
        holder: String,
    },
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}; is another server using it?")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// The data folder's lock file: held (an exclusive advisory lock) for the server's life.
pub const LOCK_FILE: &str = "levelfield.lock";

/// An exclusive lock on a data folder, released when dropped (or when the process ends,
/// however it ends).
pub struct DataLock {
    _file: std::fs::File,
}

/// Takes the data folder's lock before anything in it is touched, and writes this process's
/// id into the lock file.
///
/// # Errors
/// [`ServeError::Locked`] naming the process that holds it; [`ServeError::DataDir`].
pub fn lock_data_dir(data_dir: &Path) -> Result<DataLock, ServeError> {
    use std::io::{Read, Seek, Write};
    let path = data_dir.join(LOCK_FILE);
    let io = |source| ServeError::DataDir {
        path: path.clone(),
        source,
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let holder = text.trim();
            return Err(ServeError::Locked {
                path: data_dir.to_path_buf(),
                holder: if holder.is_empty() {
                    "a process that has not written its id yet".into()
                } else {
                    holder.chars().take(200).collect()
                },
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    writeln!(file, "process {}", std::process::id()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(DataLock { _file: file })
}

/// Serves the app on `addr` from the data folder until Ctrl-C: see [`serve_until`].
///
/// # Errors
/// [`ServeError`].
pub async fn serve(data_dir: &Path, addr: SocketAddr, config: Config) -> Result<(), ServeError> {
    serve_until(data_dir, addr, config, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// Takes the data folder's lock (refusing if another server holds it), binds `addr`, and only
/// then opens the store, marks runs a previous server left unfinished as failed and clears
/// what it left half-made; serves until `stop` completes. Nothing in the folder is touched
/// unless both the lock and the address are this process's.
///
/// # Errors
/// [`ServeError`].
pub async fn serve_until(
    data_dir: &Path,
    addr: SocketAddr,
    config: Config,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    std::fs::create_dir_all(data_dir).map_err(|source| ServeError::DataDir {
        path: data_dir.to_path_buf(),
        source,
    })?;
    let _lock = lock_data_dir(data_dir)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let store = Store::open(data_dir)?;
    let failed = store.fail_interrupted_runs()?;
    if failed > 0 {
        eprintln!("levelfield serve: {failed} run(s) interrupted by the last stop marked failed");
    }
    prepare_folders(data_dir, &store)?;
    let bound = listener.local_addr().unwrap_or(addr);
    eprintln!(
        "levelfield serve: listening on http://{bound} (data in {})",
        data_dir.display()
    );
    axum::serve(
        listener,
        app(AppState::new(store, config)).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
    .map_err(|source| ServeError::Bind { addr, source })
}

/// Makes the data folder's `datasets/`, `results/` and an empty `tmp/`, and removes what an
/// earlier server left half-made: uploads in `tmp/`, results of runs that did not finish, and
/// dataset files no record refers to. Called at start-up, before any request.
///
/// # Errors
/// [`ServeError::DataDir`] when a folder cannot be made.
pub fn prepare_folders(data_dir: &Path, store: &Store) -> Result<(), ServeError> {
    let make = |p: std::path::PathBuf| {
        std::fs::create_dir_all(&p).map_err(|source| ServeError::DataDir { path: p, source })
    };
    let tmp = data_dir.join("tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    make(tmp)?;
    make(data_dir.join("datasets"))?;
    make(data_dir.join("results"))?;
    let keep = store.results_folders()?;
    for stray in runs::strays(&data_dir.join("results"), &keep) {
        let _ = std::fs::remove_dir_all(&stray);
    }
    let files = store.dataset_files()?;
    for stray in runs::strays(&data_dir.join("datasets"), &files) {
        let _ = std::fs::remove_file(&stray);
    }
    Ok(())
}
