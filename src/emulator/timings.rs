//! How long each step of the life cycles takes, in milliseconds.
//!
//! The defaults follow the transcript (a key pair in about a second, a vm
//! request in about three, a delete in half a second); the rest are ours.
//! `serve --timings FILE` overrides any of them, and a speed factor divides
//! them all.

use std::path::Path;

use anyhow::{bail, Context as _};
use serde::{Deserialize, Serialize};

/// Durations of the life cycles, in milliseconds of emulator time.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Timings {
    /// A key pair create request, until it completes.
    pub kp_create: u64,
    /// A vm create request, until it completes with `creating`.
    pub vm_create: u64,
    /// From the vm create request's completion until the vm is `running`.
    pub vm_boot: u64,
    /// A refresh (`*.retrieve`) request.
    pub refresh: u64,
    /// A delete request.
    pub delete: u64,
    /// How long a vm deleted while still booting stays `deleting`.
    pub vm_deleting: u64,
    /// An image request (`vm.create.image`), until it completes with `creating`.
    pub image_create: u64,
    /// From the image request's completion until the image is `created`.
    pub image_build: u64,
    /// How long a deleted instance is kept before it is removed.
    pub retention: u64,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            kp_create: 900,
            vm_create: 3_350,
            vm_boot: 8_000,
            refresh: 450,
            delete: 500,
            vm_deleting: 4_000,
            image_create: 930,
            image_build: 30_000,
            retention: 3_600_000,
        }
    }
}

impl Timings {
    /// Reads a JSON file holding any subset of the fields.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading timings file {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("parsing timings file {}", path.display()))
    }

    /// Every duration divided by `speed`.
    pub fn scaled(&self, speed: f64) -> anyhow::Result<Self> {
        if !(speed.is_finite() && speed > 0.0) {
            bail!("emulator speed must be a positive number, not {speed}");
        }
        let s = |ms: u64| (ms as f64 / speed).round() as u64;
        Ok(Timings {
            kp_create: s(self.kp_create),
            vm_create: s(self.vm_create),
            vm_boot: s(self.vm_boot),
            refresh: s(self.refresh),
            delete: s(self.delete),
            vm_deleting: s(self.vm_deleting),
            image_create: s(self.image_create),
            image_build: s(self.image_build),
            retention: s(self.retention),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_divides_every_duration() {
        let t = Timings::default().scaled(10.0).unwrap();
        assert_eq!(t.kp_create, 90);
        assert_eq!(t.vm_boot, 800);
        assert!(Timings::default().scaled(0.0).is_err());
        assert!(Timings::default().scaled(f64::NAN).is_err());
    }

    #[test]
    fn a_file_may_set_only_some_fields() {
        let t: Timings = serde_json::from_str(r#"{"vmBoot": 5}"#).unwrap();
        assert_eq!(t.vm_boot, 5);
        assert_eq!(t.kp_create, Timings::default().kp_create);
        assert!(serde_json::from_str::<Timings>(r#"{"vmBot": 5}"#).is_err());
    }
}
