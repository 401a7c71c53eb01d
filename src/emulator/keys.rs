//! Real key pairs for `kp` instances: RSA 1024-bit, the private key in PKCS#1
//! PEM, the public key in OpenSSH form, the fingerprint the MD5 of its blob.
//!
//! Generating a key takes milliseconds of CPU, so keys come from a small pool
//! filled ahead on a thread of its own, never inside a database transaction.
//! The thread starts on the first key asked for, so commands that make no key
//! pay nothing.

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;

use base64::Engine as _;
use md5::{Digest, Md5};
use rand::rngs::StdRng;
use rand::SeedableRng;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;

const POOL_SIZE: usize = 4;

/// One generated key pair, in the forms the API shows.
#[derive(Debug, Clone)]
pub struct KeyPair {
    /// `ssh-rsa AAAA… \n`, as the transcript shows it.
    pub public_key: String,
    /// `-----BEGIN RSA PRIVATE KEY-----\n…`
    pub private_key: String,
    /// MD5 of the public key blob, colon-separated hex.
    pub fingerprint: String,
}

impl KeyPair {
    /// Generates a key pair from `rng`.
    pub fn generate(rng: &mut StdRng) -> anyhow::Result<Self> {
        let key = RsaPrivateKey::new(rng, 1024)?;
        let pem = key.to_pkcs1_pem(LineEnding::LF)?;
        let blob = ssh_rsa_blob(&key.e().to_bytes_be(), &key.n().to_bytes_be());
        let encoded = base64::engine::general_purpose::STANDARD.encode(&blob);
        Ok(KeyPair {
            public_key: format!("ssh-rsa {encoded} \n"),
            private_key: pem.to_string(),
            fingerprint: md5_fingerprint(&blob),
        })
    }
}

/// The OpenSSH wire form of an RSA public key (RFC 4253, section 6.6).
fn ssh_rsa_blob(e: &[u8], n: &[u8]) -> Vec<u8> {
    let mut blob = Vec::with_capacity(n.len() + 32);
    put_string(&mut blob, b"ssh-rsa");
    put_mpint(&mut blob, e);
    put_mpint(&mut blob, n);
    blob
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn put_mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
    let trimmed: &[u8] = match magnitude.iter().position(|&b| b != 0) {
        Some(first) => &magnitude[first..],
        None => &[],
    };
    // A set high bit would read as negative: prefix a zero byte.
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        out.extend_from_slice(&(trimmed.len() as u32 + 1).to_be_bytes());
        out.push(0);
        out.extend_from_slice(trimmed);
    } else {
        put_string(out, trimmed);
    }
}

fn md5_fingerprint(blob: &[u8]) -> String {
    let digest = Md5::digest(blob);
    let hex: Vec<String> = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex.join(":")
}

/// Keys generated ahead on a background thread.
pub struct KeyPool {
    seed: Option<u64>,
    keys: Mutex<Option<Receiver<KeyPair>>>,
}

impl KeyPool {
    /// A pool that starts generating on the first `take`; seeded keys come
    /// in the same order on every run.
    pub fn new(seed: Option<u64>) -> Self {
        KeyPool {
            seed,
            keys: Mutex::new(None),
        }
    }

    /// The next key pair, waiting for one if the pool is empty.
    pub fn take(&self) -> anyhow::Result<KeyPair> {
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let receiver = keys.get_or_insert_with(|| self.spawn());
        match receiver.recv() {
            Ok(key) => Ok(key),
            Err(_) => {
                *keys = None;
                anyhow::bail!("the key generator stopped")
            }
        }
    }

    fn spawn(&self) -> Receiver<KeyPair> {
        let (sender, receiver) = sync_channel(POOL_SIZE);
        let mut rng = match self.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        std::thread::Builder::new()
            .name("runcws-keys".into())
            .spawn(move || loop {
                let Ok(key) = KeyPair::generate(&mut rng) else {
                    return;
                };
                if sender.send(key).is_err() {
                    return;
                }
            })
            .expect("spawning the key generator thread");
        receiver
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1::DecodeRsaPrivateKey;

    #[test]
    fn a_key_pair_is_real_and_its_fingerprint_matches() {
        let key = KeyPair::generate(&mut StdRng::seed_from_u64(1)).unwrap();
        assert!(key
            .private_key
            .starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let private = RsaPrivateKey::from_pkcs1_pem(&key.private_key).unwrap();
        assert_eq!(private.size(), 128);
        let b64 = key.public_key.strip_prefix("ssh-rsa ").unwrap().trim_end();
        let blob = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(&blob[4..11], b"ssh-rsa");
        assert_eq!(key.fingerprint, md5_fingerprint(&blob));
        assert_eq!(key.fingerprint.len(), 47);
        // The blob's modulus is the private key's.
        let expected = ssh_rsa_blob(&private.e().to_bytes_be(), &private.n().to_bytes_be());
        assert_eq!(blob, expected);
    }

    #[test]
    fn mpints_keep_their_sign() {
        let mut out = Vec::new();
        put_mpint(&mut out, &[0x80, 1]);
        assert_eq!(out, [0, 0, 0, 3, 0, 0x80, 1]);
        out.clear();
        put_mpint(&mut out, &[0, 0, 1, 0, 1]);
        assert_eq!(out, [0, 0, 0, 3, 1, 0, 1]);
    }

    #[test]
    fn seeded_pools_give_the_same_keys() {
        let a = KeyPool::new(Some(3)).take().unwrap();
        let b = KeyPool::new(Some(3)).take().unwrap();
        assert_eq!(a.fingerprint, b.fingerprint);
    }
}
