//! Skipping `compile` and `ls` when nothing they read has changed.
//!
//! Both commands are pure: their output (the lines printed, the manifest,
//! the compiled SQL) follows from the project's files, the profiles, the
//! command line, the environment and, through `is_incremental()`, which
//! relations the database file holds. Like make or cargo, jgt keeps a
//! fingerprint of those inputs beside the outputs (under
//! `target/jgt_uptodate/`, one record per command line). When the next
//! run's fingerprint and every recorded output are unchanged, the outputs
//! are still right: jgt prints the recorded lines, gives the manifest
//! this invocation's id and times, and does nothing else.
//!
//! The fingerprint is each file's path, size, modification time and inode
//! (as `git status` compares them), for every file under the project
//! folder but the target and log folders and `.git`. A record is kept
//! only when the result cannot depend on anything else: the target is a
//! DuckDB file, no template reads the clock or the invocation
//! (`run_started_at`, `invocation_id`, `modules.datetime`, `modules.time`),
//! none runs queries while compiling, `--state` is not used, and no file
//! was modified in the second before the run (a later edit within the
//! same clock tick could otherwise go unseen).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use jgt_compile::artifacts::Invocation;
use jgt_compile::Compiled;

use crate::cli::{Common, Selection};

/// Where the records live, under the target folder.
const FOLDER: &str = "jgt_uptodate";

/// Words whose presence in any template makes its output depend on when
/// or by whom it runs.
const VOLATILE: [&str; 4] = [
    "run_started_at",
    "invocation_id",
    "modules.datetime",
    "modules.time",
];

/// This run's inputs, fingerprinted before anything is compiled.
pub(crate) struct Inputs {
    /// The record file for this command line.
    record: PathBuf,
    /// The fingerprint of every input.
    fingerprint: String,
    /// A file changed too recently for its timestamp to be trusted.
    racy: bool,
}

/// What a successful run leaves for the next identical one.
#[derive(Serialize, Deserialize)]
struct Record {
    /// The inputs' fingerprint.
    fingerprint: String,
    /// The database file (and its write-ahead log) as they were.
    database: Vec<Stamp>,
    /// The warnings printed, in order.
    warnings: Vec<String>,
    /// The lines printed on stdout.
    lines: Vec<String>,
    /// The manifest it wrote: path, size and inode. Its modification
    /// time is left out, as every replay writes into it.
    manifest: (PathBuf, Option<(u64, u64)>),
    /// Every other file the run wrote, as it was left.
    outputs: Vec<Stamp>,
}

/// A file's identity: where it is, and its size, modification time and
/// inode, or nothing when it does not exist.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
struct Stamp {
    path: PathBuf,
    seen: Option<(u64, i128, u64)>,
}

impl Stamp {
    fn of(path: &Path) -> Stamp {
        Stamp {
            path: path.to_path_buf(),
            seen: std::fs::metadata(path).ok().map(|m| identity(&m)),
        }
    }

    fn unchanged(&self) -> bool {
        *self == Stamp::of(&self.path)
    }
}

/// Size, modification time (ns since the epoch) and inode.
fn identity(meta: &std::fs::Metadata) -> (u64, i128, u64) {
    use std::os::unix::fs::MetadataExt;
    let nanos = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
    (meta.len(), nanos, meta.ino())
}

impl Inputs {
    /// Fingerprints the inputs of `command` as the command line gives it,
    /// or `None` when this run cannot be skipped whatever it finds (a
    /// `--state` comparison, or a project file jgt cannot read yet: the
    /// run then reports that itself).
    pub(crate) fn of(common: &Common, command: &str, selection: &Selection) -> Option<Inputs> {
        if selection.state.is_some() {
            return None;
        }
        let root = &common.project_dir;
        let (name, text) = jgt_project::read_project_file(root).ok()?;
        let config = jgt_project::ProjectConfig::parse(&root.join(&name), &text).ok()?;
        let target = match &common.target_path {
            Some(path) => path.clone(),
            None => PathBuf::from(&config.target_path),
        };
        let started = SystemTime::now();
        let mut hash = Sha256::new();
        let mut line = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        };
        line(env!("CARGO_PKG_VERSION").as_bytes());
        let exe = std::env::current_exe().ok()?;
        line(format!("{:?}", Stamp::of(&exe).seen).as_bytes());
        let argv: Vec<String> = std::env::args().skip(1).collect();
        let argv = format!("{command} {argv:?} in {:?}", std::env::current_dir().ok()?);
        line(argv.as_bytes());
        let mut env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| !matches!(k.as_str(), "_" | "OLDPWD" | "SHLVL"))
            .collect();
        env.sort();
        line(format!("{env:?}").as_bytes());
        for profiles in profile_files(common) {
            line(format!("{:?} {:?}", profiles.path, profiles.seen).as_bytes());
        }
        let skip = [root.join(&target), root.join("logs"), root.join(".git")];
        let racy_after = started - Duration::from_secs(1);
        let mut racy = false;
        for entry in walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !skip.iter().any(|s| e.path() == s))
        {
            let entry = entry.ok()?;
            let meta = entry.metadata().ok()?;
            if !meta.is_file() {
                continue;
            }
            racy |= meta.modified().is_ok_and(|t| t > racy_after);
            let seen = identity(&meta);
            line(format!("{:?} {seen:?}", entry.path()).as_bytes());
        }
        let key = hex(&Sha256::digest(argv.as_bytes()))[..16].to_string();
        Some(Inputs {
            record: root.join(&target).join(FOLDER).join(format!("{key}.json")),
            fingerprint: hex(&hash.finalize()),
            racy,
        })
    }

    /// Replays the last identical run when nothing it read or wrote has
    /// changed since: prints what it printed and restamps the manifest.
    /// Returns whether it did.
    pub(crate) fn replay(&self, invocation: &Invocation) -> bool {
        let Some(record) = std::fs::read(&self.record)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Record>(&bytes).ok())
        else {
            return false;
        };
        let (manifest, seen) = &record.manifest;
        if record.fingerprint != self.fingerprint
            || *seen != manifest_identity(manifest)
            || !record.database.iter().all(Stamp::unchanged)
            || !record.outputs.iter().all(Stamp::unchanged)
            || !matches!(
                jgt_compile::artifacts::restamp_manifest(manifest, invocation),
                Ok(true)
            )
        {
            return false;
        }
        for warning in &record.warnings {
            crate::commands::print_warning(warning);
        }
        for line in &record.lines {
            outln!("{line}");
        }
        true
    }

    /// Records a successful run, when its result can be reused (see the
    /// module's notes). `outputs` are the files it wrote besides the
    /// manifest.
    pub(crate) fn record(
        &self,
        compiled: &Compiled,
        database: &Path,
        lines: Vec<String>,
        outputs: Vec<PathBuf>,
    ) {
        let manifest = compiled.project.target_dir().join("manifest.json");
        if self.racy || !reusable(compiled) {
            let _ = std::fs::remove_file(&self.record);
            return;
        }
        let wal = PathBuf::from(format!("{}.wal", database.display()));
        let profile_warnings = compiled.project.profile.iter().flat_map(|p| &p.warnings);
        let record = Record {
            fingerprint: self.fingerprint.clone(),
            database: vec![Stamp::of(database), Stamp::of(&wal)],
            warnings: profile_warnings
                .chain(&compiled.warnings)
                .cloned()
                .collect(),
            lines,
            manifest: (manifest.clone(), manifest_identity(&manifest)),
            outputs: outputs.iter().map(|p| Stamp::of(p)).collect(),
        };
        if let Ok(json) = serde_json::to_vec(&record) {
            // Without a record the next run compiles: nothing is lost.
            let _ = jgt_compile::atomic::write_bytes(&self.record, &json);
        }
    }
}

/// The manifest's size and inode: a new manifest is a new file (artifacts
/// are written beside and renamed into place).
fn manifest_identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (identity(&m).0, identity(&m).2))
}

/// Whether a compile's result follows from its fingerprinted inputs alone.
fn reusable(compiled: &Compiled) -> bool {
    let project = &compiled.project;
    let volatile = |text: &str| VOLATILE.iter().any(|word| text.contains(word));
    compiled.target.adapter_type == "duckdb"
        && !compiled.nodes.iter().any(|node| node.needs_execution)
        && !project.models.iter().any(|m| volatile(&m.raw_sql))
        && !project
            .macros
            .iter()
            .chain(&project.tests)
            .chain(&project.analyses)
            .any(|t| volatile(&t.text))
        && !project.schema_files.iter().any(|f| volatile(&f.text))
        && !volatile(&format!("{:?}", project.config))
}

/// Every place a profiles file may be read from, as it is now.
fn profile_files(common: &Common) -> Vec<Stamp> {
    let mut dirs: Vec<PathBuf> = common.profiles_dir.iter().cloned().collect();
    dirs.extend(std::env::var_os("DBT_PROFILES_DIR").map(PathBuf::from));
    dirs.push(common.project_dir.clone());
    dirs.extend(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".dbt")));
    dirs.iter()
        .flat_map(|d| [d.join("profiles.yml"), d.join("profiles.yaml")])
        .map(|p| Stamp::of(&p))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
