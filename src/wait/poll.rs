//! The polling side of a wait: calls that tolerate an early 404 and a
//! passing network fault, pauses that respect the deadline, and the
//! current ids recorded as they become known.

use std::time::Duration;

use anyhow::Context as _;
use serde_json::Value;

use super::Waiter;
use crate::client::Call;
use crate::error::{self, ApiError, NetworkError, TimedOut};
use crate::state::IdKind;

impl Waiter<'_> {
    /// Sends `call` (about `what`) until it answers, within the deadline
    /// once the wait has paused (before, `--http-timeout` bounds it).
    /// `None` means a 404 within the grace period, to be asked again.
    pub(super) async fn get(&mut self, call: &Call, what: &str) -> anyhow::Result<Option<Value>> {
        let mut backoff = super::Backoff::new(self.pinned);
        loop {
            let sent = match self.has_paused {
                true => tokio::time::timeout_at(self.deadline.into(), self.client.send(call)).await,
                false => Ok(self.client.send(call).await),
            };
            let Ok(sent) = sent else {
                return Err(self.timed_out().into());
            };
            let err = match sent {
                Ok(answer) => return Ok(answer),
                Err(err) => err,
            };
            let now = std::time::Instant::now();
            if is_status(&err, 404) && now < self.grace_until {
                self.progress.status(&format!("{what}: not found yet"));
                return Ok(None);
            }
            if !is_passing(&err) {
                return Err(err.context(what.to_string()));
            }
            tracing::warn!("{what}: {err:#}; asking again");
            self.pause(backoff.next_delay()).await?;
        }
    }

    /// Sleeps `delay`, or fails with `TimedOut` if the deadline comes first.
    pub(super) async fn pause(&mut self, delay: Duration) -> Result<(), TimedOut> {
        self.has_paused = true;
        let now = std::time::Instant::now();
        if now >= self.deadline {
            return Err(self.timed_out());
        }
        tokio::time::sleep(delay.min(self.deadline - now)).await;
        Ok(())
    }

    /// What was unfinished when time ran out, and how to go on.
    pub(super) fn timed_out(&self) -> TimedOut {
        let timeout = humantime::format_duration(self.timeout);
        let doing = match (&self.instance_id, &self.request_id) {
            (Some(instance), _) => format!("instance {instance} did not settle"),
            (None, Some(request)) => format!("request {request} did not finish"),
            (None, None) => "nothing answered".to_string(),
        };
        TimedOut {
            message: format!("{doing} within {timeout}, {}", self.resume_hint()),
            request_id: self.request_id.clone(),
        }
    }

    /// Makes `id` the current one of `kind`, announcing a change.
    pub(super) fn record(&self, kind: IdKind, id: &str) -> anyhow::Result<()> {
        if self.is_one_of_many {
            return Ok(());
        }
        let changed = self
            .state
            .set(&[(kind, id)])
            .with_context(|| format!("recording the current {kind}"))?;
        if !changed.is_empty() {
            self.progress
                .suspend(|| self.talk.setting(&kind.to_string(), id));
        }
        Ok(())
    }
}

fn is_status(err: &anyhow::Error, status: u16) -> bool {
    error::find::<ApiError>(err).is_some_and(|e| e.status == status)
}

/// A fault that may pass: the network, or a 502, 503 or 504.
fn is_passing(err: &anyhow::Error) -> bool {
    error::find::<NetworkError>(err).is_some()
        || error::find::<ApiError>(err).is_some_and(|e| matches!(e.status, 502..=504))
}
