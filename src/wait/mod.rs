//! Waiting: follow a request to `completed` or `failed`, then refresh its
//! instance until it is no longer transient, and hand back the instance.
//!
//! A wait stops at once when a request fails or the instance settles in a
//! status other than the one waited for (`WaitFailed`, exit 6), and when
//! its time is up (`TimedOut`, exit 7). The deadline is judged between
//! polls: the first look always happens, so `--timeout 0` reports a
//! request that has already finished. The current ids are recorded as the
//! plain commands would (`getr` the instance, `getir` each refresh
//! request), so an interrupted wait leaves them consistent; Ctrl-C names
//! the command that resumes it.

mod backoff;
mod poll;

use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde_json::Value;

use crate::cli::WaitTiming;
use crate::client::{Call, Client};
use crate::error::{Interrupted, WaitFailed};
use crate::output::{Progress, Talk};
use crate::state::{IdKind, StateFile};
use backoff::Backoff;

/// How long after a wait starts a 404 means "not there yet" rather than
/// "not there": a new object can take a moment to be visible.
const NOT_FOUND_GRACE: Duration = Duration::from_secs(10);

/// The shortest pinned interval: `--interval 1ns` must not hammer the
/// server.
const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// What a wait starts from.
#[derive(Debug, Clone)]
pub(crate) enum Start {
    /// Follow this request, then settle its instance.
    Request(String),
    /// Settle this instance.
    Instance(String),
}

/// One wait, with its deadline, pauses and progress line.
pub(crate) struct Waiter<'a> {
    client: &'a Client,
    state: &'a StateFile,
    talk: Talk,
    progress: Progress,
    want: Option<String>,
    timeout: Duration,
    deadline: Instant,
    grace_until: Instant,
    pinned: Option<Duration>,
    /// False until the first pause: the calls of the first look are not
    /// cut by the deadline, so `--timeout 0` still sees a finished request.
    has_paused: bool,
    request_id: Option<String>,
    instance_id: Option<String>,
    /// The `instanceStatus` in the results of the last completed request.
    reported: Option<String>,
    /// One of several waits in one command: no current ids, no progress.
    is_one_of_many: bool,
}

impl<'a> Waiter<'a> {
    /// A wait through `client` that records ids in `state`, for the
    /// status `want` (any settled status but `error` when `None`).
    pub(crate) fn new(
        client: &'a Client,
        state: &'a StateFile,
        talk: Talk,
        timing: &WaitTiming,
        want: Option<String>,
    ) -> Waiter<'a> {
        let now = Instant::now();
        Waiter {
            client,
            state,
            talk,
            progress: Progress::new(talk.is_quiet()),
            want,
            timeout: timing.timeout,
            deadline: now + timing.timeout,
            grace_until: now + NOT_FOUND_GRACE,
            pinned: timing.interval.map(|i| i.max(MIN_INTERVAL)),
            has_paused: false,
            request_id: None,
            instance_id: None,
            reported: None,
            is_one_of_many: false,
        }
    }

    /// Makes this one of several waits run at once: it records no current
    /// id and shows no progress of its own.
    pub(crate) fn one_of_many(mut self) -> Self {
        self.is_one_of_many = true;
        self.progress = Progress::new(true);
        self
    }

    /// Waits from `start` and returns the settled instance. Ctrl-C ends it
    /// with `Interrupted`, naming the command that resumes.
    pub(crate) async fn run(mut self, start: Start) -> anyhow::Result<Value> {
        let outcome = tokio::select! {
            biased;
            outcome = self.walk(start) => Some(outcome),
            () = crate::commands::interrupted() => None,
        };
        self.progress.finish();
        match outcome {
            Some(outcome) => outcome,
            None => Err(anyhow::Error::new(Interrupted).context(self.resume_hint())),
        }
    }

    async fn walk(&mut self, start: Start) -> anyhow::Result<Value> {
        let instance_id = match start {
            Start::Request(id) => self.follow_request(&id, true).await?,
            Start::Instance(id) => id,
        };
        self.settle(&instance_id).await
    }

    /// Polls request `id` until it completes; returns its instance's id.
    /// `shown` puts its status on the progress line.
    async fn follow_request(&mut self, id: &str, shown: bool) -> anyhow::Result<String> {
        self.request_id = Some(id.to_string());
        self.record(IdKind::Request, id)?;
        // A refresh (not shown) ends in about a second: look again soon.
        let mut backoff = match shown {
            true => Backoff::new(self.pinned),
            false => Backoff::short(self.pinned),
        };
        loop {
            let what = format!("request {id}");
            let answer = self.get(&Call::get_request(id), &what).await?;
            let request = answer.as_ref().and_then(first_request);
            let status = request.and_then(|r| text(r, "requestStatus"));
            match status {
                Some("completed") => {
                    self.reported = request
                        .and_then(|r| r.get("results"))
                        .and_then(|r| text(r, "instanceStatus"))
                        .map(String::from);
                    return self.completed(request, id);
                }
                Some("failed") => return Err(failed(id, request).into()),
                Some(status) if shown => self.progress.status(&format!("{what}: {status}")),
                _ => tracing::debug!("{what}: {status:?}"),
            }
            self.pause(backoff.next_delay()).await?;
        }
    }

    /// The instance id of completed request `id`, recorded as current.
    fn completed(&mut self, request: Option<&Value>, id: &str) -> anyhow::Result<String> {
        let instance_id = request
            .and_then(|r| {
                r.get("instanceId")
                    .or_else(|| r.get("parameters")?.get("instanceId"))
            })
            .and_then(Value::as_str)
            .with_context(|| format!("request {id} completed without an instanceId"))?
            .to_string();
        self.record(IdKind::Instance, &instance_id)?;
        self.instance_id = Some(instance_id.clone());
        Ok(instance_id)
    }

    /// Refreshes instance `id` until it settles; returns it.
    async fn settle(&mut self, id: &str) -> anyhow::Result<Value> {
        self.instance_id = Some(id.to_string());
        let mut backoff = Backoff::new(self.pinned);
        let mut refreshed = false;
        loop {
            let what = format!("instance {id}");
            let answer = self.get(&Call::get_instance(id), &what).await?;
            if let Some(instance) = answer {
                let status = instance_status(&instance).unwrap_or("unknown").to_string();
                self.progress.status(&format!("{what}: {status}"));
                if self.is_settled(&instance, &status)? {
                    return Ok(instance);
                }
                // The stored instance may be old news: ask the provider at
                // once the first time, then after a pause each time.
                self.refresh_until_news(id, &mut backoff, refreshed).await?;
                refreshed = true;
            } else {
                self.pause(backoff.next_delay()).await?;
            }
        }
    }

    /// Refreshes instance `id` until the provider reports a status worth
    /// reading the instance for: one the wait wants, or one that will not
    /// change by itself. A refresh's results carry the status, so a booting
    /// vm costs two calls a round, not three.
    async fn refresh_until_news(
        &mut self,
        id: &str,
        backoff: &mut Backoff,
        pause_first: bool,
    ) -> anyhow::Result<()> {
        let mut pause = pause_first;
        loop {
            if pause {
                self.pause(backoff.next_delay()).await?;
            }
            pause = true;
            self.reported = None;
            self.refresh(id).await?;
            let Some(status) = self.reported.clone() else {
                return Ok(());
            };
            if self.want.as_deref() == Some(status.as_str()) || !is_transient(&status) {
                return Ok(());
            }
            self.progress.status(&format!("instance {id}: {status}"));
        }
    }

    /// True once `instance` is where the wait should end; an error if it
    /// settled somewhere else.
    fn is_settled(&self, instance: &Value, status: &str) -> Result<bool, WaitFailed> {
        if self.want.as_deref() == Some(status) {
            return Ok(true);
        }
        let transient = instance
            .get("attributes")
            .and_then(|a| a.get("transientStatus"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if transient {
            return Ok(false);
        }
        let id = text(instance, "instanceId").unwrap_or("?");
        let message = match (&self.want, status) {
            (Some(want), _) => format!("instance {id} settled as {status}, not {want}"),
            (None, "error" | "failed") => format!("instance {id} went to {status}"),
            (None, _) => return Ok(true),
        };
        Err(WaitFailed {
            message,
            code: None,
            request_id: self.request_id.clone(),
        })
    }

    /// Starts a refresh of instance `id` and follows it to completion.
    async fn refresh(&mut self, id: &str) -> anyhow::Result<()> {
        let answer = self
            .get(
                &Call::refresh_instance(id),
                &format!("refreshing instance {id}"),
            )
            .await?;
        let Some(request_id) = answer.as_ref().and_then(|a| text(a, "requestId")) else {
            return Ok(());
        };
        self.follow_request(request_id, false).await?;
        Ok(())
    }

    /// What the wait was on, and the command that picks it up again.
    fn resume_hint(&self) -> String {
        let ids: Vec<String> = [
            ("request", &self.request_id),
            ("instance", &self.instance_id),
        ]
        .into_iter()
        .filter_map(|(kind, id)| Some(format!("{kind} {}", id.as_ref()?)))
        .collect();
        let flags = match (&self.instance_id, &self.request_id) {
            (Some(instance), _) => format!("--instance {instance}"),
            (None, Some(request)) => format!("--request {request}"),
            (None, None) => return "waiting".to_string(),
        };
        let want = self.want.as_ref().map(|w| format!(" --for {w}"));
        format!(
            "waiting on {} (resume with: runcws wait {flags}{})",
            ids.join(", "),
            want.unwrap_or_default()
        )
    }
}

/// The failure a `failed` request reports, with the server's code.
fn failed(id: &str, request: Option<&Value>) -> WaitFailed {
    let error = request.and_then(|r| r.get("error"));
    let code = error.and_then(|e| text(e, "code")).map(String::from);
    let message = error
        .and_then(|e| text(e, "message"))
        .unwrap_or("no reason given");
    let shown_code = code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default();
    WaitFailed {
        message: format!("request {id} failed: {message}{shown_code}"),
        code,
        request_id: Some(id.to_string()),
    }
}

/// The request in a `GET /request/{id}` answer: an array holding one.
fn first_request(answer: &Value) -> Option<&Value> {
    match answer {
        Value::Array(items) => items.first(),
        Value::Object(_) => Some(answer),
        _ => None,
    }
}

/// Whether an instance in `status` will change by itself (the API's
/// `transientStatus`).
fn is_transient(status: &str) -> bool {
    matches!(status, "creating" | "deleting" | "pending")
}

fn instance_status(instance: &Value) -> Option<&str> {
    instance
        .get("attributes")
        .and_then(|a| text(a, "instanceStatus"))
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}
