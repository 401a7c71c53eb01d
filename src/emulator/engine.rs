//! The engine: what each API call does to the store, independent of HTTP.
//!
//! Every call first applies the transitions that have come due (see
//! `lifecycle`), then reads or writes in one transaction. Creates, refreshes,
//! deletes and images each store an `in-progress` request and schedule its
//! completion; only that completion changes the stored instance.

use anyhow::Context as _;
use serde_json::{json, Map, Value};

use super::accounts::{Account, Accounts};
use super::catalog::Catalog;
use super::faults::{self, Effect, Fault, Rule};
use super::keys::KeyPool;
use super::objects;
use super::random::Dice;
use super::store::{self, Store};
use super::timings::Timings;
use super::EmulatorConfig;

/// How long an idempotency key is remembered, in emulator milliseconds.
const IDEMPOTENCY_WINDOW: i64 = 24 * 3600 * 1000;
/// How many due transitions one transaction applies at most.
const BATCH: i64 = 256;

/// An answer the routes send as is.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    /// Milliseconds to wait before answering (an injected latency).
    pub delay_ms: u64,
}

impl Answer {
    fn ok(body: String) -> Self {
        Answer {
            status: 200,
            body,
            delay_ms: 0,
        }
    }
}

/// A failed call: HTTP status, a CamelCase code and a message for the client.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(404, "NotFound", format!("{what} {id} not found"))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "Conflict", message)
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!("store error: {e}");
        ApiError::new(
            500,
            "InternalError",
            "the emulator's store failed; see its log",
        )
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!("internal error: {e:#}");
        ApiError::new(500, "InternalError", "the emulator failed; see its log")
    }
}

/// Result of an engine call.
pub type ApiResult = Result<Answer, ApiError>;

/// The emulator's state and rules.
pub struct Engine {
    pub(crate) store: Store,
    pub(crate) catalog: Catalog,
    pub(crate) timings: Timings,
    pub(crate) accounts: Accounts,
    pub(crate) dice: Dice,
    pub(crate) keys: KeyPool,
}

impl Engine {
    /// Opens the store and loads catalog, timings and accounts.
    pub fn new(config: &EmulatorConfig) -> anyhow::Result<Self> {
        let catalog = match &config.catalog {
            Some(path) => Catalog::load(path)?,
            None => Catalog::builtin(),
        };
        let timings = match &config.timings {
            Some(path) => Timings::load(path)?,
            None => Timings::default(),
        };
        let accounts = match &config.accounts {
            Some(path) => Accounts::with_file(path)?,
            None => Accounts::builtin(),
        };
        let dice = Dice::new(config.seed);
        let key_seed = config.seed.map(|_| dice.fork_seed());
        Ok(Engine {
            store: Store::open(&config.db)?,
            catalog,
            timings: timings.scaled(config.speed)?,
            accounts,
            dice,
            keys: KeyPool::new(key_seed),
        })
    }

    /// Applies every transition due by now, in due order, in bounded
    /// batches. A call with nothing due writes nothing.
    pub fn catch_up(&self) -> Result<(), ApiError> {
        loop {
            let due = self.store.read(|c| Ok(store::is_anything_due(c)?))?;
            if !due {
                return Ok(());
            }
            let applied = self.store.write(|tx| -> Result<usize, ApiError> {
                let now = store::now(tx)?;
                let batch = store::transitions(tx, Some(now), BATCH)?;
                for transition in &batch {
                    self.apply(tx, transition)?;
                    store::remove_transition(tx, transition.id)?;
                }
                store::mark_time(tx, now)?;
                Ok(batch.len())
            })?;
            if (applied as i64) < BATCH {
                return Ok(());
            }
        }
    }

    /// `GET /request/{id}`: an array holding that one request.
    pub fn get_request(&self, account: &Account, id: &str) -> ApiResult {
        self.catch_up()?;
        let doc = self
            .store
            .read(|c| Ok(store::request(c, Some(&account.owner_id), id)?))?;
        let doc = doc.ok_or_else(|| ApiError::not_found("request", id))?;
        Ok(Answer::ok(format!("[{doc}]")))
    }

    /// `GET /request`: the account's requests; with cleanup, finished ones
    /// are removed after this answer.
    pub fn list_requests(&self, account: &Account, cleanup: bool) -> ApiResult {
        self.catch_up()?;
        let owner = &account.owner_id;
        let docs = if cleanup {
            self.store.write(|tx| -> Result<_, ApiError> {
                let docs = store::requests(tx, owner)?;
                store::remove_finished_requests(tx, owner)?;
                Ok(docs)
            })?
        } else {
            self.store.read(|c| Ok(store::requests(c, owner)?))?
        };
        Ok(Answer::ok(format!("[{}]", docs.join(","))))
    }

    /// `GET /instance/{id}`: the instance as last stored. A deleted one
    /// past the retention is removed, and then not found.
    pub fn get_instance(&self, account: &Account, id: &str) -> ApiResult {
        self.catch_up()?;
        let owner = &account.owner_id;
        let row = self
            .store
            .read(|c| Ok(store::instance(c, Some(owner), id)?))?;
        let row = row.ok_or_else(|| ApiError::not_found("instance", id))?;
        let now = self.store.read(|c| Ok(store::now(c)?))?;
        if row.expires.is_some_and(|expires| expires <= now) {
            self.store
                .write(|tx| store::remove_expired(tx, owner, now))?;
            return Err(ApiError::not_found("instance", id));
        }
        Ok(Answer::ok(row.doc))
    }

    /// `GET /instance`: the account's instances; with cleanup, those deleted
    /// longer than the retention are removed first, without it none is.
    pub fn list_instances(&self, account: &Account, cleanup: bool) -> ApiResult {
        self.catch_up()?;
        let owner = &account.owner_id;
        let docs = self.store.write(|tx| -> Result<_, ApiError> {
            if cleanup {
                store::remove_expired(tx, owner, store::now(tx)?)?;
            }
            Ok(store::instances(tx, owner)?)
        })?;
        Ok(Answer::ok(format!("[{}]", docs.join(","))))
    }

    /// The catalog, as served at `GET /resource`.
    pub fn catalog_json(&self) -> String {
        serde_json::to_string(&self.catalog).unwrap_or_else(|_| "{}".into())
    }

    /// Finds the fault a new request gets: its metadata's own, else a rule's.
    pub(crate) fn fault_for(
        &self,
        conn: &rusqlite::Connection,
        action: &str,
        resource_uri: &str,
        metadata: Option<&Value>,
    ) -> Result<Option<Fault>, ApiError> {
        if let Some(fault) = faults::from_metadata(metadata) {
            return Ok(Some(fault));
        }
        let rules = self.fault_rules(conn)?;
        Ok(faults::choose(&rules, action, resource_uri, metadata))
    }

    /// The stored fault rules.
    pub(crate) fn fault_rules(&self, conn: &rusqlite::Connection) -> Result<Vec<Rule>, ApiError> {
        let mut rules = Vec::new();
        for (id, text) in store::faults(conn)? {
            let mut rule: Rule =
                serde_json::from_str(&text).context("reading a stored fault rule")?;
            rule.id = Some(id);
            rules.push(rule);
        }
        Ok(rules)
    }

    /// Stores a new in-progress request, schedules its completion (unless
    /// its fault loses it) and returns its answer.
    pub(crate) fn start_request(
        &self,
        tx: &rusqlite::Transaction,
        owner: &str,
        doc: &Map<String, Value>,
        due: i64,
        fault: Option<&Fault>,
    ) -> Result<Answer, ApiError> {
        let id = doc
            .get("requestId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let body = Value::Object(doc.clone()).to_string();
        store::put_request(tx, id, owner, objects::IN_PROGRESS, &body)?;
        if fault.is_none_or(|f| f.effect != Effect::Lose) {
            let data = json!({ "fault": fault }).to_string();
            store::schedule(tx, due, "complete", id, &data)?;
        }
        Ok(Answer {
            status: 200,
            body,
            delay_ms: fault
                .filter(|f| f.effect == Effect::Latency)
                .map_or(0, |f| f.latency_ms),
        })
    }

    /// Runs a create under its idempotency key: a key seen within 24 hours
    /// returns the first answer instead of creating again, or 422 if it was
    /// first used for another call (`fingerprint` tells calls apart).
    pub(crate) fn idempotent(
        &self,
        account: &Account,
        key: Option<&str>,
        fingerprint: &str,
        create: impl FnOnce(&rusqlite::Transaction, i64) -> ApiResult,
    ) -> ApiResult {
        self.store.write(|tx| {
            let now = store::now(tx)?;
            if let Some(key) = key {
                let since = now - IDEMPOTENCY_WINDOW;
                if let Some(first) = store::idempotent_answer(tx, &account.owner_id, key, since)? {
                    if first
                        .fingerprint
                        .as_deref()
                        .is_some_and(|f| f != fingerprint)
                    {
                        return Err(ApiError::new(
                            422,
                            "IdempotencyKeyReused",
                            format!("Idempotency-Key {key} was first used for another call"),
                        ));
                    }
                    return Ok(Answer {
                        status: first.status,
                        body: first.body,
                        delay_ms: 0,
                    });
                }
            }
            let answer = create(tx, now)?;
            if let Some(key) = key {
                let remembered = store::Remembered {
                    status: answer.status,
                    body: answer.body.clone(),
                    fingerprint: Some(fingerprint.to_owned()),
                };
                store::remember_answer(tx, &account.owner_id, key, now, &remembered)?;
            }
            store::mark_time(tx, now)?;
            Ok(answer)
        })
    }
}

/// Refuses creates from an account without payment information.
pub(crate) fn require_payment(account: &Account) -> Result<(), ApiError> {
    if account.has_payment {
        return Ok(());
    }
    Err(ApiError::new(
        403,
        "Forbidden",
        "enter payment information on the ComputeNext website before creating instances",
    ))
}

/// Takes the body's `metadata` object (empty if absent).
pub(crate) fn take_metadata(body: &mut Map<String, Value>) -> Result<Value, ApiError> {
    match body.shift_remove("metadata") {
        None => Ok(json!({})),
        Some(Value::Object(m)) => Ok(Value::Object(m)),
        Some(_) => Err(ApiError::bad_request("metadata must be a JSON object")),
    }
}
