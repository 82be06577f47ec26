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
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| CompileError::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let temporary = temporary_path(path);
    let written = (|| -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&temporary)?);
        fill(&mut out)?;
        // No fsync: a full disk fails the write or the flush, and fsyncing
        // thousands of compiled files would cost more than compiling them.
        out.into_inner().map_err(|err| err.into_error())?;
        std::fs::rename(&temporary, path)
    })();
    if let Err(err) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(CompileError::Write {
            path: path.to_path_buf(),
            source: err,
        });
    }
    Ok(())
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
