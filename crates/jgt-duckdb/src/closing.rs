//! Closing the database when the process is about to exit.
//!
//! Closing a DuckDB database does two things: a checkpoint, which writes
//! what the write-ahead log holds into the file and removes the log, and
//! the teardown of the instance, which frees its catalog and buffers one
//! allocation at a time. With 10,000 relations the teardown alone takes
//! about a tenth of a second (perf: `malloc_consolidate` and
//! `unlink_chunk` under the instance's destructor), work the operating
//! system does at once when the process ends. So a command that exits
//! next checkpoints every database it wrote into and lets the instance go
//! unfreed. What is left on disk is exactly what a close leaves: the
//! files, checkpointed, and no write-ahead log.

use crate::adapter::DuckDbAdapter;

/// Checkpoints and lets go of `adapter` without tearing DuckDB down, when
/// nothing but memory would be left behind; otherwise closes it as usual
/// (which checkpoints and cleans up itself).
pub(crate) fn close_for_exit(adapter: DuckDbAdapter) {
    if checkpointed(&adapter).unwrap_or(false) {
        std::mem::forget(adapter);
    }
}

/// Checkpoints every database `adapter` has attached for writing. `false`
/// (the caller then closes the usual way) when one is not a DuckDB file
/// (an attached SQLite or PostgreSQL database has its own closing to do)
/// or DuckDB has spilled to its temporary folder, which only closing
/// removes.
fn checkpointed(adapter: &DuckDbAdapter) -> Result<bool, duckdb::Error> {
    let conn = &adapter.conn;
    let temp: String = conn.query_row("select current_setting('temp_directory')", [], |row| {
        row.get(0)
    })?;
    if !temp.is_empty() && std::path::Path::new(&temp).exists() {
        return Ok(false);
    }
    let mut statement = conn.prepare(
        "select database_name, type, readonly from duckdb_databases() where not internal",
    )?;
    let databases = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, bool>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    if databases.iter().any(|(_, kind, _)| kind != "duckdb") {
        return Ok(false);
    }
    for (name, _, readonly) in &databases {
        if !readonly {
            conn.execute_batch(&format!("checkpoint {}", crate::quote_ident(name)))?;
        }
    }
    Ok(true)
}
