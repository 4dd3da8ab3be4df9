//! Password-based key derivations of PKCS#12 keystores (the MAC key, PBES2 and legacy PBE keys):
//! each done once per run for the same input, however many probes and threads ask, and logged
//! so that tests can tell how many were run.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::sync::{Arc, Mutex, OnceLock};
use zeroize::Zeroizing;

/// What a derived key is for: the three the product itself derives when it loads a keystore
/// and recovers its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The integrity (MAC) key of the whole file: tells the store password.
    Mac,
    /// The key of an encrypted bag of certificates (aliases and certificates).
    CertBag,
    /// The key of a shrouded private key.
    KeyBag,
}

/// The hash and scheme of one derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// RFC 7292 appendix B.2, with the diversifier ID (1 key, 2 IV, 3 MAC key).
    Pkcs12Sha1(u8),
    Pkcs12Sha256(u8),
    Pbkdf2Sha1,
    Pbkdf2Sha256,
    Pbkdf2Sha384,
    Pbkdf2Sha512,
}

/// Everything a derived key depends on. `password` is the bytes the scheme hashes (a BMPString
/// for RFC 7292, UTF-8 for PBKDF2).
#[derive(PartialEq, Eq)]
pub struct Input<'a> {
    pub scheme: Scheme,
    pub password: &'a [u8],
    pub salt: &'a [u8],
    pub rounds: u64,
    pub len: usize,
}

/// One derivation that was run: what for, how, and on which salt (never the password or key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub purpose: Purpose,
    pub scheme: Scheme,
    pub salt: Vec<u8>,
}

type Slot = Arc<OnceLock<Zeroizing<Vec<u8>>>>;

struct Entry {
    scheme: Scheme,
    password: Zeroizing<Vec<u8>>,
    salt: Vec<u8>,
    rounds: u64,
    len: usize,
    key: Slot,
}

impl Entry {
    fn is(&self, i: &Input<'_>) -> bool {
        self.scheme == i.scheme
            && self.salt == i.salt
            && self.rounds == i.rounds
            && self.len == i.len
            && *self.password == i.password
    }
}

/// The derived keys of one run. A second request for the same input waits for the first one's
/// result (if it is still running on another thread) instead of deriving again.
#[derive(Default)]
pub struct Derivations {
    keys: Mutex<Vec<Entry>>,
    log: Mutex<Vec<Done>>,
}

impl std::fmt::Debug for Derivations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the passwords or keys.
        write!(f, "Derivations({} run)", self.performed().len())
    }
}

impl Derivations {
    /// The key for `input`, derived now or taken from an earlier derivation in this run.
    pub fn key(&self, purpose: Purpose, input: Input<'_>) -> Zeroizing<Vec<u8>> {
        let derive = || {
            if let Ok(mut log) = self.log.lock() {
                log.push(Done {
                    purpose,
                    scheme: input.scheme,
                    salt: input.salt.to_vec(),
                });
            }
            run(&input)
        };
        match self.slot(&input) {
            Some(slot) => slot.get_or_init(derive).clone(),
            // A poisoned lock (a panic elsewhere): derive without the cache rather than fail.
            None => derive(),
        }
    }

    fn slot(&self, input: &Input<'_>) -> Option<Slot> {
        let mut keys = self.keys.lock().ok()?;
        if let Some(e) = keys.iter().find(|e| e.is(input)) {
            return Some(Arc::clone(&e.key));
        }
        let key = Slot::default();
        keys.push(Entry {
            scheme: input.scheme,
            password: Zeroizing::new(input.password.to_vec()),
            salt: input.salt.to_vec(),
            rounds: input.rounds,
            len: input.len,
            key: Arc::clone(&key),
        });
        Some(key)
    }

    /// The derivations run so far, in the order they started.
    pub fn performed(&self) -> Vec<Done> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

fn run(i: &Input<'_>) -> Zeroizing<Vec<u8>> {
    let mut key = Zeroizing::new(vec![0u8; i.len]);
    // The callers refuse more than a million rounds, so this fits.
    let r = i.rounds as u32;
    match i.scheme {
        Scheme::Pkcs12Sha1(id) => {
            return Zeroizing::new(kdf::<Sha1>(i.password, i.salt, i.rounds, id, i.len));
        }
        Scheme::Pkcs12Sha256(id) => {
            return Zeroizing::new(kdf::<Sha256>(i.password, i.salt, i.rounds, id, i.len));
        }
        Scheme::Pbkdf2Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(i.password, i.salt, r, &mut key),
        Scheme::Pbkdf2Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(i.password, i.salt, r, &mut key),
        Scheme::Pbkdf2Sha384 => pbkdf2::pbkdf2_hmac::<Sha384>(i.password, i.salt, r, &mut key),
        Scheme::Pbkdf2Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(i.password, i.salt, r, &mut key),
    }
    key
}

/// RFC 7292 appendix B.2 key derivation.
pub fn kdf<D: Digest + sha2::digest::FixedOutputReset + sha2::digest::common::BlockSizeUser>(
    password: &[u8],
    salt: &[u8],
    rounds: u64,
    id: u8,
    len: usize,
) -> Vec<u8> {
    let v = <D as sha2::digest::common::BlockSizeUser>::block_size();
    let u = <D as Digest>::output_size();
    let fill = |s: &[u8]| -> Vec<u8> {
        if s.is_empty() {
            return Vec::new();
        }
        let n = v * s.len().div_ceil(v);
        s.iter().cycle().take(n).copied().collect()
    };
    let mut i: Vec<u8> = fill(salt);
    i.extend(fill(password));
    let d = vec![id; v];
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let mut a = D::new().chain_update(&d).chain_update(&i).finalize();
        // 10,000 rounds in a real keystore: the digest is rehashed in place, no allocation.
        let mut h = D::new();
        for _ in 1..rounds {
            Digest::update(&mut h, &a);
            Digest::finalize_into_reset(&mut h, &mut a);
        }
        out.extend_from_slice(&a[..u.min(len - out.len())]);
        let b: Vec<u8> = a.iter().cycle().take(v).copied().collect();
        for chunk in i.chunks_mut(v) {
            let mut carry = 1u16;
            for k in (0..v).rev() {
                let s = chunk[k] as u16 + b[k] as u16 + carry;
                chunk[k] = s as u8;
                carry = s >> 8;
            }
        }
    }
    out
}
