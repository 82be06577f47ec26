//! The database file on disk: what may be opened as one, and the log
//! DuckDB keeps beside it.

use std::path::Path;

use jgt_exec::ExecError;

/// The write-ahead log DuckDB keeps beside a database file.
pub(crate) fn wal_of(path: &Path) -> std::path::PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push(".wal");
    wal.into()
}

/// The first bytes of every DuckDB database file: a checksum, then `DUCK`.
const MAGIC_OFFSET: usize = 8;
const MAGIC: &[u8] = b"DUCK";

/// Refuses a path that is not, or would not become, a DuckDB file on disk:
/// `:memory:`, a folder, or an existing file of another kind (a CSV given
/// by mistake must never be opened, let alone written).
pub(crate) fn check_database_path(path: &Path) -> Result<(), ExecError> {
    let refuse = |why: &str| {
        Err(ExecError::Open {
            path: path.into(),
            message: format!("{why}; pass --db with a DuckDB file such as target/jgt.duckdb"),
        })
    };
    let text = path.to_string_lossy();
    if text.is_empty() || text == ":memory:" || text.starts_with(":memory:") {
        return refuse("jgt builds into a database file on disk, not an in-memory database");
    }
    if path.is_dir() {
        return refuse("this is a folder, not a database file");
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut head = [0u8; MAGIC_OFFSET + 4];
    let read = std::io::Read::read(&mut file, &mut head).unwrap_or(0);
    if read == 0 {
        return Ok(());
    }
    if read < head.len() || &head[MAGIC_OFFSET..] != MAGIC {
        return refuse("this file is not a DuckDB database (it was left untouched)");
    }
    Ok(())
}
