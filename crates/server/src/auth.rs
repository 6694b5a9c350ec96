//! Who may do what: roles, argon2id password hashes, random session/CSRF/API tokens (stored
//! only as SHA-256 hashes), and the sign-in rate limiter.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};
use sha2::{Digest, Sha256};

/// What a user may do; each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sees disclosure-controlled results only.
    Viewer,
    /// Also uploads data and runs profiles.
    Analyst,
    /// Also manages users.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or given name.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Why a password or username is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    /// Too short.
    #[error("the password must have at least {MIN_PASSWORD} characters")]
    PasswordTooShort,
    /// Too long (hashing cost).
    #[error("the password must have at most {MAX_PASSWORD} characters")]
    PasswordTooLong,
    /// Not a usable username.
    #[error(
        "the username must be 1 to 64 letters, digits, dots, hyphens or underscores, starting with a letter or digit"
    )]
    BadUsername,
    /// The hashing library failed.
    #[error("the password could not be hashed: {0}")]
    Hash(String),
}

/// Shortest password accepted (NCSC guidance favours length over composition rules).
pub const MIN_PASSWORD: usize = 12;
/// Longest password accepted.
pub const MAX_PASSWORD: usize = 1024;

/// Checks a username.
///
/// # Errors
/// [`CredentialError::BadUsername`].
pub fn check_username(name: &str) -> Result<(), CredentialError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(CredentialError::BadUsername)
    }
}

/// Hashes a password with argon2id (the library's defaults: 19 MiB, 2 passes, 1 lane — OWASP's
/// minimum recommendation) and a random salt, as a PHC string.
///
/// # Errors
/// [`CredentialError`] for a password too short or long, or a hashing failure.
pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(CredentialError::PasswordTooShort);
    }
    if n > MAX_PASSWORD {
        return Err(CredentialError::PasswordTooLong);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| CredentialError::Hash(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| CredentialError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CredentialError::Hash(e.to_string()))
}

/// Checks a password against a stored hash (constant-time comparison inside argon2).
pub fn verify_password(password: &str, hash: &str) -> bool {
    password.len() <= MAX_PASSWORD * 4
        && PasswordHash::new(hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
}

/// A hash that takes as long to check as a real one, for unknown usernames, so timing does not
/// tell whether a username exists.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password at all").unwrap_or_default())
}

/// 32 random bytes as 64 hex characters: session, CSRF and API tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex(&bytes)
}

/// The SHA-256 of a token, as stored (a leaked database holds no usable token).
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time equality of two strings (CSRF tokens).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Failed sign-ins allowed per username in a window before it is refused.
pub const MAX_FAILURES: u32 = 5;
/// The window.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counts failed sign-ins per username; after [`MAX_FAILURES`] in [`FAILURE_WINDOW`] further
/// attempts are refused until the window passes (success clears the count).
#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Limiter {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when the username may try now.
    pub fn allowed(&self, username: &str) -> bool {
        let mut map = self.map();
        match map.get(username) {
            Some((n, since)) if since.elapsed() < FAILURE_WINDOW => *n < MAX_FAILURES,
            Some(_) => {
                map.remove(username);
                true
            }
            None => true,
        }
    }

    /// Records a failure.
    pub fn failed(&self, username: &str) {
        let mut map = self.map();
        // Bound memory under a flood of made-up usernames.
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
        }
        let entry = map
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= FAILURE_WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    /// Clears the count after a success.
    pub fn succeeded(&self, username: &str) {
        self.map().remove(username);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("correct horse battery stapler", &h));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(
            h,
            hash_password("correct horse battery staple").unwrap(),
            "salted"
        );
        assert_eq!(
            hash_password("short"),
            Err(CredentialError::PasswordTooShort)
        );
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn usernames_and_roles() {
        assert!(check_username("a.b-c_1").is_ok());
        for bad in ["", ".x", "a b", "a/b", &"x".repeat(65)] {
            assert!(check_username(bad).is_err(), "{bad}");
        }
        assert!(Role::Admin > Role::Analyst && Role::Analyst > Role::Viewer);
        assert_eq!(Role::parse("analyst"), Some(Role::Analyst));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn the_limiter_refuses_after_five_failures_and_success_clears() {
        let l = Limiter::default();
        for _ in 0..MAX_FAILURES {
            assert!(l.allowed("u"));
            l.failed("u");
        }
        assert!(!l.allowed("u"));
        assert!(l.allowed("other"));
        l.succeeded("u");
        assert!(l.allowed("u"));
    }
}
