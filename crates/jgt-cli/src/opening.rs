//! Opening the database beside compiling, not before it.
//!
//! Compiling asks the database one thing: which relations exist, for
//! `is_incremental()`. Opening a DuckDB file of 10,000 tables and listing
//! them takes about a quarter of a second, nearly all of it DuckDB reading
//! its catalog, and the project compiles meanwhile: the list arrives in a
//! pending [`Existing`], and only a model that asks `is_incremental()`
//! before it is there waits. A server target is connected to first, as
//! before (its errors and warnings come before anything is compiled).
//!
//! Commands that only compile keep the list they read beside the
//! up-to-date records ([`Listed`]): while the DuckDB file and its
//! write-ahead log are as they were, the list is still right, and the
//! next `compile` or `ls` does not open the file at all.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::SystemTime;

use anyhow::Result;
use jgt_core::Existing;
use jgt_exec::Adapter;
use jgt_project::Project;

use serde::{Deserialize, Serialize};

use crate::cli::Common;
use crate::profile::Opener;
use crate::uptodate::Stamp;

/// An open database for a build, or one being opened.
pub(crate) enum Opening {
    /// Open already (a server).
    Open(Box<dyn Adapter + Send>),
    /// Being opened on a thread of its own.
    Thread(JoinHandle<Result<Box<dyn Adapter + Send>>>),
}

impl Opening {
    /// Starts opening the database a build writes into, and listing its
    /// tables into the returned [`Existing`].
    pub(crate) fn start(common: &Common, project: &Project) -> Result<(Existing, Opening)> {
        let Some(opener) = Opener::duckdb(common, project, None) else {
            let adapter = crate::profile::open(common, project)?;
            let existing = Existing::known(adapter.tables()?.into_iter().collect());
            return Ok((existing, Opening::Open(adapter)));
        };
        let (existing, reading) = Existing::pending();
        let thread = std::thread::spawn(move || {
            let adapter = opener.open()?;
            reading.fill(adapter.tables()?.into_iter().collect());
            Ok(adapter)
        });
        Ok((existing, Opening::Thread(thread)))
    }

    /// Starts opening the target's DuckDB file before the project is
    /// loaded, when the file is there already: the project file and the
    /// profile (loaded with the templates only) say where it is, and
    /// DuckDB's reading of a big catalog (a fifth of a second at 10,000
    /// relations, on one core) then overlaps the project's loading too.
    /// `None`, to open once the project is loaded ([`Opening::start`]),
    /// for a server target, a file not made yet (a project that fails to
    /// load must not make one), or a profile that cannot be read (loading
    /// the project says why).
    pub(crate) fn start_early(common: &Common) -> Option<(Existing, Opening)> {
        let project = crate::profile::load_templates(common).ok()?;
        let database = crate::profile::database(common, &project);
        if crate::profile::is_server(&project) || !database.is_file() {
            return None;
        }
        Opening::start(common, &project).ok()
    }

    /// The open database, or why it could not be opened.
    pub(crate) fn finish(self) -> Result<Box<dyn Adapter + Send>> {
        match self {
            Opening::Open(adapter) => Ok(adapter),
            Opening::Thread(thread) => match thread.join() {
                Ok(opened) => opened,
                Err(panic) => std::panic::resume_unwind(panic),
            },
        }
    }
}

/// The tables of the built database `database`, for commands that only
/// compile: listed read-only (looking never creates a database) on a
/// thread of its own, which the caller joins once it has compiled. A
/// database another process is writing cannot be read: then nothing
/// counts as existing, and a build will say the file is busy.
pub(crate) fn existing_beside(
    common: &Common,
    project: &Project,
    database: &Path,
) -> (Existing, Option<JoinHandle<()>>) {
    if !crate::profile::is_built(database, project) {
        return (Existing::default(), None);
    }
    let Some(opener) = Opener::duckdb(common, project, Some(database)) else {
        return (Existing::known(server_tables(database, project)), None);
    };
    // Attached databases are files of their own, not stamped here.
    let attached = project
        .profile
        .as_ref()
        .is_some_and(|p| !p.attach.is_empty());
    let listed = Listed::path(project);
    let stamps = Listed::stamps(database);
    if let Some(tables) = Listed::read(&listed, &stamps).filter(|_| !attached) {
        return (Existing::known(tables), None);
    }
    let (existing, reading) = Existing::pending();
    let started = SystemTime::now();
    let thread = std::thread::spawn(move || {
        if let Ok(tables) = opener.open().and_then(|adapter| Ok(adapter.tables()?)) {
            let tables: HashSet<_> = tables.into_iter().collect();
            if !attached {
                Listed::write(&listed, stamps, &tables, started);
            }
            reading.fill(tables);
        }
    });
    (existing, Some(thread))
}

/// The tables of a DuckDB file as a compile last listed them, with the
/// file and its write-ahead log as they were then.
#[derive(Serialize, Deserialize)]
struct Listed {
    database: Vec<Stamp>,
    tables: Vec<(String, String)>,
}

impl Listed {
    /// Where the list is kept: `target/jgt_uptodate/tables.json`.
    fn path(project: &Project) -> PathBuf {
        project
            .target_dir()
            .join(crate::uptodate::FOLDER)
            .join("tables.json")
    }

    /// The database file and its write-ahead log, as they are now.
    fn stamps(database: &Path) -> Vec<Stamp> {
        let wal = PathBuf::from(format!("{}.wal", database.display()));
        vec![Stamp::of(database), Stamp::of(&wal)]
    }

    /// The kept list, when the files are still as they were.
    fn read(path: &Path, stamps: &[Stamp]) -> Option<HashSet<jgt_project::Relation>> {
        let listed: Listed = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        if listed.database != stamps {
            return None;
        }
        let tables = listed.tables.into_iter();
        Some(
            tables
                .map(|(s, i)| jgt_project::Relation::new(s, i))
                .collect(),
        )
    }

    /// Keeps the list, when the files were settled before `started` and
    /// did not change while it was read; else removes any older one.
    fn write(
        path: &Path,
        stamps: Vec<Stamp>,
        tables: &HashSet<jgt_project::Relation>,
        started: SystemTime,
    ) {
        let still = stamps.iter().all(|s| s.settled(started) && s.unchanged());
        if !still {
            let _ = std::fs::remove_file(path);
            return;
        }
        let mut tables: Vec<_> = tables
            .iter()
            .map(|r| (r.schema.clone(), r.identifier.clone()))
            .collect();
        tables.sort();
        let listed = Listed {
            database: stamps,
            tables,
        };
        if let Ok(json) = serde_json::to_vec(&listed) {
            // Without the list the next compile opens the file: nothing lost.
            let _ = jgt_compile::atomic::write_bytes(path, &json);
        }
    }
}

/// The tables of a server target; one that does not answer is said so,
/// and the project compiles as if nothing were built.
fn server_tables(database: &Path, project: &Project) -> HashSet<jgt_project::Relation> {
    let found =
        crate::profile::open_read_only(database, project).and_then(|adapter| Ok(adapter.tables()?));
    found.map_or_else(
        |err| {
            errln!(
                "{} compiling as if nothing were built: {err:#}",
                console::style("warning:").yellow().bold()
            );
            HashSet::new()
        },
        |tables| tables.into_iter().collect(),
    )
}
