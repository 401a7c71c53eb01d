//! The progress of a wait on stderr: one live line on a terminal (spinner,
//! status, elapsed time), a plain line per change of status elsewhere, and
//! nothing with `-q`.

use std::io::{self, IsTerminal as _};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::{escape_controls, write_stderr};

/// How often the live line redraws.
const TICK: Duration = Duration::from_millis(120);

/// Reports what a wait is waiting on.
pub(crate) struct Progress {
    mode: Mode,
    started: Instant,
    last: Option<String>,
}

enum Mode {
    Silent,
    Lines,
    Live(ProgressBar),
}

impl Progress {
    /// Progress for a wait: live on a terminal, lines elsewhere, none if
    /// `quiet`.
    pub(crate) fn new(quiet: bool) -> Progress {
        let mode = match (quiet, io::stderr().is_terminal()) {
            (true, _) => Mode::Silent,
            (false, false) => Mode::Lines,
            (false, true) => Mode::Live(live_bar()),
        };
        Progress {
            mode,
            started: Instant::now(),
            last: None,
        }
    }

    /// Shows `status` (e.g. `request 3ebe…: in-progress`); a plain line is
    /// printed only when it changed.
    pub(crate) fn status(&mut self, status: &str) {
        if self.last.as_deref() == Some(status) {
            return;
        }
        self.last = Some(status.to_string());
        match &self.mode {
            Mode::Silent => {}
            Mode::Lines => {
                let elapsed = self.started.elapsed().as_secs_f64();
                write_stderr(&format!("waiting: {status} [{elapsed:.1}s]"));
            }
            Mode::Live(bar) => bar.set_message(escape_controls(status).into_owned()),
        }
    }

    /// Runs `print` (which writes whole lines on stderr) with the live line
    /// out of the way.
    pub(crate) fn suspend<R>(&self, print: impl FnOnce() -> R) -> R {
        match &self.mode {
            Mode::Live(bar) => bar.suspend(print),
            _ => print(),
        }
    }

    /// Removes the live line.
    pub(crate) fn finish(&self) {
        if let Mode::Live(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn live_bar() -> ProgressBar {
    let style = ProgressStyle::with_template("{spinner} waiting: {msg} [{elapsed}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bar = ProgressBar::new_spinner().with_style(style);
    bar.enable_steady_tick(TICK);
    bar
}
