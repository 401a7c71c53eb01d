//! The control API under `/_emulator/`, for the admin account only: reset
//! the world, read and drive the clock, list what is scheduled, and add or
//! remove fault rules.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::{json, Value};

use super::engine::{Answer, ApiError, ApiResult, Engine};
use super::faults::Rule;
use super::objects::timestamp;
use super::routes::{authenticate, respond};
use super::store;

type Shared = Arc<Engine>;

/// Routes of the control API.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/reset", post(reset))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/schedule", get(schedule))
        .route(
            "/faults",
            get(faults_list).post(faults_add).delete(faults_clear),
        )
        .route("/faults/{id}", delete(faults_remove))
}

async fn as_admin(
    engine: &Engine,
    headers: &HeaderMap,
    call: impl FnOnce() -> ApiResult,
) -> Response {
    match authenticate(engine, headers) {
        Ok(account) if account.is_admin => respond(call(), Some(account)).await,
        Ok(account) => {
            let error = ApiError::new(403, "Forbidden", "the control API needs the admin account");
            respond(Err(error), Some(account)).await
        }
        Err(error) => respond(Err(error), None).await,
    }
}

/// A control answer: one line of JSON, newline-terminated for terminals.
fn ok(value: Value) -> ApiResult {
    Ok(Answer {
        status: 200,
        body: format!("{value}\n"),
        delay_ms: 0,
    })
}

/// Parses `250ms`, `90s`, `5m`, `2h`, `1d` or a bare number of milliseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    number.checked_mul(scale)
}

impl Engine {
    /// Empties the emulator: objects, schedule, faults, clock offset.
    pub fn reset(&self) -> ApiResult {
        self.store
            .write(|tx| -> Result<(), ApiError> { Ok(store::reset(tx)?) })?;
        ok(json!({ "reset": true }))
    }

    /// The emulator's time and what is due next.
    pub fn clock(&self) -> ApiResult {
        self.catch_up()?;
        let (now, next) = self
            .store
            .read(|c| Ok((store::now(c)?, store::next_due(c)?)))?;
        ok(json!({
            "now": timestamp(now),
            "nowMs": now,
            "nextDue": next.map(timestamp),
        }))
    }

    /// Moves the clock forward by `ms`, or to the next due transition, and
    /// applies what has come due.
    pub fn advance(&self, ms: Option<i64>) -> ApiResult {
        self.store.write(|tx| -> Result<(), ApiError> {
            let by = match ms {
                Some(ms) => ms,
                None => match store::next_due(tx)? {
                    Some(due) => due.saturating_sub(store::now(tx)?).max(0),
                    None => 0,
                },
            };
            if store::advance_clock(tx, by)? {
                return Ok(());
            }
            Err(ApiError::bad_request(format!(
                "the clock can go at most {} days ahead of the wall clock",
                store::MAX_CLOCK_OFFSET / 86_400_000
            )))
        })?;
        self.clock()
    }

    /// Pending transitions, in due order.
    pub fn schedule(&self) -> ApiResult {
        self.catch_up()?;
        let due = self
            .store
            .read(|c| Ok(store::transitions(c, None, 10_000)?))?;
        let list: Vec<Value> = due
            .iter()
            .map(|t| {
                let data: Value = serde_json::from_str(&t.data).unwrap_or(Value::Null);
                json!({ "due": timestamp(t.due), "dueMs": t.due, "kind": t.kind, "target": t.target, "data": data })
            })
            .collect();
        ok(Value::Array(list))
    }

    /// The fault rules.
    pub fn faults(&self) -> ApiResult {
        let rules = self.store.read(|c| Ok(self.fault_rules(c)))??;
        ok(serde_json::to_value(rules).unwrap_or(Value::Null))
    }

    /// Adds a fault rule and answers it with its id.
    pub fn add_fault(&self, mut rule: Rule) -> ApiResult {
        rule.id = None;
        let text = serde_json::to_string(&rule).map_err(anyhow::Error::from)?;
        let id = self
            .store
            .write(|tx| -> Result<i64, ApiError> { Ok(store::add_fault(tx, &text)?) })?;
        rule.id = Some(id);
        ok(serde_json::to_value(rule).unwrap_or(Value::Null))
    }

    /// Removes one fault rule, or every one.
    pub fn remove_faults(&self, id: Option<i64>) -> ApiResult {
        let removed = self
            .store
            .write(|tx| -> Result<usize, ApiError> { Ok(store::remove_faults(tx, id)?) })?;
        if id.is_some() && removed == 0 {
            return Err(ApiError::not_found(
                "fault rule",
                &id.unwrap_or_default().to_string(),
            ));
        }
        ok(json!({ "removed": removed }))
    }
}

async fn reset(State(engine): State<Shared>, headers: HeaderMap) -> Response {
    as_admin(&engine, &headers, || engine.reset()).await
}

async fn clock(State(engine): State<Shared>, headers: HeaderMap) -> Response {
    as_admin(&engine, &headers, || engine.clock()).await
}

async fn advance(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    as_admin(&engine, &headers, || {
        let body: Value = if body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&body)
                .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?
        };
        let ms = match body.get("by") {
            None => None,
            Some(Value::Number(n)) => Some(n.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
                ApiError::bad_request(
                    "by must be a whole number of milliseconds or a duration like 90s",
                )
            })?),
            Some(Value::String(s)) => Some(parse_duration(s).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "cannot read duration {s:?}; use 250ms, 90s, 5m, 2h or 1d"
                ))
            })?),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "by must be a number of milliseconds or a duration string",
                ))
            }
        };
        engine.advance(ms)
    })
    .await
}

async fn schedule(State(engine): State<Shared>, headers: HeaderMap) -> Response {
    as_admin(&engine, &headers, || engine.schedule()).await
}

async fn faults_list(State(engine): State<Shared>, headers: HeaderMap) -> Response {
    as_admin(&engine, &headers, || engine.faults()).await
}

async fn faults_add(State(engine): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    as_admin(&engine, &headers, || {
        let rule: Rule = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("not a fault rule: {e}")))?;
        engine.add_fault(rule)
    })
    .await
}

async fn faults_clear(State(engine): State<Shared>, headers: HeaderMap) -> Response {
    as_admin(&engine, &headers, || engine.remove_faults(None)).await
}

async fn faults_remove(
    State(engine): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    as_admin(&engine, &headers, || engine.remove_faults(Some(id))).await
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("250ms"), Some(250));
        assert_eq!(parse_duration("90s"), Some(90_000));
        assert_eq!(parse_duration("5m"), Some(300_000));
        assert_eq!(parse_duration("1500"), Some(1500));
        assert_eq!(parse_duration("1.5s"), None);
        assert_eq!(parse_duration("s"), None);
        assert_eq!(parse_duration("-5s"), None);
        assert_eq!(parse_duration("9223372036854775807d"), None);
    }
}
