//! The app's store: one SQLite database (WAL mode) under the data folder, created and migrated
//! on open, for users, sessions, API tokens, datasets, specs, runs, action plans and the audit
//! log. Every write that changes more than one row runs in one transaction.

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, MutexGuard},
    time::{SystemTime, UNIX_EPOCH},
};

use rusqlite::{Connection, OptionalExtension, params};

use crate::auth::Role;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused the operation.
    #[error("the store ({path}): {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer levelfield.
    #[error(
        "the store ({path}) has schema version {found}, newer than this levelfield's {known}; use a newer levelfield"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// A username is taken.
    #[error("the username `{0}` is taken")]
    UsernameTaken(String),
    /// No such user.
    #[error("there is no user `{0}`")]
    NoSuchUser(String),
    /// The change would leave no enabled admin.
    #[error("this would leave no enabled admin; make another user admin first")]
    LastAdmin,
}

/// The schema, one migration per version; applied in order, each in its own transaction, with
/// SQLite's `user_version` recording how far a database has come. Never edit a shipped
/// migration: add the next one.
const MIGRATIONS: [&str; 4] = [
    r#"
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    file TEXT NOT NULL,
    rows INTEGER NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE TABLE specs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    toml TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    spec_id INTEGER NOT NULL REFERENCES specs (id),
    dataset_id INTEGER REFERENCES datasets (id),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    message TEXT NOT NULL DEFAULT '',
    results TEXT,
    started_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE TABLE action_plans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    toml TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    user_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
"#,
    r#"
ALTER TABLE datasets ADD COLUMN format TEXT NOT NULL DEFAULT '';
ALTER TABLE datasets ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE datasets ADD COLUMN report TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN bindings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE runs ADD COLUMN stage TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN started_at INTEGER;
-- Version 1's action_plans was never written; plans are rows with their own columns.
DROP TABLE action_plans;
CREATE TABLE action_plans (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    run_id INTEGER REFERENCES runs (id),
    indicator_id TEXT NOT NULL,
    area_code TEXT NOT NULL,
    dimension TEXT NOT NULL,
    group_label TEXT NOT NULL,
    baseline REAL,
    target REAL NOT NULL,
    target_period TEXT NOT NULL,
    owner TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('not started', 'in progress', 'at risk', 'achieved', 'stopped')),
    notes TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
"#,
    r#"
ALTER TABLE action_plans ADD COLUMN kind TEXT NOT NULL DEFAULT 'level' CHECK (kind IN ('level', 'gap', 'direction'));
ALTER TABLE action_plans ADD COLUMN measure TEXT NOT NULL DEFAULT '' CHECK (measure IN ('', 'ratio', 'difference'));
ALTER TABLE action_plans ADD COLUMN direction TEXT NOT NULL DEFAULT '' CHECK (direction IN ('', 'decreasing', 'increasing', 'narrowing'));
"#,
    r#"
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- Tokens made before expiry existed last the default 90 days from when they were made.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = created_at + 7776000;
ALTER TABLE api_tokens ADD COLUMN revoked_at INTEGER;
-- A deleted dataset keeps its row (runs name it) but loses its file.
ALTER TABLE datasets ADD COLUMN deleted_at INTEGER;
"#,
];

/// Audit details are cut to this many characters.
pub const MAX_AUDIT_DETAIL: usize = 300;

/// `detail` cut to [`MAX_AUDIT_DETAIL`] characters, so no request can grow the log by more.
pub fn cap_detail(detail: &str) -> std::borrow::Cow<'_, str> {
    match detail.char_indices().nth(MAX_AUDIT_DETAIL) {
        Some((at, _)) => format!("{}…", &detail[..at]).into(),
        None => detail.into(),
    }
}

/// Revokes every token of a user and ends their sessions but `keep` (a session token hash).
fn end_credentials(
    tx: &rusqlite::Transaction,
    user_id: i64,
    keep: Option<&str>,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE api_tokens SET revoked = 1, revoked_at = COALESCE(revoked_at, ?2) WHERE user_id = ?1",
        params![user_id, now()],
    )?;
    tx.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2",
        params![user_id, keep],
    )?;
    Ok(())
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A user as the app sees one.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Sign-in name.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// A disabled user cannot sign in, and their sessions and tokens are gone.
    pub disabled: bool,
    /// The password was reset by an admin: it must be changed before anything else.
    pub must_change_password: bool,
}

/// The columns [`user_row`] reads, from `users u`.
const USER_COLS: &str = "u.id, u.username, u.role, u.disabled, u.must_change_password";

/// A user from the first five columns of a row ([`USER_COLS`]).
fn user_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        role: Role::parse(&r.get::<_, String>(2)?).unwrap_or(Role::Viewer),
        disabled: r.get::<_, i64>(3)? != 0,
        must_change_password: r.get::<_, i64>(4)? != 0,
    })
}

/// An API token as its owner sees it (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    /// Its id (for `DELETE /api/v1/tokens/{id}`).
    pub id: i64,
    /// The name given when it was made.
    pub name: String,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
    /// Revoked by its owner, an admin, a password change or the account being disabled.
    pub revoked: bool,
}

/// A signed-in session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Whose.
    pub user: User,
    /// The session's CSRF token, required on every state-changing request it makes.
    pub csrf: String,
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// When (Unix seconds).
    pub at: i64,
    /// Who, if anyone was signed in.
    pub user_id: Option<i64>,
    /// What.
    pub action: String,
    /// Details (never a password or token).
    pub detail: String,
}

/// The store. SQLite serialises writers itself; one connection behind a mutex keeps this simple
/// and is far from the bottleneck at the load a trust's web app sees.
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `levelfield.sqlite3` in `dir`, in WAL mode with foreign keys
    /// on, and brings its schema up to date.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`]; [`StoreError::TooNew`] for a database from a newer levelfield.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let path = dir.join("levelfield.sqlite3");
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let conn = Connection::open(&path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        let store = Store {
            conn: Mutex::new(conn),
            path,
        };
        store.migrate()?;
        Ok(store)
    }

    pub(crate) fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back on drop), so a poisoned lock is safe to keep using.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The data folder the database is in.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The schema version of the database.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let known = MIGRATIONS.len() as i64;
        let found = self.schema_version()?;
        if found > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found,
                known,
            });
        }
        let mut conn = self.conn();
        for (k, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = conn.transaction().map_err(self.err())?;
            tx.execute_batch(sql).map_err(self.err())?;
            tx.pragma_update(None, "user_version", (k + 1) as i64)
                .map_err(self.err())?;
            tx.commit().map_err(self.err())?;
        }
        Ok(())
    }

    /// The journal mode (`wal` once opened).
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn journal_mode(&self) -> Result<String, StoreError> {
        self.conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// Adds a user with an already hashed password, and audits it.
    ///
    /// # Errors
    /// [`StoreError::UsernameTaken`]; [`StoreError::Sqlite`].
    pub fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        by: Option<i64>,
    ) -> Result<User, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        let taken: Option<i64> = tx
            .query_row(
                "SELECT id FROM users WHERE username = ?1",
                [username],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        if taken.is_some() {
            return Err(StoreError::UsernameTaken(username.to_string()));
        }
        tx.execute(
            "INSERT INTO users (username, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![username, password_hash, role.as_str(), now()],
        )
        .map_err(self.err())?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, 'create user', ?3)",
            params![now(), by, format!("{username} as {}", role.as_str())],
        )
        .map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(User {
            id,
            username: username.to_string(),
            role,
            disabled: false,
            must_change_password: false,
        })
    }

    /// A user and their password hash, by username.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn user_with_hash(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {USER_COLS}, u.password_hash FROM users u WHERE u.username = ?1"),
                [username],
                |r| Ok((user_row(r)?, r.get(5)?)),
            )
            .optional()
            .map_err(self.err())
    }

    /// Every user, by username.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {USER_COLS} FROM users u ORDER BY u.username"
            ))
            .map_err(self.err())?;
        let rows = stmt.query_map([], user_row).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Stores a session (by the hash of its token) with its CSRF token.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        lifetime_secs: i64,
    ) -> Result<(), StoreError> {
        let t = now();
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, user_id, csrf, t, t + lifetime_secs],
        )
        .map_err(self.err())?;
        tx.execute(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, 'sign in', '')",
            params![t, user_id],
        )
        .map_err(self.err())?;
        tx.commit().map_err(self.err())
    }

    /// The live session with this token hash, if any.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {USER_COLS}, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled = 0"
                ),
                params![token_hash, now()],
                |r| {
                    Ok(Session {
                        user: user_row(r)?,
                        csrf: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Ends a session.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn delete_session(&self, token_hash: &str, user_id: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
            .map_err(self.err())?;
        tx.execute(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, 'sign out', '')",
            params![now(), user_id],
        )
        .map_err(self.err())?;
        tx.commit().map_err(self.err())
    }

    /// Stores an API token (by its hash).
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn create_token(
        &self,
        token_hash: &str,
        user_id: i64,
        name: &str,
        lifetime_secs: i64,
    ) -> Result<i64, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        let t = now();
        tx.execute(
            "INSERT INTO api_tokens (token_hash, user_id, name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, user_id, name, t, t.saturating_add(lifetime_secs)],
        )
        .map_err(self.err())?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, 'create API token', ?3)",
            params![now(), user_id, name],
        )
        .map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(id)
    }

    /// The user of a live API token, if any.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn token_user(&self, token_hash: &str) -> Result<Option<User>, StoreError> {
        self.conn()
            .query_row(
                &format!(
                    "SELECT {USER_COLS} FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND t.revoked = 0 AND t.expires_at > ?2 AND u.disabled = 0"
                ),
                params![token_hash, now()],
                user_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// Records an action.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn audit(
        &self,
        user_id: Option<i64>,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![now(), user_id, action, cap_detail(detail)],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// One user, by id.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {USER_COLS} FROM users u WHERE u.id = ?1"),
                [id],
                user_row,
            )
            .optional()
            .map_err(self.err())
    }

    /// One user, by username.
    ///
    /// # Errors
    /// [`StoreError::NoSuchUser`]; [`StoreError::Sqlite`].
    pub fn user_named(&self, username: &str) -> Result<User, StoreError> {
        self.user_with_hash(username)?
            .map(|(u, _)| u)
            .ok_or_else(|| StoreError::NoSuchUser(username.to_string()))
    }

    /// Runs `change` on a user's row in a transaction, refuses it if no enabled admin would be
    /// left, and audits it as `action` with `detail`. Returns the user as changed.
    fn change_user(
        &self,
        by: Option<i64>,
        id: i64,
        action: &str,
        detail: &str,
        change: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<()>,
    ) -> Result<User, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        let admins = |tx: &rusqlite::Transaction| -> rusqlite::Result<i64> {
            tx.query_row(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0",
                [],
                |r| r.get(0),
            )
        };
        let before = admins(&tx).map_err(self.err())?;
        let exists: Option<String> = tx
            .query_row("SELECT username FROM users WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.err())?;
        let Some(username) = exists else {
            return Err(StoreError::NoSuchUser(format!("id {id}")));
        };
        change(&tx).map_err(self.err())?;
        if before > 0 && admins(&tx).map_err(self.err())? == 0 {
            return Err(StoreError::LastAdmin);
        }
        tx.execute(
            "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, ?3, ?4)",
            params![
                now(),
                by,
                action,
                cap_detail(&format!("{username}: {detail}"))
            ],
        )
        .map_err(self.err())?;
        let user = tx
            .query_row(
                &format!("SELECT {USER_COLS} FROM users u WHERE u.id = ?1"),
                [id],
                user_row,
            )
            .map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(user)
    }

    /// Changes a user's role (audited). The last enabled admin cannot stop being one.
    ///
    /// # Errors
    /// [`StoreError::NoSuchUser`]; [`StoreError::LastAdmin`]; [`StoreError::Sqlite`].
    pub fn set_role(&self, by: Option<i64>, id: i64, role: Role) -> Result<User, StoreError> {
        self.change_user(by, id, "change role", role.as_str(), |tx| {
            tx.execute(
                "UPDATE users SET role = ?2 WHERE id = ?1",
                params![id, role.as_str()],
            )
            .map(|_| ())
        })
    }

    /// Disables a user (their sessions end and their tokens are revoked) or enables them again
    /// (audited). The last enabled admin cannot be disabled.
    ///
    /// # Errors
    /// [`StoreError::NoSuchUser`]; [`StoreError::LastAdmin`]; [`StoreError::Sqlite`].
    pub fn set_disabled(
        &self,
        by: Option<i64>,
        id: i64,
        disabled: bool,
    ) -> Result<User, StoreError> {
        let action = if disabled {
            "disable user"
        } else {
            "enable user"
        };
        self.change_user(by, id, action, "", |tx| {
            tx.execute(
                "UPDATE users SET disabled = ?2 WHERE id = ?1",
                params![id, i64::from(disabled)],
            )?;
            if disabled {
                end_credentials(tx, id, None)?;
            }
            Ok(())
        })
    }

    /// Sets a user's password hash (audited); every token of theirs is revoked and every
    /// session but `keep_session` (a token hash) ends. `must_change` is set when an admin
    /// resets it: the user must choose a new one at their next sign-in.
    ///
    /// # Errors
    /// [`StoreError::NoSuchUser`]; [`StoreError::Sqlite`].
    pub fn set_password(
        &self,
        by: Option<i64>,
        id: i64,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
    ) -> Result<User, StoreError> {
        let action = if must_change {
            "reset password"
        } else {
            "change password"
        };
        self.change_user(by, id, action, "", |tx| {
            tx.execute(
                "UPDATE users SET password_hash = ?2, must_change_password = ?3 WHERE id = ?1",
                params![id, password_hash, i64::from(must_change)],
            )?;
            end_credentials(tx, id, keep_session)
        })
    }

    /// A user's API tokens, newest first.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn tokens(&self, user_id: i64) -> Result<Vec<TokenInfo>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT id, name, created_at, expires_at, revoked FROM api_tokens WHERE user_id = ?1 ORDER BY id DESC",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map([user_id], |r| {
                Ok(TokenInfo {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    created_at: r.get(2)?,
                    expires_at: r.get(3)?,
                    revoked: r.get::<_, i64>(4)? != 0,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// The owner of token `id`, if there is one.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn token_owner(&self, id: i64) -> Result<Option<i64>, StoreError> {
        self.conn()
            .query_row("SELECT user_id FROM api_tokens WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.err())
    }

    /// Revokes token `id` of `owner` (audited, by `by`); `false` when the owner has no such
    /// token.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn revoke_token(&self, by: i64, owner: i64, id: i64) -> Result<bool, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err())?;
        let n = tx
            .execute(
                "UPDATE api_tokens SET revoked = 1, revoked_at = COALESCE(revoked_at, ?3) WHERE id = ?1 AND user_id = ?2",
                params![id, owner, now()],
            )
            .map_err(self.err())?;
        if n == 1 {
            tx.execute(
                "INSERT INTO audit_log (at, user_id, action, detail) VALUES (?1, ?2, 'revoke API token', ?3)",
                params![now(), by, format!("token {id}")],
            )
            .map_err(self.err())?;
        }
        tx.commit().map_err(self.err())?;
        Ok(n == 1)
    }

    /// The audit log, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT at, user_id, action, detail FROM audit_log ORDER BY id")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    user_id: r.get(1)?,
                    action: r.get(2)?,
                    detail: r.get(3)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Marks runs left `running` or `queued` by a server that stopped as failed (at start-up):
    /// their results were never published, so nothing else changes.
    ///
    /// # Errors
    /// [`StoreError::Sqlite`].
    pub fn fail_interrupted_runs(&self) -> Result<usize, StoreError> {
        let n = self
            .conn()
            .execute(
                "UPDATE runs SET status = 'failed', message = 'the server stopped during the run', finished_at = ?1
                 WHERE status IN ('queued', 'running')",
                [now()],
            )
            .map_err(self.err())?;
        if n > 0 {
            self.audit(None, "fail interrupted runs", &n.to_string())?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_mode_migrates_once_and_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.journal_mode().unwrap(), "wal");
        assert_eq!(store.schema_version().unwrap(), MIGRATIONS.len() as i64);
        store
            .create_user("ana", "hash", Role::Analyst, None)
            .unwrap();
        drop(store);
        let again = Store::open(dir.path()).unwrap();
        assert_eq!(again.schema_version().unwrap(), MIGRATIONS.len() as i64);
        assert_eq!(again.users().unwrap().len(), 1);
        assert!(matches!(
            again.create_user("ana", "h", Role::Viewer, None),
            Err(StoreError::UsernameTaken(_))
        ));
        let log = again.audit_log().unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "create user");
    }

    #[test]
    fn audit_details_are_capped_and_users_carry_their_state() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.audit(None, "x", &"é".repeat(10_000)).unwrap();
        let log = store.audit_log().unwrap();
        assert_eq!(log[0].detail.chars().count(), MAX_AUDIT_DETAIL + 1);
        assert_eq!(cap_detail("short"), "short");
        let admin = store.create_user("a", "h", Role::Admin, None).unwrap();
        let v = store.create_user("v", "h", Role::Viewer, None).unwrap();
        assert!(matches!(
            store.set_role(None, admin.id, Role::Viewer),
            Err(StoreError::LastAdmin)
        ));
        assert!(matches!(
            store.set_disabled(None, admin.id, true),
            Err(StoreError::LastAdmin)
        ));
        store.create_token("t1", v.id, "one", 3600).unwrap();
        store.create_session("s1", v.id, "c", 3600).unwrap();
        assert!(store.token_user("t1").unwrap().is_some());
        let v = store.set_disabled(Some(admin.id), v.id, true).unwrap();
        assert!(v.disabled);
        assert!(store.token_user("t1").unwrap().is_none());
        assert!(store.session("s1").unwrap().is_none());
        assert!(store.tokens(v.id).unwrap()[0].revoked);
        let v = store.set_disabled(Some(admin.id), v.id, false).unwrap();
        assert!(
            store.token_user("t1").unwrap().is_none(),
            "revoked stays revoked"
        );
        let v = store
            .set_password(Some(admin.id), v.id, "h2", true, None)
            .unwrap();
        assert!(v.must_change_password);
        assert_eq!(store.user_with_hash("v").unwrap().unwrap().1, "h2");
    }

    #[test]
    fn a_newer_database_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let conn = Connection::open(dir.path().join("levelfield.sqlite3")).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn sessions_expire_and_end() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let u = store.create_user("v", "h", Role::Viewer, None).unwrap();
        store.create_session("live", u.id, "c1", 3600).unwrap();
        store.create_session("old", u.id, "c2", -1).unwrap();
        assert_eq!(store.session("live").unwrap().unwrap().csrf, "c1");
        assert!(store.session("old").unwrap().is_none());
        store.delete_session("live", u.id).unwrap();
        assert!(store.session("live").unwrap().is_none());
    }

    #[test]
    fn interrupted_runs_are_marked_failed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let u = store.create_user("a", "h", Role::Analyst, None).unwrap();
        {
            let conn = store.conn();
            conn.execute(
                "INSERT INTO specs (name, toml, created_by, created_at) VALUES ('s', '', ?1, 0)",
                [u.id],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO runs (spec_id, status, started_by, created_at) VALUES (1, 'running', ?1, 0), (1, 'done', ?1, 0)",
                [u.id],
            )
            .unwrap();
        }
        assert_eq!(store.fail_interrupted_runs().unwrap(), 1);
        let statuses: Vec<String> = {
            let conn = store.conn();
            let mut s = conn.prepare("SELECT status FROM runs ORDER BY id").unwrap();
            s.query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        };
        assert_eq!(statuses, ["failed", "done"]);
    }
}
