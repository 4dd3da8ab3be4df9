//! A minimal DER reader: just enough to walk PKCS#12 structures, bounded by the input slice.

/// One tag-length-value element.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub body: &'a [u8],
}

pub type Res<T> = Result<T, String>;

/// Reads one element from the front of `input`, returning it and the rest.
pub fn read(input: &[u8]) -> Res<(Tlv<'_>, &[u8])> {
    let tag = *input.first().ok_or("truncated DER: no tag")?;
    if tag & 0x1f == 0x1f {
        return Err("unsupported DER: multi-byte tag".into());
    }
    let first = *input.get(1).ok_or("truncated DER: no length")?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err("unsupported DER: indefinite or huge length".into());
        }
        let bytes = input.get(2..2 + n).ok_or("truncated DER length")?;
        (
            bytes.iter().fold(0usize, |a, b| (a << 8) | *b as usize),
            2 + n,
        )
    };
    let end = header
        .checked_add(len)
        .filter(|e| *e <= input.len())
        .ok_or("truncated DER: element longer than its container")?;
    let tlv = Tlv {
        tag,
        body: &input[header..end],
    };
    Ok((tlv, &input[end..]))
}

/// Reads one element and checks its tag.
pub fn expect(input: &[u8], tag: u8) -> Res<(Tlv<'_>, &[u8])> {
    let (tlv, rest) = read(input)?;
    if tlv.tag != tag {
        return Err(format!(
            "unexpected DER tag {:#04x}, wanted {tag:#04x}",
            tlv.tag
        ));
    }
    Ok((tlv, rest))
}

/// All elements of a SEQUENCE or SET body.
pub fn children(mut body: &[u8]) -> Res<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let (tlv, rest) = read(body)?;
        out.push(tlv);
        body = rest;
    }
    Ok(out)
}

/// The bytes of an OCTET STRING, primitive (0x04, or implicit 0x80) or constructed (0x24, 0xa0).
pub fn octets(tlv: &Tlv<'_>) -> Res<Vec<u8>> {
    match tlv.tag {
        0x04 | 0x80 => Ok(tlv.body.to_vec()),
        0x24 | 0xa0 => {
            let mut out = Vec::new();
            for part in children(tlv.body)? {
                out.extend(octets(&part)?);
            }
            Ok(out)
        }
        t => Err(format!("expected an OCTET STRING, found tag {t:#04x}")),
    }
}

/// A small non-negative INTEGER.
pub fn uint(tlv: &Tlv<'_>) -> Res<u64> {
    if tlv.tag != 0x02 || tlv.body.len() > 8 || tlv.body.first().is_some_and(|b| b & 0x80 != 0) {
        return Err("expected a small non-negative INTEGER".into());
    }
    Ok(tlv.body.iter().fold(0u64, |a, b| (a << 8) | *b as u64))
}

/// An OBJECT IDENTIFIER in dotted form.
pub fn oid(tlv: &Tlv<'_>) -> Res<String> {
    if tlv.tag != 0x06 || tlv.body.is_empty() {
        return Err("expected an OBJECT IDENTIFIER".into());
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for b in tlv.body {
        acc = acc.checked_mul(128).ok_or("OID arc too large")? | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.extend([first, acc - first * 40]);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    Ok(arcs
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("."))
}

/// The explicit `[0]` wrapper's single child.
pub fn explicit0<'a>(tlv: &Tlv<'a>) -> Res<Tlv<'a>> {
    if tlv.tag != 0xa0 {
        return Err(format!("expected [0], found tag {:#04x}", tlv.tag));
    }
    Ok(read(tlv.body)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_oids_and_lengths() {
        // 1.2.840.113549.1.12.10.1.3 (certBag)
        let bytes = [
            0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
        ];
        let (t, rest) = read(&bytes).unwrap();
        assert!(rest.is_empty());
        assert_eq!(oid(&t).unwrap(), "1.2.840.113549.1.12.10.1.3");
        assert!(read(&[0x30, 0x82, 0x01]).is_err());
        assert!(read(&[0x30, 0x05, 0x00]).is_err());
        let (t, _) = read(&[0x02, 0x02, 0x27, 0x10]).unwrap();
        assert_eq!(uint(&t).unwrap(), 10000);
    }
}
