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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
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

/// A derived key (zeroed when dropped).
type Key = Zeroizing<Vec<u8>>;

type Slot = Arc<OnceLock<Key>>;

/// An [`Input`] kept beyond the call that asked for it.
struct Owned {
    scheme: Scheme,
    password: Zeroizing<Vec<u8>>,
    salt: Vec<u8>,
    rounds: u64,
    len: usize,
}

impl Owned {
    fn of(i: &Input<'_>) -> Owned {
        Owned {
            scheme: i.scheme,
            password: Zeroizing::new(i.password.to_vec()),
            salt: i.salt.to_vec(),
            rounds: i.rounds,
            len: i.len,
        }
    }

    /// Every field, for a total order.
    fn order(&self) -> (&[u8], usize, u64, Scheme, &[u8]) {
        (
            &self.salt,
            self.len,
            self.rounds,
            self.scheme,
            &self.password,
        )
    }

    fn input(&self) -> Input<'_> {
        Input {
            scheme: self.scheme,
            password: &self.password,
            salt: &self.salt,
            rounds: self.rounds,
            len: self.len,
        }
    }
}

struct Entry {
    input: Owned,
    key: Slot,
}

/// Where a keystore's parser gets its keys: the run's [`Derivations`], or a [`Plan`] that only
/// notes which it would need.
pub trait Keys {
    fn key(&self, purpose: Purpose, input: Input<'_>) -> Zeroizing<Vec<u8>>;
}

/// The keys a parse asked for, noted instead of derived (each is answered with zeros, which
/// open nothing): what [`Derivations::prepare`] then derives before the real parse.
#[derive(Default)]
pub struct Plan(Mutex<Vec<(Purpose, Owned)>>);

impl Keys for Plan {
    fn key(&self, purpose: Purpose, input: Input<'_>) -> Zeroizing<Vec<u8>> {
        if let Ok(mut noted) = self.0.lock()
            && !noted.iter().any(|(_, o)| o.input() == input)
        {
            noted.push((purpose, Owned::of(&input)));
        }
        Zeroizing::new(vec![0; input.len])
    }
}

impl Keys for Derivations {
    fn key(&self, purpose: Purpose, input: Input<'_>) -> Zeroizing<Vec<u8>> {
        Derivations::key(self, purpose, input)
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
            self.note(purpose, &input);
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
        if let Some(e) = keys.iter().find(|e| e.input.input() == *input) {
            return Some(Arc::clone(&e.key));
        }
        let key = Slot::default();
        keys.push(Entry {
            input: Owned::of(input),
            key: Arc::clone(&key),
        });
        Some(key)
    }

    fn note(&self, purpose: Purpose, input: &Input<'_>) {
        if let Ok(mut log) = self.log.lock() {
            log.push(Done {
                purpose,
                scheme: input.scheme,
                salt: input.salt.to_vec(),
            });
        }
    }

    /// Derives every key `plan` noted, two at a time on this thread where [`run_pair`] can:
    /// the keys of one file (its MAC key, certificate bag, key bag) depend on nothing but its
    /// structure and password, so they are known before any is derived.
    pub fn prepare(&self, plan: Plan) {
        let mut todo = plan.0.into_inner().unwrap_or_default();
        // One order over every input, the same on every thread: a pair's thread holds its
        // first key's slot while it fills the second's, so every wait is for a later slot in
        // this order, and no two threads can each hold what the other waits for.
        todo.sort_by(|(_, a), (_, b)| a.order().cmp(&b.order()));
        for pair in todo.chunks(2) {
            match pair {
                [(pa, a), (pb, b)] => self.pair((*pa, a.input()), (*pb, b.input())),
                [(p, a)] => drop(self.key(*p, a.input())),
                _ => {}
            }
        }
    }

    /// Both keys, derived together by [`run_pair`] unless one is there already.
    fn pair(&self, (pa, a): (Purpose, Input<'_>), (pb, b): (Purpose, Input<'_>)) {
        if let (Some(sa), Some(sb)) = (self.slot(&a), self.slot(&b))
            && sa.get().is_none()
            && sb.get().is_none()
        {
            sa.get_or_init(|| {
                self.note(pa, &a);
                match run_pair(&a, &b) {
                    Some((ka, kb)) => {
                        if sb.set(kb).is_ok() {
                            self.note(pb, &b);
                        }
                        ka
                    }
                    None => run(&a),
                }
            });
        }
        // What the pair did not derive (a scheme it cannot pair, a key another thread was
        // deriving) is derived, or waited for, here.
        drop(self.key(pa, a));
        drop(self.key(pb, b));
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

/// Two derivations at once on this thread, their hashes alternated: each hash waits on its
/// own SHA instructions' results, and the other derivation's hash fills those gaps (1.2× for
/// a PBKDF2 beside a MAC key, 1.25× for two PBKDF2s here: docs/PERFORMANCE.md). `None` unless
/// both are one output block of SHA-1 or SHA-256 (every key of a PKCS#12 file the JDK writes).
fn run_pair(a: &Input<'_>, b: &Input<'_>) -> Option<(Key, Key)> {
    use OneBlock::{Sha1 as S1, Sha256 as S2};
    Some(match (one_block(a)?, one_block(b)?) {
        (S2(mut x), S2(mut y)) => alternate(&mut x, &mut y, (a.len, b.len)),
        (S1(mut x), S1(mut y)) => alternate(&mut x, &mut y, (a.len, b.len)),
        (S1(mut x), S2(mut y)) => alternate(&mut x, &mut y, (a.len, b.len)),
        (S2(mut x), S1(mut y)) => alternate(&mut x, &mut y, (a.len, b.len)),
    })
}

/// Runs both derivations to their end, one hash of each in turn (PBKDF2's inner and outer
/// hashes are two turns), and returns their keys. Static calls, not `dyn`: 19% faster for two
/// PBKDF2s than whole rounds through `Box<dyn>` (docs/PERFORMANCE.md, ninth session).
fn alternate<const A: usize, const B: usize>(
    x: &mut Rounds<A>,
    y: &mut Rounds<B>,
    (lx, ly): (usize, usize),
) -> (Key, Key) {
    loop {
        let more = x.step();
        if !(y.step() || more) {
            break;
        }
    }
    (x.key(lx), y.key(ly))
}

/// The remaining rounds of a derivation whose key is one output block of SHA-1 or SHA-256.
enum OneBlock {
    Sha1(Rounds<5>),
    Sha256(Rounds<8>),
}

/// The rounds of a derivation whose key is one output block, after its first hash.
fn one_block(i: &Input<'_>) -> Option<OneBlock> {
    let r = i.rounds.saturating_sub(1);
    Some(match i.scheme {
        Scheme::Pkcs12Sha1(id) if i.len <= 20 => {
            let first = kdf_first::<Sha1>((i.password, i.salt), id);
            OneBlock::Sha1(Rounds::rehash(SHA1, &first, r))
        }
        Scheme::Pkcs12Sha256(id) if i.len <= 32 => {
            let first = kdf_first::<Sha256>((i.password, i.salt), id);
            OneBlock::Sha256(Rounds::rehash(SHA256, &first, r))
        }
        Scheme::Pbkdf2Sha1 if i.len <= 20 => {
            OneBlock::Sha1(Rounds::<5>::hmac::<Sha1>(SHA1, (i.password, i.salt), 0, r)?)
        }
        Scheme::Pbkdf2Sha256 if i.len <= 32 => OneBlock::Sha256(Rounds::<8>::hmac::<Sha256>(
            SHA256,
            (i.password, i.salt),
            0,
            r,
        )?),
        _ => return None,
    })
}

/// One output block's rounds after its first hash: RFC 7292's rehashing of the digest (one
/// `compress` a round), or PBKDF2's HMAC of the previous U (two, on states keyed once) and
/// the XOR of every U. Each round is one padded block through `compress`, the function
/// sha1/sha2 run (with SHA-NI where the CPU has it), without the digest API's buffering,
/// padding and reset per call (a third of PBKDF2's time, 5% of RFC 7292's:
/// docs/PERFORMANCE.md).
struct Rounds<const W: usize> {
    compress: Compress<W>,
    /// The state each round starts from: the hash's IV, or PBKDF2's inner keyed state.
    start: [u32; W],
    /// PBKDF2's outer keyed state.
    outer: Option<[u32; W]>,
    /// The last round's output (4·W bytes), padded as a one-block message.
    block: Zeroizing<[u8; 64]>,
    /// PBKDF2's XOR of every round's output.
    sum: Option<Zeroizing<[u8; 64]>>,
    left: u64,
    /// PBKDF2: this round's inner hash is done, its outer one is next.
    halfway: bool,
}

impl<const W: usize> Rounds<W> {
    fn padded(first: &[u8], message_bytes: usize) -> Zeroizing<[u8; 64]> {
        let n = 4 * W;
        let mut block = Zeroizing::new([0u8; 64]);
        block[..n].copy_from_slice(&first[..n]);
        block[n] = 0x80;
        block[56..].copy_from_slice(&(8 * message_bytes as u64).to_be_bytes());
        block
    }

    /// RFC 7292 appendix B.2's rounds after the first: the digest hashed `left` more times.
    fn rehash((iv, compress): (&[u32; W], Compress<W>), first: &[u8], left: u64) -> Self {
        Rounds {
            compress,
            start: *iv,
            outer: None,
            block: Self::padded(first, 4 * W),
            sum: None,
            left,
            halfway: false,
        }
    }

    /// PBKDF2's block `index` (from 0) after U1, with HMAC over a hash of 64-byte blocks
    /// (RFC 8018 section 5.2). U1 goes through the `hmac` crate.
    fn hmac<D>(
        (iv, compress): (&[u32; W], Compress<W>),
        (password, salt): (&[u8], &[u8]),
        index: u32,
        left: u64,
    ) -> Option<Self>
    where
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
            let block: Zeroizing<[u8; 64]> = Zeroizing::new(std::array::from_fn(|k| key[k] ^ pad));
            compress(&mut state, std::slice::from_ref(&*block));
            state
        };
        let mac = <hmac::SimpleHmac<D> as KeyInit>::new_from_slice(password).ok()?;
        let u1 = mac
            .chain_update(salt)
            .chain_update((index + 1).to_be_bytes())
            .finalize()
            .into_bytes();
        let block = Self::padded(&u1, 64 + 4 * W);
        Some(Rounds {
            compress,
            start: keyed(0x36),
            outer: Some(keyed(0x5c)),
            sum: Some(block.clone()),
            block,
            left,
            halfway: false,
        })
    }

    fn hash_block(&mut self, state: [u32; W]) {
        let mut s = state;
        (self.compress)(&mut s, std::slice::from_ref(&*self.block));
        for (b, word) in self.block[..4 * W].chunks_exact_mut(4).zip(s) {
            b.copy_from_slice(&word.to_be_bytes());
        }
    }

    fn output(&self) -> &[u8] {
        &self.sum.as_ref().unwrap_or(&self.block)[..4 * W]
    }

    fn finish(mut self) -> Zeroizing<Vec<u8>> {
        while self.step() {}
        Zeroizing::new(self.output().to_vec())
    }

    /// Runs one hash: a round of RFC 7292, half a round of PBKDF2. False once none is left.
    fn step(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        match self.outer {
            Some(_) if !self.halfway => {
                self.hash_block(self.start);
                self.halfway = true;
                return true;
            }
            Some(outer) => self.hash_block(outer),
            None => self.hash_block(self.start),
        }
        self.halfway = false;
        self.left -= 1;
        if let Some(sum) = &mut self.sum {
            let n = 4 * W;
            sum[..n]
                .iter_mut()
                .zip(&self.block[..n])
                .for_each(|(t, u)| *t ^= u);
        }
        true
    }

    /// The first `len` bytes of the output block.
    fn key(&self, len: usize) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.output()[..len].to_vec())
    }
}

/// RFC 7292 appendix B.2's `I`: salt and password each repeated to a whole number of blocks.
fn kdf_i(v: usize, (password, salt): (&[u8], &[u8])) -> Zeroizing<Vec<u8>> {
    let fill = |s: &[u8]| -> Vec<u8> {
        if s.is_empty() {
            return Vec::new();
        }
        let n = v * s.len().div_ceil(v);
        s.iter().cycle().take(n).copied().collect()
    };
    Zeroizing::new([fill(salt), fill(password)].concat())
}

/// The first hash of an RFC 7292 output block: H(D || I), D the diversifier ID repeated.
fn first_hash<D: Digest + sha2::digest::common::BlockSizeUser>(i: &[u8], id: u8) -> Vec<u8> {
    let v = <D as sha2::digest::common::BlockSizeUser>::block_size();
    D::new()
        .chain_update(vec![id; v])
        .chain_update(i)
        .finalize()
        .to_vec()
}

/// [`first_hash`] of the first output block.
fn kdf_first<D: Digest + sha2::digest::common::BlockSizeUser>(
    input: (&[u8], &[u8]),
    id: u8,
) -> Zeroizing<Vec<u8>> {
    let v = <D as sha2::digest::common::BlockSizeUser>::block_size();
    Zeroizing::new(first_hash::<D>(&kdf_i(v, input), id))
}

/// RFC 7292 appendix B.2 key derivation.
pub fn kdf<D: Digest + sha2::digest::common::BlockSizeUser, const W: usize>(
    hash: (&[u32; W], Compress<W>),
    (password, salt): (&[u8], &[u8]),
    rounds: u64,
    id: u8,
    len: usize,
) -> Vec<u8> {
    let v = <D as sha2::digest::common::BlockSizeUser>::block_size();
    let u = <D as Digest>::output_size();
    let mut i = kdf_i(v, (password, salt));
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let first = Zeroizing::new(first_hash::<D>(&i, id));
        let a = Rounds::rehash(hash, &first[..u], rounds.saturating_sub(1)).finish();
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

/// PBKDF2 with HMAC over a hash of 64-byte blocks (RFC 8018 section 5.2), block by block
/// through [`Rounds`].
pub fn pbkdf2<D, const W: usize>(
    hash: (&[u32; W], Compress<W>),
    input: (&[u8], &[u8]),
    rounds: u32,
    out: &mut [u8],
) where
    D: Digest + sha2::digest::common::BlockSizeUser + Clone,
    hmac::SimpleHmac<D>: hmac::KeyInit + hmac::Mac,
{
    let left = u64::from(rounds.saturating_sub(1));
    for (index, chunk) in out.chunks_mut(4 * W).enumerate() {
        let Some(block) = Rounds::<W>::hmac::<D>(hash, input, index as u32, left) else {
            return;
        };
        chunk.copy_from_slice(&block.finish()[..chunk.len()]);
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

    /// A password as a BMPString with its terminator, as verify_mac passes it to RFC 7292.
    fn bmp(password: &str) -> Vec<u8> {
        password
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .chain([0, 0])
            .collect()
    }

    #[test]
    fn keys_derived_in_pairs_are_the_keys_derived_alone() {
        let pw = bmp("Hardened-KS-47");
        let input = |scheme, salt: &'static [u8], rounds, len| Input {
            scheme,
            password: if matches!(scheme, Scheme::Pkcs12Sha1(_) | Scheme::Pkcs12Sha256(_)) {
                &pw
            } else {
                b"Hardened-KS-47"
            },
            salt,
            rounds,
            len,
        };
        // A MAC key beside a PBKDF2 key with twice the rounds' work, SHA-1 beside SHA-256,
        // unequal rounds, one round, a key shorter than the block.
        let cases = [
            (
                input(Scheme::Pkcs12Sha256(3), &[1; 20], 10_000, 32),
                input(Scheme::Pbkdf2Sha256, &[2; 16], 10_000, 32),
            ),
            (
                input(Scheme::Pbkdf2Sha1, &[3; 8], 2048, 20),
                input(Scheme::Pkcs12Sha1(3), &[4; 8], 1, 20),
            ),
            (
                input(Scheme::Pbkdf2Sha256, &[5; 16], 7, 16),
                input(Scheme::Pbkdf2Sha256, &[6; 16], 3, 24),
            ),
        ];
        for (a, b) in &cases {
            let (ka, kb) = run_pair(a, b).expect("both are one block");
            assert_eq!(
                (ka, kb),
                (run(a), run(b)),
                "{:?} with {:?}",
                a.scheme,
                b.scheme
            );
        }
        // Two blocks, or a hash without a compress of its own: derived alone.
        let long = input(Scheme::Pbkdf2Sha1, &[7; 8], 5, 32);
        assert!(run_pair(&long, &cases[0].0).is_none());
        let sha512 = input(Scheme::Pbkdf2Sha512, &[8; 8], 5, 32);
        assert!(run_pair(&cases[0].0, &sha512).is_none());
    }

    #[test]
    fn prepared_keys_are_derived_once_and_served_from_the_cache() {
        let d = Derivations::default();
        let plan = Plan::default();
        let salts: [&[u8]; 3] = [&[1; 16], &[2; 16], &[3; 16]];
        let input = |salt| Input {
            scheme: Scheme::Pbkdf2Sha256,
            password: b"pw",
            salt,
            rounds: 100,
            len: 32,
        };
        for (salt, purpose) in salts
            .iter()
            .zip([Purpose::Mac, Purpose::CertBag, Purpose::KeyBag])
        {
            // A plan answers with zeros and notes each input once.
            assert_eq!(*plan.key(purpose, input(salt)), vec![0; 32]);
            plan.key(purpose, input(salt));
        }
        d.prepare(plan);
        let done = d.performed();
        assert_eq!(done.len(), 3, "{done:?}");
        for salt in salts {
            assert_eq!(
                Derivations::key(&d, Purpose::Mac, input(salt)),
                run(&input(salt))
            );
        }
        assert_eq!(d.performed(), done, "asked again, nothing is derived again");
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
        let pw = bmp("Hardened-KS-47");
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
