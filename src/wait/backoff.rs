//! How long to pause between polls: from half a second, growing to ten,
//! each pause jittered so that many waiting scripts spread out; or one
//! fixed interval when the user pins it.

use std::time::Duration;

use rand::Rng as _;

/// The first pause.
const START: Duration = Duration::from_millis(500);
/// The first pause when following a short request (a refresh).
const SHORT_START: Duration = Duration::from_millis(100);
/// The longest pause.
const CAP: Duration = Duration::from_secs(10);
/// How much each pause grows.
const FACTOR: f64 = 1.6;
/// Each pause is its nominal length times a factor in 1 ± this.
const JITTER: f64 = 0.25;

/// A sequence of pauses.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    next: Duration,
    cap: Duration,
    pinned: Option<Duration>,
}

impl Backoff {
    /// Growing pauses, or always `pinned` when given.
    pub(crate) fn new(pinned: Option<Duration>) -> Backoff {
        Backoff {
            next: START,
            cap: CAP,
            pinned,
        }
    }

    /// Pauses for following a request that ends in about a second (a
    /// refresh): from a tenth of a second, growing to the usual interval
    /// (the pinned one, if any), so a wait learns of its end at once.
    pub(crate) fn short(pinned: Option<Duration>) -> Backoff {
        let cap = pinned.unwrap_or(CAP);
        Backoff {
            next: SHORT_START.min(cap),
            cap,
            pinned: None,
        }
    }

    /// The next pause.
    pub(crate) fn next_delay(&mut self) -> Duration {
        if let Some(pinned) = self.pinned {
            return pinned;
        }
        let nominal = self.next;
        self.next = nominal.mul_f64(FACTOR).min(self.cap);
        let factor = rand::thread_rng().gen_range(1.0 - JITTER..=1.0 + JITTER);
        nominal.mul_f64(factor).min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_the_cap_with_jitter() {
        let mut backoff = Backoff::new(None);
        let first = backoff.next_delay();
        assert!(first >= START.mul_f64(0.75) && first <= START.mul_f64(1.25));
        let later: Vec<Duration> = (0..20).map(|_| backoff.next_delay()).collect();
        assert!(later.iter().all(|d| *d <= CAP));
        assert!(later[19] >= CAP.mul_f64(0.75));
    }

    #[test]
    fn short_pauses_start_small_and_stop_at_the_pinned_interval() {
        let pinned = Duration::from_millis(500);
        let mut backoff = Backoff::short(Some(pinned));
        assert!(backoff.next_delay() <= SHORT_START.mul_f64(1.25));
        let later: Vec<Duration> = (0..10).map(|_| backoff.next_delay()).collect();
        assert!(later.iter().all(|d| *d <= pinned));
    }

    #[test]
    fn a_pinned_interval_never_changes() {
        let pinned = Duration::from_millis(42);
        let mut backoff = Backoff::new(Some(pinned));
        assert!((0..5).all(|_| backoff.next_delay() == pinned));
    }
}
