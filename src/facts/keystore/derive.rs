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
            let key = kdf::<Sha1, 5>(SHA1, (i.password, i.salt), i.rounds, id, i.len);
            return Zeroizing::new(key);
        }
        Scheme::Pkcs12Sha256(id) => {
            let key = kdf::<Sha256, 8>(SHA256, (i.password, i.salt), i.rounds, id, i.len);
            return Zeroizing::new(key);
        }
        Scheme::Pbkdf2Sha1 => pbkdf2::<Sha1, 5>(SHA1, (i.password, i.salt), r, &mut key),
        Scheme::Pbkdf2Sha256 => pbkdf2::<Sha256, 8>(SHA256, (i.password, i.salt), r, &mut key),
        Scheme::Pbkdf2Sha384 => pbkdf2::pbkdf2_hmac::<Sha384>(i.password, i.salt, r, &mut key),
        Scheme::Pbkdf2Sha512 => pbkdf2::pbkdf2_hmac::<Sha512>(i.password, i.salt, r, &mut key),
    }
    key
}

/// RFC 7292 appendix B.2 key derivation. Each round after the first hashes the previous digest
/// alone: one padded block through `compress`, the same function sha1/sha2 run (with SHA-NI
/// where the CPU has it), without the digest API's buffering, padding and reset per round
/// (0.61 → 0.58 ms for 10,000 SHA-256 rounds on this machine: docs/PERFORMANCE.md).
pub fn kdf<D: Digest + sha2::digest::common::BlockSizeUser, const W: usize>(
    (iv, compress): (&[u32; W], Compress<W>),
    (password, salt): (&[u8], &[u8]),
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
        rehash(iv, compress, &mut a[..u], rounds.saturating_sub(1));
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

/// PBKDF2 with HMAC over a hash of 64-byte blocks (RFC 8018 section 5.2): the first HMAC of
/// each output block through the `hmac` crate, every later one as two calls of `compress` on
/// states keyed once, without the digest API's buffering and padding per call (PBKDF2 is two
/// blocks per round, so that overhead was a third of its time: docs/PERFORMANCE.md).
pub fn pbkdf2<D, const W: usize>(
    (iv, compress): (&[u32; W], Compress<W>),
    (password, salt): (&[u8], &[u8]),
    rounds: u32,
    out: &mut [u8],
) where
    D: Digest + sha2::digest::common::BlockSizeUser + Clone,
    hmac::SimpleHmac<D>: hmac::KeyInit + hmac::Mac,
{
    use hmac::{KeyInit, Mac};
    let mut key = Zeroizing::new([0u8; 64]);
    if password.len() > 64 {
        key[..4 * W].copy_from_slice(&D::digest(password)[..4 * W]);
    } else {
        key[..password.len()].copy_from_slice(password);
    }
    let keyed = |pad: u8| {
        let mut state = *iv;
        let block: [u8; 64] = std::array::from_fn(|k| key[k] ^ pad);
        compress(&mut state, &[block]);
        state
    };
    let (inner, outer) = (keyed(0x36), keyed(0x5c));
    let n = 4 * W;
    let mut block = Zeroizing::new([0u8; 64]);
    block[n] = 0x80;
    block[56..].copy_from_slice(&(8 * (64 + n) as u64).to_be_bytes());
    for (index, chunk) in out.chunks_mut(n).enumerate() {
        let Ok(mac) = <hmac::SimpleHmac<D> as KeyInit>::new_from_slice(password) else {
            return;
        };
        let u1 = mac
            .chain_update(salt)
            .chain_update((index as u32 + 1).to_be_bytes())
            .finalize()
            .into_bytes();
        block[..n].copy_from_slice(&u1[..n]);
        let mut t = Zeroizing::new(block[..n].to_vec());
        for _ in 1..rounds {
            for state in [inner, outer] {
                let mut s = state;
                compress(&mut s, std::slice::from_ref(&*block));
                for (b, word) in block[..n].chunks_exact_mut(4).zip(s) {
                    b.copy_from_slice(&word.to_be_bytes());
                }
            }
            t.iter_mut().zip(&block[..n]).for_each(|(t, u)| *t ^= u);
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
}

/// A hash's block function: sha1's or sha2's `compress`, which picks SHA-NI at run time.
pub type Compress<const W: usize> = fn(&mut [u32; W], &[[u8; 64]]);

/// SHA-1's initial state and block function, for [`kdf`].
pub const SHA1: (&[u32; 5], Compress<5>) = (
    &[0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0],
    sha1::block_api::compress,
);

/// SHA-256's initial state and block function, for [`kdf`].
pub const SHA256: (&[u32; 8], Compress<8>) = (
    &[
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ],
    sha2::block_api::compress256,
);

/// Replaces `digest` (the hash's whole output, 4·W bytes) by its own hash, `times` times: a
/// message that short is one block, padded as FIPS 180-4 section 5.1.1 says.
fn rehash<const W: usize>(iv: &[u32; W], compress: Compress<W>, digest: &mut [u8], times: u64) {
    let n = 4 * W;
    let mut block = [0u8; 64];
    block[..n].copy_from_slice(&digest[..n]);
    block[n] = 0x80;
    block[56..].copy_from_slice(&(8 * n as u64).to_be_bytes());
    for _ in 0..times {
        let mut state = *iv;
        compress(&mut state, std::slice::from_ref(&block));
        for (out, word) in block[..n].chunks_exact_mut(4).zip(state) {
            out.copy_from_slice(&word.to_be_bytes());
        }
    }
    digest[..n].copy_from_slice(&block[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7292 appendix B.2 as the digest API writes it, every round through `Digest`: what
    /// [`kdf`] computed before its rounds went through `compress` directly.
    fn kdf_by_digest<D: Digest + sha2::digest::common::BlockSizeUser>(
        password: &[u8],
        salt: &[u8],
        rounds: u64,
        id: u8,
        len: usize,
    ) -> Vec<u8> {
        let v = <D as sha2::digest::common::BlockSizeUser>::block_size();
        let fill = |s: &[u8]| -> Vec<u8> {
            let n = v * s.len().div_ceil(v);
            s.iter().cycle().take(n).copied().collect()
        };
        let (mut i, mut out) = ([fill(salt), fill(password)].concat(), Vec::new());
        while out.len() < len {
            let mut a = D::new()
                .chain_update(vec![id; v])
                .chain_update(&i)
                .finalize();
            for _ in 1..rounds {
                a = D::digest(&a);
            }
            out.extend_from_slice(&a[..a.len().min(len - out.len())]);
            let b: Vec<u8> = a.iter().cycle().take(v).copied().collect();
            for chunk in i.chunks_mut(v) {
                let mut carry = 1u16;
                for k in (0..v).rev() {
                    let s = chunk[k] as u16 + b[k] as u16 + carry;
                    (chunk[k], carry) = (s as u8, s >> 8);
                }
            }
        }
        out
    }

    #[test]
    fn pbkdf2_by_compress_matches_the_pbkdf2_crate() {
        let long = [0x41u8; 100];
        for (password, salt, rounds, len) in [
            (&b"Hardened-KS-47"[..], &[0x5a; 16][..], 10_000, 32),
            (b"password", b"salt", 1, 20),
            (b"password", b"salt", 2, 64),
            (b"", b"", 3, 48),
            (&[0x42u8; 64][..], b"NaCl", 17, 33),
            (
                &long[..],
                b"a longer salt, more than one block of sixty-four bytes long....",
                5,
                70,
            ),
        ] {
            let mut want = vec![0u8; len];
            pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, rounds, &mut want);
            let mut got = vec![0u8; len];
            super::pbkdf2::<Sha256, 8>(SHA256, (password, salt), rounds, &mut got);
            assert_eq!(got, want, "SHA-256, {rounds} rounds, {len} bytes");
            pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, rounds, &mut want);
            super::pbkdf2::<Sha1, 5>(SHA1, (password, salt), rounds, &mut got);
            assert_eq!(got, want, "SHA-1, {rounds} rounds, {len} bytes");
        }
        // RFC 6070's second vector (PBKDF2-HMAC-SHA1, 2 rounds).
        let mut got = [0u8; 20];
        super::pbkdf2::<Sha1, 5>(SHA1, (b"password", b"salt"), 2, &mut got);
        let hex: String = got.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    }

    #[test]
    fn the_pkcs12_kdf_rounds_match_the_digest_api() {
        // "Hardened-KS-47" as a BMPString with its terminator, as verify_mac passes it.
        let pw: Vec<u8> = "Hardened-KS-47"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .chain([0, 0])
            .collect();
        let salt = [0x5a; 20];
        for (rounds, id, len) in [
            (1, 1, 24),
            (2, 2, 8),
            (3, 3, 20),
            (2048, 1, 24),
            (10_000, 3, 32),
        ] {
            let want = kdf_by_digest::<Sha1>(&pw, &salt, rounds, id, len);
            let got = kdf::<Sha1, 5>(SHA1, (&pw, &salt), rounds, id, len);
            assert_eq!(got, want, "SHA-1, {rounds} rounds, id {id}, {len} bytes");
            let want = kdf_by_digest::<Sha256>(&pw, &salt, rounds, id, len.max(33));
            let got = kdf::<Sha256, 8>(SHA256, (&pw, &salt), rounds, id, len.max(33));
            assert_eq!(got, want, "SHA-256, {rounds} rounds, id {id}");
        }
    }
}
