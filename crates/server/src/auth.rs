//! Who may do what: roles, argon2id password hashes, random session/CSRF/API tokens (stored
//! only as SHA-256 hashes), the sign-in limiter (per address, per address and account, per
//! account, reserved before the check) and the gate that bounds password hashing at once.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use argon2::{
    Argon2,
    password_hash::{PasswordHash, SaltString},
};
use sha2::{Digest, Sha256};

/// What a user may do; each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
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
/// minimum recommendation) and a random salt, as a PHC string. The working memory is this
/// thread's buffer (see [`verify_password`]).
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
    let failed = |e: &dyn std::fmt::Display| CredentialError::Hash(e.to_string());
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| failed(&e))?;
    let salt_string = SaltString::encode_b64(&salt).map_err(|e| failed(&e))?;
    let params = argon2::Params::default();
    let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    with_blocks(params.block_count(), |blocks| {
        Argon2::default().hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            blocks,
        )
    })
    .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: argon2::password_hash::ParamsString::try_from(&params).map_err(|e| failed(&e))?,
        salt: Some(salt_string.as_salt()),
        hash: Some(argon2::password_hash::Output::new(&out).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Runs `f` with this thread's argon2 working memory, `n` blocks of it, grown when needed and
/// kept for the next hash or check on the thread.
fn with_blocks<T>(n: usize, f: impl FnOnce(&mut [argon2::Block]) -> T) -> T {
    thread_local! {
        static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < n {
            blocks.resize(n, argon2::Block::default());
        }
        f(&mut blocks[..n])
    })
}

/// Checks a password against a stored hash (a PHC string), comparing in constant time.
///
/// The argon2 working memory (19 MiB) is one buffer per thread, kept and reused: checks on the
/// hashing gate's few threads then hold a fixed amount of memory, however many there are
/// (a fresh 19 MiB allocation per check is not reliably given back by the allocator).
pub fn verify_password(password: &str, hash: &str) -> bool {
    if password.len() > MAX_PASSWORD * 4 {
        return false;
    }
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm), Some(expected), Some(salt)) = (
        argon2::Params::try_from(&h),
        argon2::Algorithm::try_from(h.algorithm),
        h.hash,
        h.salt,
    ) else {
        return false;
    };
    let version = h
        .version
        .and_then(|v| argon2::Version::try_from(v).ok())
        .unwrap_or_default();
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let n = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let hashed = with_blocks(n, |blocks| {
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, blocks)
            .is_ok()
    });
    hashed && same_bytes(&out, expected.as_bytes())
}

fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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

/// Failed sign-ins allowed from one client address for one account before that pair is locked.
pub const MAX_FAILURES: u32 = 5;
/// Failed sign-ins allowed from one client address, across all accounts, before the address is
/// locked (password spraying: one password tried against many usernames).
pub const MAX_CLIENT_FAILURES: u32 = 20;
/// Failed sign-ins for one account, from any address, after which only addresses that have not
/// failed on it may try (a client that has not been failing still gets in with the password).
pub const MAX_ACCOUNT_FAILURES: u32 = 50;
/// How long failures are remembered after the last one.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// The first lock of a pair or an address; each further lock doubles it, up to [`MAX_LOCK`].
pub const FIRST_LOCK: Duration = Duration::from_secs(60);
/// The longest lock.
pub const MAX_LOCK: Duration = Duration::from_secs(60 * 60);
/// Entries the limiter keeps at most (memory stays bounded under a flood of addresses).
const LIMITER_CAP: usize = 200_000;

#[derive(Default)]
struct Count {
    failures: u32,
    in_flight: u32,
    last: Option<Instant>,
    locked_until: Option<Instant>,
    locks: u32,
    refusal_audited: bool,
}

impl Count {
    fn refresh(&mut self, now: Instant) {
        if self.locked_until.is_some_and(|u| now >= u) {
            self.locked_until = None;
            self.refusal_audited = false;
        }
        if self.locked_until.is_none()
            && self
                .last
                .is_some_and(|l| now.duration_since(l) >= FAILURE_WINDOW)
        {
            self.failures = 0;
            if self
                .last
                .is_some_and(|l| now.duration_since(l) >= 4 * MAX_LOCK)
            {
                self.locks = 0;
            }
        }
    }

    fn locked(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|u| now < u)
    }

    fn idle(&self, now: Instant) -> bool {
        self.in_flight == 0
            && !self.locked(now)
            && self
                .last
                .is_none_or(|l| now.duration_since(l) >= FAILURE_WINDOW)
    }

    /// Counts a failure; locks when it reaches `max`, for a time that doubles with each lock.
    fn fail(&mut self, now: Instant, max: u32) -> Option<Duration> {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.failures += 1;
        self.last = Some(now);
        if self.failures < max {
            return None;
        }
        let lock = FIRST_LOCK
            .saturating_mul(1u32 << self.locks.min(16))
            .min(MAX_LOCK);
        self.locks += 1;
        self.failures = 0;
        self.locked_until = Some(now + lock);
        Some(lock)
    }
}

/// Why a sign-in attempt was refused before its password was checked.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    /// Seconds until it is worth trying again.
    pub retry_after: u64,
    /// True for the first refusal of a lock (the one to audit).
    pub first: bool,
}

/// A lock that a failure started: what to write to the audit log.
#[derive(Debug, PartialEq, Eq)]
pub struct Lockout {
    /// `address` or `address and account`.
    pub what: &'static str,
    /// How long.
    pub secs: u64,
}

/// Counts sign-in attempts per client address, per (address, account) pair and per account.
///
/// An attempt is reserved ([`Limiter::begin`]) before its password is verified, so concurrent
/// attempts count at once: at most [`MAX_FAILURES`] for a pair, and [`MAX_CLIENT_FAILURES`] for
/// an address, can be in flight or failed within [`FAILURE_WINDOW`]. Reaching either locks
/// that pair or address for [`FIRST_LOCK`], doubling with each further lock up to
/// [`MAX_LOCK`]. An account with [`MAX_ACCOUNT_FAILURES`] failures from anywhere refuses every
/// address that has failed on it, but not one that has not: nobody can lock an account out
/// by failing on purpose, and the owner with the password still gets in.
#[derive(Default)]
pub struct Limiter {
    counts: Mutex<HashMap<String, Count>>,
}

fn keys(client: &str, account: &str) -> [String; 3] {
    [
        format!("c|{client}"),
        format!("p|{client}|{account}"),
        format!("a|{account}"),
    ]
}

impl Limiter {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Count>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserves an attempt by `client` (its address) on `account` (a checked username), or
    /// refuses it. The reservation counts as a failure until [`Attempt::succeeded`] or
    /// [`Attempt::cancel`] says otherwise.
    ///
    /// # Errors
    /// [`Refused`] when the address or the pair is locked or has as many attempts in flight
    /// as it may still fail, or the account is under attack and this address has failed on it.
    pub fn begin(&self, client: &str, account: &str) -> Result<Attempt<'_>, Refused> {
        let now = Instant::now();
        let mut map = self.map();
        if map.len() >= LIMITER_CAP {
            map.retain(|_, c| !c.idle(now));
            if map.len() >= LIMITER_CAP {
                return Err(Refused {
                    retry_after: 60,
                    first: false,
                });
            }
        }
        let [ck, pk, ak] = keys(client, account);
        for k in [&ck, &pk, &ak] {
            if let Some(c) = map.get_mut(k) {
                c.refresh(now);
            }
        }
        let (c, p, a) = (map.get(&ck), map.get(&pk), map.get(&ak));
        let failures = |x: Option<&Count>| x.map_or(0, |c| c.failures + c.in_flight);
        let locked = [c, p]
            .into_iter()
            .flatten()
            .filter_map(|x| x.locked_until.filter(|u| now < *u))
            .max();
        let account_closed = a.is_some_and(|a| a.failures >= MAX_ACCOUNT_FAILURES)
            && p.is_some_and(|p| p.failures > 0 || p.locks > 0);
        if let Some(until) = locked {
            let retry_after = until.duration_since(now).as_secs().max(1);
            let mut first = false;
            for k in [&ck, &pk] {
                if let Some(x) = map.get_mut(k)
                    && x.locked(now)
                    && !x.refusal_audited
                {
                    x.refusal_audited = true;
                    first = true;
                }
            }
            return Err(Refused { retry_after, first });
        }
        if failures(c) >= MAX_CLIENT_FAILURES || failures(p) >= MAX_FAILURES || account_closed {
            return Err(Refused {
                retry_after: FIRST_LOCK.as_secs(),
                first: false,
            });
        }
        for k in [&ck, &pk, &ak] {
            let e = map.entry(k.clone()).or_default();
            e.in_flight += 1;
            e.last = Some(now);
        }
        Ok(Attempt {
            limiter: self,
            keys: [ck, pk, ak],
            open: true,
        })
    }
}

/// A reserved sign-in attempt. Dropped unresolved (the request went away during the check),
/// it counts as a failure.
pub struct Attempt<'a> {
    limiter: &'a Limiter,
    keys: [String; 3],
    open: bool,
}

impl std::fmt::Debug for Attempt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attempt").field("keys", &self.keys).finish()
    }
}

impl Attempt<'_> {
    /// The password was right: the pair's failures and locks are forgotten (the address's
    /// and account's are kept: a success does not excuse spraying).
    pub fn succeeded(mut self) {
        self.open = false;
        let mut map = self.limiter.map();
        for (i, k) in self.keys.iter().enumerate() {
            if let Some(c) = map.get_mut(k) {
                c.in_flight = c.in_flight.saturating_sub(1);
                if i == 1 {
                    c.failures = 0;
                    c.locks = 0;
                }
            }
        }
    }

    /// The attempt was not judged (the server was too busy to check it): nothing is counted.
    pub fn cancel(mut self) {
        self.open = false;
        let mut map = self.limiter.map();
        for k in &self.keys {
            if let Some(c) = map.get_mut(k) {
                c.in_flight = c.in_flight.saturating_sub(1);
            }
        }
    }

    /// The password was wrong (or the account unknown): counted, and the locks it starts.
    pub fn failed(mut self) -> Vec<Lockout> {
        self.open = false;
        self.count_failure()
    }

    fn count_failure(&self) -> Vec<Lockout> {
        let now = Instant::now();
        let mut map = self.limiter.map();
        let mut out = Vec::new();
        for (k, max, what) in [
            (&self.keys[0], MAX_CLIENT_FAILURES, "address"),
            (&self.keys[1], MAX_FAILURES, "address and account"),
            (&self.keys[2], u32::MAX, "account"),
        ] {
            if let Some(lock) = map.entry(k.clone()).or_default().fail(now, max) {
                out.push(Lockout {
                    what,
                    secs: lock.as_secs(),
                });
            }
        }
        out
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.count_failure();
        }
    }
}

/// Why password hashing was not started.
#[derive(Debug, PartialEq, Eq)]
pub struct Busy;

/// A password hash or check for one of the gate's threads.
type Job = Box<dyn FnOnce() + Send>;

/// Bounds the password hashing running at once (each argon2 check holds 19 MiB for tens of
/// milliseconds): `permits` run, up to `8 × permits` wait their turn, and the rest are turned
/// away at once ([`Busy`]: the caller answers 503 with `Retry-After`).
///
/// The checks run on `permits` threads of the gate's own, not on the runtime's pool of
/// blocking threads: the allocator keeps a freed 19 MiB block in the arena of the thread that
/// freed it, so checks spread over many threads would keep many blocks resident for good.
pub struct HashGate {
    permits: Arc<tokio::sync::Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    jobs: std::sync::mpsc::Sender<Job>,
}

impl HashGate {
    /// A gate for `permits` hashes at once (at least one), with as many threads.
    pub fn new(permits: usize) -> HashGate {
        let permits = permits.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for k in 0..permits {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("levelfield-hash-{k}"))
                .spawn(move || {
                    loop {
                        let job = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                        let Ok(job) = job else { break };
                        // A panic ends the check (its caller hears Busy), not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })
                .expect("the operating system starts a thread");
        }
        HashGate {
            permits: Arc::new(tokio::sync::Semaphore::new(permits)),
            waiting: AtomicUsize::new(0),
            max_waiting: permits * 8,
            jobs,
        }
    }

    /// One per core: what the machine can hash without the checks queueing on each other.
    pub fn per_core() -> HashGate {
        HashGate::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// Runs `f` (a hash or a check) on one of the gate's threads once a permit is free, for a
    /// signed-in user (an admin adding users, a user changing their password): it waits its
    /// turn however many are waiting; only `permits` run at once.
    ///
    /// # Errors
    /// [`Busy`] only if the gate's threads have stopped.
    pub async fn run_queued<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        self.start(permit, f).await
    }

    /// Runs `f` (a hash or a check) on one of the gate's threads once a permit is free.
    ///
    /// # Errors
    /// [`Busy`] when too many are already waiting.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                struct Waiting<'a>(&'a AtomicUsize);
                impl Drop for Waiting<'_> {
                    fn drop(&mut self) {
                        self.0.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(Busy);
                }
                let _waiting = Waiting(&self.waiting);
                self.permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| Busy)?
            }
        };
        self.start(permit, f).await
    }

    async fn start<T: Send + 'static>(
        &self,
        permit: tokio::sync::OwnedSemaphorePermit,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _permit = permit;
                let _ = done.send(f());
            }))
            .map_err(|_| Busy)?;
        result.await.map_err(|_| Busy)
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
    fn hashes_agree_with_the_argon2_library_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"correct horse battery staple", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("correct horse battery staple", &theirs));
        assert!(!verify_password("correct horse battery stable", &theirs));
        let ours = hash_password("correct horse battery staple").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse battery staple", &parsed)
                .is_ok()
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
    fn the_limiter_reserves_attempts_and_locks_pairs_and_addresses() {
        let l = Limiter::default();
        // Reserved before the check: five in flight fill the pair; a sixth is refused.
        let held: Vec<_> = (0..MAX_FAILURES)
            .map(|_| l.begin("1.1.1.1", "u").unwrap())
            .collect();
        assert!(l.begin("1.1.1.1", "u").is_err());
        let locks: Vec<_> = held.into_iter().flat_map(Attempt::failed).collect();
        assert_eq!(
            locks,
            [Lockout {
                what: "address and account",
                secs: 60
            }]
        );
        let refused = l.begin("1.1.1.1", "u").unwrap_err();
        assert!(refused.first && refused.retry_after > 50);
        assert!(!l.begin("1.1.1.1", "u").unwrap_err().first, "audited once");
        // Another address, and another account from this address, are not locked.
        l.begin("2.2.2.2", "u").unwrap().succeeded();
        l.begin("1.1.1.1", "v").unwrap().cancel();
        // Spraying: 20 failures across accounts lock the address.
        let l = Limiter::default();
        for k in 0..MAX_CLIENT_FAILURES {
            l.begin("3.3.3.3", &format!("user{k}")).unwrap().failed();
        }
        assert!(l.begin("3.3.3.3", "fresh").is_err());
        assert!(l.begin("4.4.4.4", "fresh").is_ok());
        // A dropped attempt counts as a failure.
        let l = Limiter::default();
        for _ in 0..MAX_FAILURES {
            drop(l.begin("5.5.5.5", "u").unwrap());
        }
        assert!(l.begin("5.5.5.5", "u").is_err());
    }

    #[test]
    fn an_account_under_attack_still_lets_in_a_client_that_has_not_failed() {
        let l = Limiter::default();
        for k in 0..MAX_ACCOUNT_FAILURES {
            l.begin(&format!("10.0.{}.{}", k / 200, k % 200), "boss")
                .unwrap()
                .failed();
        }
        // Addresses that failed on it are refused; a new one may try.
        assert!(l.begin("10.0.0.1", "boss").is_err());
        l.begin("192.168.1.1", "boss").unwrap().succeeded();
    }
}
