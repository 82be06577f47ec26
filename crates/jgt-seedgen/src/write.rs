//! Writes the seed CSVs: the three raw tables, repeated once per `--scale`
//! copy with shifted ids and suffixed e-mails, and the two hand-kept merge
//! seeds.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::clock;
use crate::model::{Dataset, EVENTS, GAGGLES, ID_BASE, USERS};
use crate::planted;

/// One file written, and how many data rows (header excluded) it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The file's name inside the output directory.
    pub file: &'static str,
    /// Data rows, header excluded.
    pub rows: u64,
}

/// Writes all seed files for `scale` copies of `data` into `dir`, which must
/// exist.
pub fn write_all(data: &Dataset, scale: u64, dir: &Path) -> Result<Vec<Written>> {
    let files: [(&'static str, WriteFn); 5] = [
        ("raw_gaggle.csv", write_gaggles),
        ("raw_user.csv", write_users),
        ("raw_event.csv", write_events),
        ("merged_user.csv", write_merged_users),
        ("merged_company_domain.csv", write_merged_domains),
    ];
    let mut written = Vec::with_capacity(files.len());
    for (file, write) in files {
        let path = dir.join(file);
        let handle =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, handle);
        let rows = write(data, scale, &mut out)
            .and_then(|rows| out.flush().map(|()| rows))
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(Written { file, rows });
    }
    Ok(written)
}

/// Writes one file's rows, returning how many.
type WriteFn = fn(&Dataset, u64, &mut dyn Write) -> std::io::Result<u64>;

/// `raw_gaggle.csv`: `id,name,created_at`.
fn write_gaggles(data: &Dataset, scale: u64, out: &mut dyn Write) -> std::io::Result<u64> {
    out.write_all(b"id,name,created_at\n")?;
    let times: Vec<[u8; 19]> = data
        .gaggles
        .iter()
        .map(|g| clock::format(g.created_at))
        .collect();
    for copy in 0..scale {
        let first_id = ID_BASE + copy * GAGGLES as u64;
        for (i, (gaggle, time)) in data.gaggles.iter().zip(&times).enumerate() {
            put_u64(out, first_id + i as u64)?;
            out.write_all(b",")?;
            if copy == 0 {
                put_field(out, &gaggle.name)?;
            } else {
                put_field(out, &format!("{} {}", gaggle.name, copy + 1))?;
            }
            out.write_all(b",")?;
            out.write_all(time)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(scale * data.gaggles.len() as u64)
}

/// `raw_user.csv`: `id,name,email,gaggle_id,created_at`.
fn write_users(data: &Dataset, scale: u64, out: &mut dyn Write) -> std::io::Result<u64> {
    out.write_all(b"id,name,email,gaggle_id,created_at\n")?;
    let times: Vec<[u8; 19]> = data
        .users
        .iter()
        .map(|u| clock::format(u.created_at))
        .collect();
    for copy in 0..scale {
        let first_id = ID_BASE + copy * USERS as u64;
        let first_gaggle = ID_BASE + copy * GAGGLES as u64;
        for (i, (user, time)) in data.users.iter().zip(&times).enumerate() {
            put_u64(out, first_id + i as u64)?;
            out.write_all(b",")?;
            put_field(out, &user.name)?;
            out.write_all(b",")?;
            put_field(out, &user.email(copy))?;
            out.write_all(b",")?;
            put_u64(out, first_gaggle + user.gaggle as u64)?;
            out.write_all(b",")?;
            out.write_all(time)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(scale * data.users.len() as u64)
}

/// `raw_event.csv`: `event_id,user_id,event_name,timestamp`.
fn write_events(data: &Dataset, scale: u64, out: &mut dyn Write) -> std::io::Result<u64> {
    out.write_all(b"event_id,user_id,event_name,timestamp\n")?;
    // Every field of a row but the two ids is the same in every copy.
    let tails: Vec<Vec<u8>> = data
        .events
        .iter()
        .map(|e| {
            let mut tail = Vec::with_capacity(40);
            tail.push(b',');
            tail.extend_from_slice(e.kind.as_str().as_bytes());
            tail.push(b',');
            tail.extend_from_slice(&clock::format(e.at));
            tail.push(b'\n');
            tail
        })
        .collect();
    let mut line = Vec::with_capacity(64);
    for copy in 0..scale {
        let first_id = ID_BASE + copy * EVENTS as u64;
        let first_user = ID_BASE + copy * USERS as u64;
        for (i, (event, tail)) in data.events.iter().zip(&tails).enumerate() {
            line.clear();
            push_u64(&mut line, first_id + i as u64);
            line.push(b',');
            push_u64(&mut line, first_user + event.user as u64);
            line.extend_from_slice(tail);
            out.write_all(&line)?;
        }
    }
    Ok(scale * data.events.len() as u64)
}

/// `merged_user.csv`: the same seven people at every scale.
fn write_merged_users(_: &Dataset, _: u64, out: &mut dyn Write) -> std::io::Result<u64> {
    out.write_all(planted::merged_user_csv().as_bytes())?;
    Ok(planted::MERGED.len() as u64)
}

/// `merged_company_domain.csv`: the same three domains at every scale.
fn write_merged_domains(_: &Dataset, _: u64, out: &mut dyn Write) -> std::io::Result<u64> {
    out.write_all(planted::merged_company_domain_csv().as_bytes())?;
    Ok(planted::MERGED_DOMAINS.len() as u64)
}

/// Puts the decimal digits of `n` at the end of `digits`, returning where
/// they start.
fn decimal(digits: &mut [u8; 20], mut n: u64) -> usize {
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return at;
        }
    }
}

/// Appends the decimal digits of `n` to `buf`.
fn push_u64(buf: &mut Vec<u8>, n: u64) {
    let mut digits = [0u8; 20];
    let at = decimal(&mut digits, n);
    buf.extend_from_slice(&digits[at..]);
}

/// Writes the decimal digits of `n`.
fn put_u64(out: &mut dyn Write, n: u64) -> std::io::Result<()> {
    let mut digits = [0u8; 20];
    let at = decimal(&mut digits, n);
    out.write_all(&digits[at..])
}

/// Writes one CSV field, quoted only when it has to be.
fn put_field(out: &mut dyn Write, field: &str) -> std::io::Result<()> {
    if field.contains([',', '"', '\n', '\r']) {
        write!(out, "\"{}\"", field.replace('"', "\"\""))
    } else {
        out.write_all(field.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        for n in [0, 7, 10, 1000, 120_306, u64::MAX] {
            let mut buf = Vec::new();
            push_u64(&mut buf, n);
            assert_eq!(String::from_utf8(buf).unwrap(), n.to_string());
        }
    }

    #[test]
    fn quoting() {
        let mut out = Vec::new();
        put_field(&mut out, "plain").unwrap();
        put_field(&mut out, "a,\"b\"").unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "plain\"a,\"\"b\"\"\"");
    }
}
