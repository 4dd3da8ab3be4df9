//! Java KeyStore (JKS, and JCEKS for its key and certificate entries): entries, the keyed
//! SHA-1 integrity digest, and private keys recovered as the JDK's KeyProtectors do (JKS:
//! sun.security.provider; JCEKS: com.sun.crypto.provider).

use super::der;
use super::{Entry, EntryKind, Format, Store};
use md5::Md5;
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

pub const JKS_MAGIC: [u8; 4] = [0xfe, 0xed, 0xfe, 0xed];
pub const JCEKS_MAGIC: [u8; 4] = [0xce, 0xce, 0xce, 0xce];
/// More entries than any real keystore holds; a count above this is a corrupt file.
const MAX_ENTRIES: u32 = 100_000;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or("truncated keystore")?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_be_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_be_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn utf(&mut self) -> Result<String, String> {
        let n = self.u16()? as usize;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
    fn blob(&mut self) -> Result<&'a [u8], String> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    /// A certificate: its type name (version 2 only) and DER bytes.
    fn cert(&mut self, version: u32) -> Result<Vec<u8>, String> {
        if version == 2 {
            let ty = self.utf()?;
            if ty != "X.509" {
                return Err(format!("certificate type {ty} is not X.509"));
            }
        }
        Ok(self.blob()?.to_vec())
    }
}

/// Parses a JKS/JCEKS keystore and checks its digest against `password` when one is given.
pub fn parse(bytes: &[u8], password: Option<&str>) -> Result<Store, String> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let format = match r.take(4)? {
        m if m == JKS_MAGIC => Format::Jks,
        m if m == JCEKS_MAGIC => Format::Jceks,
        _ => return Err("not a JKS keystore".into()),
    };
    let version = r.u32()?;
    if version != 1 && version != 2 {
        return Err(format!("unsupported JKS version {version}"));
    }
    let count = r.u32()?;
    if count > MAX_ENTRIES {
        return Err(format!("implausible entry count {count}"));
    }
    let mut entries = Vec::new();
    for _ in 0..count {
        entries.push(entry(&mut r, version)?);
    }
    let body_end = r.pos;
    let stored = r.take(20)?;
    let opens = password.map(|p| digest(p, &bytes[..body_end]).as_slice() == stored);
    Ok(Store {
        format,
        opens: opens.ok_or_else(|| "no password to check".to_string()),
        verified_by: "jks-digest".into(),
        entries,
        certs_note: None,
    })
}

fn entry(r: &mut Reader<'_>, version: u32) -> Result<Entry, String> {
    let tag = r.u32()?;
    let alias = r.utf()?;
    r.take(8)?; // creation time
    match tag {
        1 => {
            // The protected private key: decrypted only when a rule needs it.
            let protected = r.blob()?.to_vec();
            let chain = r.u32()?;
            let mut certs = Vec::new();
            for _ in 0..chain.min(MAX_ENTRIES) {
                certs.push(r.cert(version)?);
            }
            Ok(Entry {
                alias,
                kind: EntryKind::PrivateKey,
                cert: certs.into_iter().next(),
                protected_key: Some(protected),
            })
        }
        2 => Ok(Entry {
            alias,
            kind: EntryKind::TrustedCert,
            cert: Some(r.cert(version)?),
            protected_key: None,
        }),
        3 => Err(format!(
            "entry `{alias}` is a JCEKS secret key entry, which preflight does not read"
        )),
        t => Err(format!("unknown entry tag {t} for `{alias}`")),
    }
}

/// SHA-1 over the password as UTF-16BE, "Mighty Aphrodite", and the keystore body.
pub fn digest(password: &str, body: &[u8]) -> [u8; 20] {
    let mut h = Sha1::new();
    for unit in password.encode_utf16() {
        h.update(unit.to_be_bytes());
    }
    h.update(b"Mighty Aphrodite");
    h.update(body);
    h.finalize().into()
}

/// The JDK's proprietary key protection (OpenJDK `sun.security.provider.KeyProtector`).
const KEY_PROTECTOR: &str = "1.3.6.1.4.1.42.2.17.1.1";

/// Recovers the PKCS#8 PrivateKeyInfo from a JKS key entry's EncryptedPrivateKeyInfo, as
/// OpenJDK's `sun.security.provider.KeyProtector.recover` does: the data is a 20-byte salt, the
/// key XORed with a stream of SHA-1(password ‖ previous digest) blocks starting from the salt,
/// and SHA-1(password ‖ key) to check the password (the password as UTF-16BE bytes).
pub fn recover_key(protected: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let (epki, _) = der::expect(protected, 0x30)?;
    let kids = der::children(epki.body)?;
    let alg = der::children(kids.first().ok_or("empty EncryptedPrivateKeyInfo")?.body)?;
    let id = der::oid(alg.first().ok_or("empty key protection algorithm")?)?;
    if id != KEY_PROTECTOR {
        return Err(format!("key protection {id} is not supported"));
    }
    let data = der::octets(kids.get(1).ok_or("no encrypted key")?)?;
    if data.len() < 41 {
        return Err("the protected key is too short".into());
    }
    let (salt, rest) = data.split_at(20);
    let (encrypted, check) = rest.split_at(rest.len() - 20);
    let pw: Zeroizing<Vec<u8>> =
        Zeroizing::new(password.encode_utf16().flat_map(u16::to_be_bytes).collect());
    let mut key = Zeroizing::new(Vec::with_capacity(encrypted.len()));
    let mut digest: [u8; 20] = salt.try_into().expect("20 bytes");
    for chunk in encrypted.chunks(20) {
        digest = Sha1::new()
            .chain_update(&*pw)
            .chain_update(digest)
            .finalize()
            .into();
        key.extend(chunk.iter().zip(digest).map(|(c, d)| c ^ d));
    }
    let expected: [u8; 20] = Sha1::new()
        .chain_update(&*pw)
        .chain_update(&*key)
        .finalize()
        .into();
    if expected != check {
        return Err("wrong key password (the key's check digest does not match)".into());
    }
    Ok(key)
}

/// Sun's JCEKS key protection, PBEWithMD5AndTripleDES (OID 1.3.6.1.4.1.42.2.19.1).
const JCEKS_KEY_PROTECTOR: &str = "1.3.6.1.4.1.42.2.19.1";
/// More PBE rounds than any keytool writes (it uses 200,000 at most); a bound on a crafted file.
const MAX_JCEKS_ROUNDS: u64 = 10_000_000;

/// Recovers a JCEKS private key as OpenJDK's `com.sun.crypto.provider.KeyProtector.recover`
/// does: EncryptedPrivateKeyInfo with PBEWithMD5AndTripleDES, whose key and IV come from
/// `PBES1Core.deriveCipherKey` (each salt half, the first reversed when both are equal, hashed
/// `rounds` times as MD5(previous ‖ password); 24 key bytes and 8 IV bytes), then DESede/CBC
/// with PKCS#5 padding. The password is its ASCII bytes, as `com.sun.crypto.provider.PBEKey`
/// takes it. A wrong password shows as bad padding or a result that is not PKCS#8.
pub fn recover_jceks_key(protected: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let (epki, _) = der::expect(protected, 0x30)?;
    let kids = der::children(epki.body)?;
    let alg = der::children(kids.first().ok_or("empty EncryptedPrivateKeyInfo")?.body)?;
    let id = der::oid(alg.first().ok_or("empty key protection algorithm")?)?;
    if id != JCEKS_KEY_PROTECTOR {
        return Err(format!("JCEKS key protection {id} is not supported"));
    }
    let params = der::children(alg.get(1).ok_or("PBE without parameters")?.body)?;
    let mut salt = der::octets(params.first().ok_or("PBE without salt")?)?;
    let rounds = der::uint(params.get(1).ok_or("PBE without iterations")?)?;
    if salt.len() != 8 || rounds == 0 || rounds > MAX_JCEKS_ROUNDS {
        return Err(format!(
            "PBE salt of {} bytes or {rounds} rounds",
            salt.len()
        ));
    }
    if !password.chars().all(|c| (' '..='~').contains(&c)) {
        return Err("JCEKS key passwords are printable ASCII".into());
    }
    if salt[..4] == salt[4..] {
        salt[..4].reverse();
    }
    let mut derived = Zeroizing::new([0u8; 32]);
    for (half, out) in salt.chunks(4).zip(derived.chunks_mut(16)) {
        let mut h = half.to_vec();
        for _ in 0..rounds {
            h = Md5::new()
                .chain_update(&h)
                .chain_update(password.as_bytes())
                .finalize()
                .to_vec();
        }
        out.copy_from_slice(&h);
    }
    let encrypted = der::octets(kids.get(1).ok_or("no encrypted key")?)?;
    let mut buf = Zeroizing::new(encrypted);
    let len = cbc::Decryptor::<des::TdesEde3>::new_from_slices(&derived[..24], &derived[24..])
        .map_err(|_| "bad 3DES key or IV length")?
        .decrypt_padded::<Pkcs7>(&mut buf)
        .map_err(|_| "wrong key password (bad padding)".to_string())?
        .len();
    buf.truncate(len);
    // PKCS#8 PrivateKeyInfo: a SEQUENCE that starts with INTEGER 0.
    match der::expect(&buf, 0x30).map(|(t, _)| der::children(t.body)) {
        Ok(Ok(kids)) if kids.first().is_some_and(|v| v.tag == 0x02) => Ok(buf),
        _ => Err("wrong key password (the result is not a PKCS#8 key)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a version-2 JKS with one trusted certificate entry (the "cert" is arbitrary bytes).
    pub fn tiny_jks(password: &str) -> Vec<u8> {
        let mut b = JKS_MAGIC.to_vec();
        b.extend(2u32.to_be_bytes());
        b.extend(1u32.to_be_bytes());
        b.extend(2u32.to_be_bytes());
        b.extend(5u16.to_be_bytes());
        b.extend(b"alias");
        b.extend(0u64.to_be_bytes());
        b.extend(5u16.to_be_bytes());
        b.extend(b"X.509");
        b.extend(3u32.to_be_bytes());
        b.extend([1, 2, 3]);
        let d = digest(password, &b);
        b.extend(d);
        b
    }

    #[test]
    fn digest_checks_the_password() {
        let b = tiny_jks("s3cret");
        let s = parse(&b, Some("s3cret")).unwrap();
        assert_eq!(s.opens, Ok(true));
        assert_eq!(s.entries[0].alias, "alias");
        assert_eq!(s.entries[0].cert.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(parse(&b, Some("wrong")).unwrap().opens, Ok(false));
        assert!(parse(&b[..b.len() - 25], Some("s3cret")).is_err());
    }
}
