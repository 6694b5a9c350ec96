//! The store's records of work: uploaded datasets, profile specs, runs with their progress,
//! and action plans. Each write and its audit row commit in one transaction.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::Serialize;

use crate::store::{Store, StoreError, now};

/// An uploaded dataset, stored as Parquet under the data folder.
#[derive(Clone, Debug, Serialize)]
pub struct Dataset {
    /// Its id.
    pub id: i64,
    /// The uploaded file's name (what a spec's `path` binds to).
    pub name: String,
    /// The stored file's name inside the data folder's `datasets/`.
    #[serde(skip)]
    pub file: String,
    /// The uploaded format: `csv`, `parquet` or `xlsx`.
    pub format: String,
    /// Rows.
    pub rows: i64,
    /// Bytes uploaded.
    pub bytes: i64,
    /// The validation report, as JSON.
    pub report: serde_json::Value,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When, in seconds since the epoch.
    pub created_at: i64,
}

/// A profile run.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// Its id.
    pub id: i64,
    /// The spec's name.
    pub spec: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// Why it failed, or a summary when done.
    pub message: String,
    /// The stage running now.
    pub stage: String,
    /// Stages finished.
    pub done: i64,
    /// Stages in all.
    pub total: i64,
    /// Which dataset each of the spec's files was bound to (role → dataset id).
    pub bindings: serde_json::Value,
    /// Who started it.
    pub started_by: String,
    /// When it was asked for.
    pub created_at: i64,
    /// When it finished.
    pub finished_at: Option<i64>,
}

/// An action plan: a target on an indicator for one group of one dimension in one area.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Its id.
    pub id: i64,
    /// What was set: title, indicator, group, target, owner…
    #[serde(flatten)]
    pub spec: NewPlan,
    /// One of [`PLAN_STATUSES`].
    pub status: String,
    /// Notes.
    pub notes: String,
    /// Last change, in seconds since the epoch.
    pub updated_at: i64,
}

/// The states a plan can be in.
pub const PLAN_STATUSES: [&str; 5] = [
    "not started",
    "in progress",
    "at risk",
    "achieved",
    "stopped",
];

/// What a plan sets: its fields when it is made.
#[derive(Clone, Debug, Serialize)]
pub struct NewPlan {
    /// Title.
    pub title: String,
    /// Result it refers to.
    pub run_id: Option<i64>,
    /// Indicator id.
    pub indicator_id: String,
    /// Area code.
    pub area_code: String,
    /// Dimension label.
    pub dimension: String,
    /// Group label.
    pub group: String,
    /// `level`, `gap` or `direction`.
    pub kind: String,
    /// `ratio`, `difference` or empty.
    pub measure: String,
    /// `decreasing`, `increasing`, `narrowing` or empty.
    pub direction: String,
    /// Baseline value.
    pub baseline: Option<f64>,
    /// Target value.
    pub target: f64,
    /// Target period.
    pub target_period: String,
    /// Owner.
    pub owner: String,
}

fn audit_in(tx: &Transaction, user: i64, action: &str, detail: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, ?3, ?4)",
        params![now(), user, action, crate::store::cap_detail(detail)],
    )
    .map(|_| ())
}

fn json(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

const DATASET_SQL: &str =
    "SELECT d.id, d.name, d.file, d.format, d.rows, d.bytes, d.report, u.username, d.created_at
     FROM datasets d JOIN users u ON u.id = d.uploaded_by";

fn dataset_row(r: &Row) -> rusqlite::Result<Dataset> {
    Ok(Dataset {
        id: r.get(0)?,
        name: r.get(1)?,
        file: r.get(2)?,
        format: r.get(3)?,
        rows: r.get(4)?,
        bytes: r.get(5)?,
        report: json(r.get(6)?),
        uploaded_by: r.get(7)?,
        created_at: r.get(8)?,
    })
}

const RUN_SQL: &str = "SELECT r.id, s.name, r.status, r.message, r.stage, r.done, r.total, r.bindings, u.username, r.created_at, r.finished_at
     FROM runs r JOIN specs s ON s.id = r.spec_id JOIN users u ON u.id = r.started_by";

fn run_row(r: &Row) -> rusqlite::Result<Run> {
    Ok(Run {
        id: r.get(0)?,
        spec: r.get(1)?,
        status: r.get(2)?,
        message: r.get(3)?,
        stage: r.get(4)?,
        done: r.get(5)?,
        total: r.get(6)?,
        bindings: json(r.get(7)?),
        started_by: r.get(8)?,
        created_at: r.get(9)?,
        finished_at: r.get(10)?,
    })
}

const PLAN_SQL: &str = "SELECT id, title, run_id, indicator_id, area_code, dimension, group_label, baseline, target, target_period, owner, status, notes, updated_at, kind, measure, direction FROM action_plans";

fn plan_row(r: &Row) -> rusqlite::Result<Plan> {
    Ok(Plan {
        id: r.get(0)?,
        spec: NewPlan {
            title: r.get(1)?,
            run_id: r.get(2)?,
            indicator_id: r.get(3)?,
            area_code: r.get(4)?,
            dimension: r.get(5)?,
            group: r.get(6)?,
            baseline: r.get(7)?,
            target: r.get(8)?,
            target_period: r.get(9)?,
            owner: r.get(10)?,
            kind: r.get(14)?,
            measure: r.get(15)?,
            direction: r.get(16)?,
        },
        status: r.get(11)?,
        notes: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

impl Store {
    /// Runs `f` and an audit row in one transaction.
    fn audited<T>(
        &self,
        user: i64,
        action: &str,
        detail: &str,
        f: impl FnOnce(&Transaction) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        let out = f(&tx).map_err(self.err())?;
        audit_in(&tx, user, action, detail).map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(out)
    }

    fn select<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnMut(&Row) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql).map_err(self.err())?;
        let rows = stmt.query_map(params, row).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    fn select_one<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnOnce(&Row) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        self.conn()
            .query_row(sql, params, row)
            .optional()
            .map_err(self.err())
    }

    /// Records a dataset whose file is already in place.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    #[allow(clippy::too_many_arguments)]
    pub fn add_dataset(
        &self,
        user: i64,
        name: &str,
        file: &str,
        format: &str,
        rows: i64,
        bytes: i64,
        report: &serde_json::Value,
    ) -> Result<i64, StoreError> {
        self.audited(
            user,
            "upload dataset",
            &format!("{name} ({rows} rows)"),
            |tx| {
                tx.execute(
                    "INSERT INTO datasets (name, file, rows, uploaded_by, created_at, format, bytes, report) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![name, file, rows, user, now(), format, bytes, report.to_string()],
                )?;
                Ok(tx.last_insert_rowid())
            },
        )
    }

    /// Every dataset, newest first.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn datasets(&self) -> Result<Vec<Dataset>, StoreError> {
        self.select(
            &format!("{DATASET_SQL} WHERE d.deleted_at IS NULL ORDER BY d.id DESC"),
            [],
            dataset_row,
        )
    }

    /// One dataset.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn dataset(&self, id: i64) -> Result<Option<Dataset>, StoreError> {
        self.select_one(
            &format!("{DATASET_SQL} WHERE d.id = ?1 AND d.deleted_at IS NULL"),
            [id],
            dataset_row,
        )
    }

    /// Deletes a dataset (audited): its record is kept, marked deleted, so the runs that used
    /// it still name it, and the caller removes the file it returns. Results stay: they are
    /// disclosure-controlled tables, not record-level data. `None` when there is no such
    /// dataset.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn delete_dataset(&self, by: Option<i64>, id: i64) -> Result<Option<String>, StoreError> {
        let Some(d) = self.dataset(id)? else {
            return Ok(None);
        };
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        tx.execute(
            "UPDATE datasets SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, now()],
        )
        .map_err(self.err())?;
        tx.execute(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, 'delete dataset', ?3)",
            params![now(), by, crate::store::cap_detail(&format!("{} (dataset {id})", d.name))],
        )
        .map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(Some(d.file))
    }

    /// The stored file names of every dataset (to clear files no row refers to).
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn dataset_files(&self) -> Result<Vec<String>, StoreError> {
        self.select(
            "SELECT file FROM datasets WHERE deleted_at IS NULL",
            [],
            |r| r.get(0),
        )
    }

    /// Records a spec's text and queues a run of it with its file bindings.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn queue_run(
        &self,
        user: i64,
        spec_name: &str,
        toml: &str,
        bindings: &serde_json::Value,
    ) -> Result<i64, StoreError> {
        self.audited(user, "start run", spec_name, |tx| {
            tx.execute(
                "INSERT INTO specs (name, toml, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![spec_name, toml, user, now()],
            )?;
            let spec = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO runs (spec_id, status, bindings, started_by, created_at, total) VALUES (?1, 'queued', ?2, ?3, ?4, ?5)",
                params![spec, bindings.to_string(), user, now(), crate::runs::TOTAL_STAGES],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// The spec text and bindings of a run.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn run_input(&self, id: i64) -> Result<Option<(String, String)>, StoreError> {
        self.select_one(
            "SELECT s.toml, r.bindings FROM runs r JOIN specs s ON s.id = r.spec_id WHERE r.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    /// Marks a run as at `stage`, `done` stages finished (and running).
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn run_progress(&self, id: i64, stage: &str, done: i64) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "UPDATE runs SET status = 'running', stage = ?2, done = ?3, started_at = COALESCE(started_at, ?4) WHERE id = ?1",
                params![id, stage, done, now()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Ends a run: `done` with its results folder, or `failed` with the reason.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn finish_run(
        &self,
        id: i64,
        outcome: Result<&str, &str>,
        message: &str,
    ) -> Result<(), StoreError> {
        let (status, results, action) = match outcome {
            Ok(folder) => ("done", Some(folder), "run done"),
            Err(_) => ("failed", None, "run failed"),
        };
        let message = match outcome {
            Ok(_) => message,
            Err(why) => why,
        };
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        tx.execute(
            "UPDATE runs SET status = ?2, results = ?3, message = ?4, finished_at = ?5, done = CASE WHEN ?2 = 'done' THEN total ELSE done END, stage = '' WHERE id = ?1",
            params![id, status, results, message, now()],
        )
        .map_err(self.err())?;
        tx.execute(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, NULL, ?2, ?3)",
            params![now(), action, format!("run {id}")],
        )
        .map_err(self.err())?;
        tx.commit().map_err(self.err())
    }

    /// Every run, newest first.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn runs(&self) -> Result<Vec<Run>, StoreError> {
        self.select(&format!("{RUN_SQL} ORDER BY r.id DESC"), [], run_row)
    }

    /// One run.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn run(&self, id: i64) -> Result<Option<Run>, StoreError> {
        self.select_one(&format!("{RUN_SQL} WHERE r.id = ?1"), [id], run_row)
    }

    /// The results folder name of a finished run.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn run_results(&self, id: i64) -> Result<Option<String>, StoreError> {
        Ok(self
            .select_one(
                "SELECT results FROM runs WHERE id = ?1 AND status = 'done'",
                [id],
                |r| r.get::<_, Option<String>>(0),
            )?
            .flatten())
    }

    /// The results folders of every finished run.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn results_folders(&self) -> Result<Vec<String>, StoreError> {
        self.select(
            "SELECT results FROM runs WHERE status = 'done' AND results IS NOT NULL",
            [],
            |r| r.get(0),
        )
    }

    /// Adds an action plan.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn create_plan(&self, user: i64, p: &NewPlan) -> Result<i64, StoreError> {
        self.audited(user, "create plan", &p.title, |tx| {
            tx.execute(
                "INSERT INTO action_plans (title, run_id, indicator_id, area_code, dimension, group_label, baseline, target, target_period, owner, status, created_by, created_at, updated_at, kind, measure, direction)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'not started', ?11, ?12, ?12, ?13, ?14, ?15)",
                params![p.title, p.run_id, p.indicator_id, p.area_code, p.dimension, p.group, p.baseline, p.target, p.target_period, p.owner, user, now(), p.kind, p.measure, p.direction],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Sets a plan's status and notes; `false` when there is no such plan.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn update_plan(
        &self,
        user: i64,
        id: i64,
        status: &str,
        notes: &str,
    ) -> Result<bool, StoreError> {
        self.audited(user, "update plan", &format!("plan {id}: {status}"), |tx| {
            tx.execute(
                "UPDATE action_plans SET status = ?2, notes = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, status, notes, now()],
            )
            .map(|n| n == 1)
        })
    }

    /// Every plan, newest first.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn plans(&self) -> Result<Vec<Plan>, StoreError> {
        self.select(&format!("{PLAN_SQL} ORDER BY id DESC"), [], plan_row)
    }

    /// One plan.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn plan(&self, id: i64) -> Result<Option<Plan>, StoreError> {
        self.select_one(&format!("{PLAN_SQL} WHERE id = ?1"), [id], plan_row)
    }
}
