//! When a failed call is sent again, and after how long.
//!
//! A call that changes nothing is sent again, up to `MAX_ATTEMPTS` times
//! in all, when it could not connect, when the connection dropped, and on
//! 429, 502, 503 and 504, waiting as `Retry-After` asks (seconds or an
//! HTTP date) or else with a doubling, capped, jittered backoff. A call
//! that changes something is sent again only when it could not connect,
//! so that the first attempt certainly never left. Timeouts are never
//! retried: a server that did not answer in time is not asked again; nor
//! is one whose answer was too large.

use std::time::{Duration, SystemTime};

use super::answer::Answer;
use super::call::Effect;
use crate::error::{NetworkError, Stage};

/// How many times a call is sent at most.
pub(crate) const MAX_ATTEMPTS: u32 = 4;
/// The wait before the second attempt, doubled for each one after.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The longest backoff between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A server asking to wait longer than this is not asked again.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How long to wait before sending again after `attempt` (1-based) ended
/// in `result`; `None` when it is not to be sent again.
pub(crate) fn delay(
    effect: Effect,
    attempt: u32,
    result: &Result<Answer, NetworkError>,
) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let asked = match result {
        Err(err) if is_retryable_failure(effect, err) => None,
        Ok(answer) if effect == Effect::Reads && is_retryable_status(answer.status) => {
            answer.retry_after
        }
        _ => return None,
    };
    match asked {
        Some(wait) if wait > MAX_RETRY_AFTER => None,
        Some(wait) => Some(wait),
        None => Some(backoff(attempt)),
    }
}

fn is_retryable_failure(effect: Effect, err: &NetworkError) -> bool {
    match err.stage {
        Stage::Connect => true,
        Stage::Exchange => effect == Effect::Reads,
        Stage::Timeout | Stage::Oversized => false,
    }
}

/// Statuses that say "not now": rate limits and gateway failures.
fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// The backoff after `attempt`: doubling from `FIRST_BACKOFF`, capped,
/// with up to a quarter more at random so that parallel scripts spread.
fn backoff(attempt: u32) -> Duration {
    let doubled = FIRST_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(16));
    let base = doubled.min(MAX_BACKOFF);
    base + base.mul_f64(rand::random::<f64>() / 4.0)
}

/// Reads a `Retry-After` value: delay seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, retry_after: Option<u64>) -> Result<Answer, NetworkError> {
        Ok(Answer {
            status,
            content_type: "text/plain".into(),
            retry_after: retry_after.map(Duration::from_secs),
            foreign_origin: None,
            bytes: Vec::new(),
        })
    }

    fn failure(stage: Stage) -> Result<Answer, NetworkError> {
        Err(NetworkError {
            endpoint: "e".into(),
            reason: "r".into(),
            stage,
        })
    }

    #[test]
    fn reads_are_retried_on_transient_statuses_only() {
        for status in [429, 502, 503, 504] {
            assert!(delay(Effect::Reads, 1, &answer(status, None)).is_some());
        }
        for status in [200, 400, 401, 404, 409, 500] {
            assert_eq!(delay(Effect::Reads, 1, &answer(status, None)), None);
        }
    }

    #[test]
    fn changes_are_retried_only_when_they_never_left() {
        assert!(delay(Effect::Changes, 1, &failure(Stage::Connect)).is_some());
        assert_eq!(delay(Effect::Changes, 1, &failure(Stage::Exchange)), None);
        assert_eq!(delay(Effect::Changes, 1, &failure(Stage::Timeout)), None);
        assert_eq!(delay(Effect::Changes, 1, &answer(503, Some(0))), None);
        assert!(delay(Effect::Reads, 1, &failure(Stage::Exchange)).is_some());
        assert_eq!(delay(Effect::Reads, 1, &failure(Stage::Timeout)), None);
    }

    #[test]
    fn retry_after_is_honoured_within_reason() {
        let wait = |s| delay(Effect::Reads, 1, &answer(503, Some(s)));
        assert_eq!(wait(3), Some(Duration::from_secs(3)));
        assert_eq!(wait(3600), None);
    }

    #[test]
    fn attempts_and_backoff_are_capped() {
        assert_eq!(delay(Effect::Reads, MAX_ATTEMPTS, &answer(503, None)), None);
        for attempt in 1..40 {
            assert!(backoff(attempt) <= MAX_BACKOFF + MAX_BACKOFF / 4);
            assert!(backoff(attempt) >= FIRST_BACKOFF);
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        let later = "Sun, 06 Nov 1994 08:49:47 GMT";
        assert_eq!(parse_retry_after(later, now), Some(Duration::from_secs(10)));
        let earlier = "Sun, 06 Nov 1994 08:49:30 GMT";
        assert_eq!(parse_retry_after(earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
