//! Where the emulator's ids, passwords, addresses and provider numbers come
//! from: one random source, seeded for repeatable runs (`serve --seed`).

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The emulator's random source.
pub struct Dice {
    rng: Mutex<StdRng>,
}

impl Dice {
    /// Seeded when `seed` is given, from the OS otherwise.
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        Dice {
            rng: Mutex::new(rng),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut rng)
    }

    /// A lowercase UUID v4, like every id of the API.
    pub fn uuid(&self) -> String {
        let bytes: [u8; 16] = self.with(|r| r.gen());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }

    /// A vm's 16-character password.
    pub fn password(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        self.with(|r| {
            (0..16)
                .map(|_| ALPHABET[r.gen_range(0..ALPHABET.len())] as char)
                .collect()
        })
    }

    /// A vm's number at the provider, like the transcript's `2818157`.
    pub fn vm_number(&self) -> u64 {
        self.with(|r| r.gen_range(2_800_000..2_900_000))
    }

    /// A private image's id at the provider, like `ami-00058180`.
    pub fn ami(&self) -> String {
        self.with(|r| format!("ami-{:08}", r.gen_range(10_000..100_000)))
    }

    /// The number a provider gives a finished image, as a string (`"360832"`).
    pub fn image_number(&self) -> String {
        self.with(|r| r.gen_range(300_000..400_000).to_string())
    }

    /// A private address in 10.0.0.0/8.
    pub fn private_ip(&self) -> String {
        self.with(|r| {
            format!(
                "10.{}.{}.{}",
                r.gen_range(0..=255),
                r.gen::<u8>(),
                r.gen_range(2..255)
            )
        })
    }

    /// A public address from the documentation ranges (RFC 5737), so no
    /// real host is ever named.
    pub fn public_ip(&self) -> String {
        const NETS: [&str; 3] = ["192.0.2", "198.51.100", "203.0.113"];
        self.with(|r| {
            format!(
                "{}.{}",
                NETS[r.gen_range(0..NETS.len())],
                r.gen_range(2..255)
            )
        })
    }

    /// A seed for a second source that must not disturb this one's sequence.
    pub fn fork_seed(&self) -> u64 {
        self.with(|r| r.gen())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_values() {
        let (a, b) = (Dice::new(Some(7)), Dice::new(Some(7)));
        assert_eq!(a.uuid(), b.uuid());
        assert_eq!(a.password(), b.password());
        assert_eq!(a.public_ip(), b.public_ip());
        let id = Dice::new(None).uuid();
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 4);
        assert_eq!(id, id.to_lowercase());
    }
}
