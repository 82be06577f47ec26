//! Writing artifacts whole or not at all.
//!
//! `manifest.json` is read back by `--state` and watch mode; a file cut
//! short by a full disk or a crash would feed them garbage. Every artifact
//! is written to a temporary file beside it and renamed into place, which
//! on one file system either happens entirely or not at all. (Power loss
//! is not covered: that would need an fsync per file.)

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::CompileError;

/// What writing a file gives.
type Result<T> = std::result::Result<T, CompileError>;

/// Writes `path` through `fill`, replacing any old file only once the new
/// one is complete. On failure the old file is as it was, the temporary
/// file is removed, and the error names `path`.
pub fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    // No fsync: a full disk fails the write or the flush, and fsyncing
    // thousands of compiled files would cost more than compiling them.
    stage_file(path, fill)?.commit()
}

/// [`write_file`] for a writer that needs the file itself: to have the
/// kernel copy ranges of another file into it (`std::io::copy` from a
/// `File` to a `File` does, without the bytes passing through memory).
pub fn write_file_direct(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    replace(path, |mut file| fill(&mut file))
}

/// Puts `temporary` in place of `path`: when `path` is an old file, by
/// exchanging the two names and removing the old file, else (or where
/// the file system cannot exchange) by a rename. ext4 starts writing a
/// file renamed over another back at once (its `auto_da_alloc`); at 40 MB
/// that made patching the manifest 20 ms slower, and removing the old
/// one, already written back, slower again.
fn exchange(temporary: &Path, path: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    let old_file = std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_dir());
    if !old_file || renameat_with(CWD, temporary, CWD, path, RenameFlags::EXCHANGE).is_err() {
        return std::fs::rename(temporary, path);
    }
    // The new file is in place; an old one left behind is only litter.
    let _ = std::fs::remove_file(temporary);
    Ok(())
}

/// Creates a temporary file beside `path`, fills it, and puts it in
/// place; on failure removes it and names `path` in the error.
fn replace(path: &Path, fill: impl FnOnce(std::fs::File) -> std::io::Result<()>) -> Result<()> {
    stage(path, fill)?.commit()
}

/// A complete file written beside its place and not put there yet (see
/// [`stage_file`]): [`commit`](Staged::commit) puts it in place; dropping
/// it removes it, leaving any old file at the place as it was.
#[derive(Debug)]
#[must_use = "a staged file is removed when dropped; commit it to put it in place"]
pub struct Staged {
    /// Where it was written.
    temporary: PathBuf,
    /// Where it goes.
    path: PathBuf,
}

impl Staged {
    /// Puts the file in place of any old one, at once.
    pub fn commit(self) -> Result<()> {
        let moved = exchange(&self.temporary, &self.path);
        let path = self.path.clone();
        // Dropping now removes what is left: nothing, or on failure the
        // temporary file.
        drop(self);
        moved.map_err(|source| CompileError::Write { path, source })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.temporary);
    }
}

/// [`write_file`] up to the last step: the file is complete beside
/// `path`, and put in place only by [`Staged::commit`]. For writing an
/// artifact before knowing whether the command will go on (a build
/// writes its manifest while the database opens, and one refused by
/// the database's lock must leave the last manifest as it was).
pub fn stage_file(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<Staged> {
    stage(path, |file| {
        let mut out = BufWriter::with_capacity(CHUNK, Chunked(file));
        fill(&mut out)?;
        out.into_inner().map_err(|err| err.into_error())?;
        Ok(())
    })
}

/// Creates a temporary file beside `path` and fills it; on failure
/// removes it and names `path` in the error.
fn stage(path: &Path, fill: impl FnOnce(std::fs::File) -> std::io::Result<()>) -> Result<Staged> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| CompileError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let staged = Staged {
        temporary: temporary_path(path),
        path: path.to_path_buf(),
    };
    let written = std::fs::File::create(&staged.temporary).and_then(fill);
    written.map_err(|source| CompileError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(staged)
}

/// The most one `write` call hands the kernel. Measured on this project's
/// 2-core build machine (ext4): one 6 MB `write` took 25-80 ms, stalled in
/// the kernel's dirty-page throttling, where six 1 MB writes of the same
/// bytes took 2 ms, in every one of a dozen tries. The manifest's 6 MB of
/// maps and the 2 MB up-to-date record of a 10,000-model `ls` both paid it.
const CHUNK: usize = 512 * 1024;

/// A writer that passes at most [`CHUNK`] bytes to each `write` of the
/// one it wraps (`write_all` goes on with the rest).
struct Chunked<W>(W);

impl<W: Write> Write for Chunked<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(&buf[..buf.len().min(CHUNK)])
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Writes `bytes` to `path` as [`write_file`] does.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    write_file(path, |out| out.write_all(bytes))
}

/// `dir/.name.jgt-tmp-PID`: hidden, in the same folder (so the rename
/// stays on one file system), and unique to this process.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.jgt-tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_larger_than_one_write_arrives_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        // Three and a half chunks, every byte telling where it sits.
        let bytes: Vec<u8> = (0..CHUNK * 7 / 2).map(|i| (i % 251) as u8).collect();
        write_file(&path, |out| {
            out.write_all(b"[")?;
            out.write_all(&bytes)?;
            out.write_all(b"]")
        })
        .unwrap();
        let written = std::fs::read(&path).unwrap();
        assert_eq!(written.len(), bytes.len() + 2);
        assert_eq!(&written[1..written.len() - 1], &bytes[..]);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left beside it");
    }

    #[test]
    fn a_staged_file_replaces_the_old_one_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        write_bytes(&path, b"old").unwrap();
        let staged = stage_file(&path, |out| out.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        staged.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let dropped = stage_file(&path, |out| out.write_all(b"newer")).unwrap();
        drop(dropped);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left beside it");
    }

    #[test]
    fn chunked_hands_on_at_most_one_chunk() {
        let mut inner = Vec::new();
        let mut chunked = Chunked(&mut inner);
        let taken = chunked.write(&vec![7; CHUNK + 10]).unwrap();
        assert_eq!(taken, CHUNK);
        assert_eq!(inner.len(), CHUNK);
    }
}
