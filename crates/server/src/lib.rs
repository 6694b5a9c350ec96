//! levelfield's web app: the store (`store`: SQLite in WAL mode with migrations; `catalogue`:
//! datasets, runs and action plans in it), accounts and credentials (`auth`: roles, argon2id,
//! tokens stored hashed, sign-in rate limit), uploads with their checks (`datasets`), profile
//! runs on a worker thread (`runs`), the results dashboard and downloads (`results`), action
//! plans (`plans`), the pages' layout (`pages`), the routes (`app`) and the OpenAPI document
//! (`openapi`). This is the only crate that knows HTTP; [`serve`] binds and runs it.

#![deny(missing_docs)]
// The OpenAPI document is one `json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

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
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}; is another server using it?")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Opens the data folder's store (creating it), marks runs a previous server left unfinished
/// as failed, and serves the app on `addr` until Ctrl-C.
///
/// # Errors
/// [`ServeError`].
pub async fn serve(data_dir: &Path, addr: SocketAddr, config: Config) -> Result<(), ServeError> {
    std::fs::create_dir_all(data_dir).map_err(|source| ServeError::DataDir {
        path: data_dir.to_path_buf(),
        source,
    })?;
    let store = Store::open(data_dir)?;
    let failed = store.fail_interrupted_runs()?;
    if failed > 0 {
        eprintln!("levelfield serve: {failed} run(s) interrupted by the last stop marked failed");
    }
    prepare_folders(data_dir, &store)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    eprintln!(
        "levelfield serve: listening on http://{addr} (data in {})",
        data_dir.display()
    );
    axum::serve(listener, app(AppState::new(store, config)))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
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
