//! The files a record keeps beside it: every project file's stamp, and a
//! memo per model (see [`jgt_compile::patch`]).
//!
//! Both are read on the path of a one-model edit, where every millisecond
//! counts, so both are plain lines: the stamps as `size mtime inode path`
//! (`- path` for a stamp not to be trusted), the memos one JSON object
//! per line, each starting with its path, so that only the lines of the
//! edited models are parsed.

use std::collections::HashMap;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use jgt_compile::patch::Memo;

/// A file's size, modification time (ns) and inode.
pub(crate) type Seen = (u64, i128, u64);

/// Writes the stamps of `files`. A path with a newline in it cannot be
/// written, and then there is no record.
pub(crate) fn write_stamps(path: &Path, files: &[(PathBuf, Option<Seen>)]) -> std::io::Result<()> {
    let mut text = Vec::with_capacity(files.len() * 64);
    for (file, seen) in files {
        let name = file.as_os_str().as_bytes();
        if name.contains(&b'\n') {
            return Err(std::io::Error::other("a path with a newline"));
        }
        match seen {
            Some((size, mtime, inode)) => write!(text, "{size} {mtime} {inode} ")?,
            None => text.extend_from_slice(b"- "),
        }
        text.extend_from_slice(name);
        text.push(b'\n');
    }
    jgt_compile::atomic::write_bytes(path, &text).map_err(std::io::Error::other)
}

/// The files of `now` changed since the stamps [`write_stamps`] wrote at
/// `path` (a file whose stamp is unknown, then or now, counts as
/// changed); `None` when a file was added or removed, or the stamps
/// cannot be read.
pub(crate) fn changed(path: &Path, now: &[(PathBuf, Option<Seen>)]) -> Option<Vec<PathBuf>> {
    let text = std::fs::read(path).ok()?;
    let mut then: Vec<(&[u8], Option<Seen>)> = Vec::with_capacity(now.len());
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        then.push(parse_stamp(line)?);
    }
    if then.len() != now.len() {
        return None;
    }
    let differs = |was: &Option<Seen>, is: &Option<Seen>| is.is_none() || was != is;
    // The walk lists a folder's files in the same order while they stay:
    // side by side first, by path only when the orders differ.
    let in_order = then
        .iter()
        .zip(now)
        .all(|((name, _), (file, _))| *name == file.as_os_str().as_bytes());
    if in_order {
        let changed = then
            .iter()
            .zip(now)
            .filter(|((_, was), (_, is))| differs(was, is));
        return Some(changed.map(|(_, (file, _))| file.clone()).collect());
    }
    let by_name: HashMap<&[u8], &Option<Seen>> = then.iter().map(|(n, s)| (*n, s)).collect();
    let mut changed = Vec::new();
    for (file, is) in now {
        if differs(by_name.get(file.as_os_str().as_bytes())?, is) {
            changed.push(file.clone());
        }
    }
    Some(changed)
}

/// One line of the stamps file: the path's bytes and the stamp.
fn parse_stamp(line: &[u8]) -> Option<(&[u8], Option<Seen>)> {
    if let Some(name) = line.strip_prefix(b"- ") {
        return Some((name, None));
    }
    let mut parts = line.splitn(4, |&b| b == b' ');
    let mut number = || std::str::from_utf8(parts.next()?).ok();
    let size = number()?.parse().ok()?;
    let mtime = number()?.parse().ok()?;
    let inode = number()?.parse().ok()?;
    Some((parts.next()?, Some((size, mtime, inode))))
}

/// Writes the memos: pieces of JSON lines.
pub(crate) fn write_memos(path: &Path, pieces: &[Vec<u8>]) -> std::io::Result<()> {
    jgt_compile::atomic::write_file(path, |out| {
        pieces.iter().try_for_each(|piece| out.write_all(piece))
    })
    .map_err(std::io::Error::other)
}

/// The memos of the models at `wanted` (paths relative to the project
/// folder), in that order; `None` when one has none.
pub(crate) fn read_memos(path: &Path, wanted: &[PathBuf]) -> Option<Vec<Memo>> {
    let text = std::fs::read(path).ok()?;
    let mut memos = Vec::with_capacity(wanted.len());
    for file in wanted {
        let key = format!("{{\"path\":{},", serde_json::to_string(file).ok()?);
        let start = match text.starts_with(key.as_bytes()) {
            true => 0,
            false => memchr::memmem::find(&text, format!("\n{key}").as_bytes())? + 1,
        };
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |n| start + n);
        memos.push(serde_json::from_slice(&text[start..end]).ok()?);
    }
    Some(memos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_files_are_those_with_another_or_an_unknown_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.files");
        let a = PathBuf::from("/p/models/a b.sql");
        let b = PathBuf::from("/p/models/b.sql");
        let c = PathBuf::from("/p/models/c.sql");
        let then = vec![
            (a.clone(), Some((12, -3, 99))),
            (b.clone(), None),
            (c.clone(), Some((1, 2, 3))),
        ];
        write_stamps(&path, &then).unwrap();
        let now = vec![
            (a.clone(), Some((12, -3, 99))),
            (b.clone(), Some((5, 5, 5))),
            (c.clone(), Some((1, 2, 4))),
        ];
        assert_eq!(changed(&path, &now).unwrap(), vec![b.clone(), c.clone()]);
        let reordered = vec![now[2].clone(), now[0].clone(), now[1].clone()];
        assert_eq!(
            changed(&path, &reordered).unwrap(),
            vec![c.clone(), b.clone()]
        );
        let fewer = vec![now[0].clone(), now[1].clone()];
        assert_eq!(changed(&path, &fewer), None, "a file was removed");
        let renamed = vec![
            now[0].clone(),
            now[1].clone(),
            (PathBuf::from("/p/d"), None),
        ];
        assert_eq!(changed(&path, &renamed), None, "a file was added");
    }

    #[test]
    fn a_path_with_a_newline_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![(PathBuf::from("a\nb"), None)];
        assert!(write_stamps(&dir.path().join("x"), &files).is_err());
    }
}
