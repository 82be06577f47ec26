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
//! folder but the target and log folders and `.git`; of the environment,
//! the variables jgt reads (`DBT_*`, `JGT_*`, `HOME`) and those the
//! project's `env_var('NAME')` calls name. A record is kept
//! only when the result cannot depend on anything else: the target is a
//! DuckDB file, no template reads the clock or the invocation
//! (`run_started_at`, `invocation_id`, `modules.datetime`, `modules.time`),
//! none runs queries while compiling, every `env_var()` names its
//! variable with a literal, and `--state` is not used. A file modified in
//! the second before the run cannot be trusted by its stamp (a later edit
//! within the same clock tick could go unseen): its stamp is recorded as
//! unknown, and the record is never replayed whole.
//!
//! When only model files changed since the record, [`patch`] renders
//! those models again and, when nothing but their SQL changed, patches
//! the last run's outputs instead of compiling the project again.

mod files;
mod patch;
mod run;

pub(crate) use run::RunPlan;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use jgt_compile::artifacts::Invocation;
use jgt_compile::Compiled;
use jgt_project::FileStamp;

use crate::cli::{Common, Selection};

/// Where the records live, under the target folder.
pub(crate) const FOLDER: &str = "jgt_uptodate";

/// Words whose presence in any template makes its output depend on when
/// or by whom it runs.
const VOLATILE: [&str; 4] = [
    "run_started_at",
    "invocation_id",
    "modules.datetime",
    "modules.time",
];

/// The memos of a compile's models (see [`jgt_compile::patch`]), as
/// JSON lines, made while its outputs are written.
pub(crate) struct Memos(Vec<Vec<u8>>);

impl Memos {
    /// The memos of `compiled`'s models.
    pub(crate) fn of(compiled: &Compiled) -> Memos {
        Memos(jgt_compile::patch::memo_lines(compiled))
    }
}

/// This run's inputs, fingerprinted before anything is compiled.
pub(crate) struct Inputs {
    /// The project folder.
    root: PathBuf,
    /// The record file for this command line.
    record: PathBuf,
    /// The fingerprint of every input.
    fingerprint: String,
    /// A digest of the inputs that are not project files: jgt's binary,
    /// the command line and the profiles files.
    head: String,
    /// Every project file and its identity; `None` for a file changed too
    /// recently for its stamp to be trusted.
    files: Vec<(PathBuf, Option<files::Seen>)>,
    /// A file changed too recently for its timestamp to be trusted.
    racy: bool,
    /// The YAML files among the inputs, profiles included: where
    /// `env_var()` may be called besides the templates.
    yaml: Vec<PathBuf>,
}

/// What a successful run leaves for the next identical one.
#[derive(Serialize, Deserialize)]
struct Record {
    /// The inputs' fingerprint; empty when a file's stamp could not be
    /// trusted (the record is then only patched, never replayed).
    fingerprint: String,
    /// [`Inputs::head`] of the run.
    head: String,
    /// The database file (and its write-ahead log) as they were.
    database: Vec<Stamp>,
    /// The environment variables the run could read besides jgt's own.
    env_names: Vec<String>,
    /// A digest of their values and of jgt's own (see [`env_digest`]).
    env_digest: String,
    /// The warnings printed, in order.
    warnings: Vec<String>,
    /// The lines printed on stdout.
    lines: Vec<String>,
    /// The manifest it wrote: path, size and inode. Its modification
    /// time is left out, as every replay writes into it.
    manifest: (PathBuf, Option<(u64, u64)>),
    /// Every other file the run wrote, with its size (looked at again
    /// before a replay: a deleted or edited file means compiling again).
    outputs: Vec<(PathBuf, u64)>,
    /// The size and inode of the project files' stamps written with the
    /// record (see [`files`]).
    stamps: Option<(u64, u64)>,
    /// The size and inode of the models' memos written with the record;
    /// `None` when there are none, and then the record is never patched.
    memos: Option<(u64, u64)>,
    /// For a `run`: the plan of what it built, to build again without
    /// compiling (see [`run`]).
    #[serde(default)]
    run: Option<RunPlan>,
}

/// A file's identity: where it is, and its size, modification time and
/// inode, or nothing when it does not exist.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Stamp {
    path: PathBuf,
    seen: Option<(u64, i128, u64)>,
}

impl Stamp {
    /// The file as it is now.
    pub(crate) fn of(path: &Path) -> Stamp {
        Stamp {
            path: path.to_path_buf(),
            seen: seen(path),
        }
    }

    /// Whether the file is as it was.
    pub(crate) fn unchanged(&self) -> bool {
        *self == Stamp::of(&self.path)
    }

    /// Whether the file was last changed at least a second before `now`
    /// (or does not exist): a later change within the same clock tick
    /// could otherwise go unseen.
    pub(crate) fn settled(&self, now: SystemTime) -> bool {
        let Some((_, changed, _)) = self.seen else {
            return true;
        };
        nanos_since_epoch(now) - changed >= 1_000_000_000
    }
}

/// A file's identity now, or `None` when it does not exist.
fn seen(path: &Path) -> Option<(u64, i128, u64)> {
    std::fs::metadata(path).ok().map(|m| identity(&m))
}

/// Size, modification time (ns since the epoch) and inode.
fn identity(meta: &std::fs::Metadata) -> (u64, i128, u64) {
    let stamp = FileStamp::of(meta);
    (stamp.size, stamp.modified, stamp.inode)
}

/// `time` in nanoseconds since the epoch (0 before it).
fn nanos_since_epoch(time: SystemTime) -> i128 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as i128)
}

/// Where a command line's record lives and what its fingerprint covers,
/// known before anything is read but the project file.
pub(crate) struct Place {
    /// The project folder.
    root: PathBuf,
    /// The record file for this command line.
    record: PathBuf,
    /// The command line, with the folder it ran in.
    argv: String,
    /// Folders left out: the target and log folders and `.git`.
    skip: [PathBuf; 3],
    /// Where profiles files may be.
    profiles: Vec<PathBuf>,
}

impl Place {
    /// `None` when this run cannot be skipped whatever it finds (a
    /// `--state` comparison, or a project file jgt cannot read yet: the
    /// run then reports that itself).
    fn of(common: &Common, command: &str, selection: &Selection) -> Option<Place> {
        if selection.state.is_some() {
            return None;
        }
        let root = common.project_dir.clone();
        let (name, text) = jgt_project::read_project_file(&root).ok()?;
        let config = jgt_project::ProjectConfig::parse(&root.join(&name), &text).ok()?;
        let target = match &common.target_path {
            Some(path) => path.clone(),
            None => PathBuf::from(&config.target_path),
        };
        let argv: Vec<String> = std::env::args().skip(1).collect();
        let argv = format!("{command} {argv:?} in {:?}", std::env::current_dir().ok()?);
        let key = jgt_core::hex::lower(&Sha256::digest(argv.as_bytes()))[..16].to_string();
        Some(Place {
            record: root.join(&target).join(FOLDER).join(format!("{key}.json")),
            skip: [root.join(&target), root.join("logs"), root.join(".git")],
            profiles: profile_files(common),
            root,
            argv,
        })
    }

    /// Fingerprints every input. `started` is when the run began: a file
    /// modified less than a second before it makes the result racy. Files
    /// the project's loading already stamped (`known`, by path relative to
    /// the project folder) are not looked at again.
    fn fingerprint(self, started: SystemTime, known: &[(PathBuf, FileStamp)]) -> Option<Inputs> {
        use std::os::unix::ffi::OsStrExt;
        let mut head = Sha256::new();
        let mut line = |bytes: &[u8]| {
            head.update((bytes.len() as u64).to_le_bytes());
            head.update(bytes);
        };
        line(env!("CARGO_PKG_VERSION").as_bytes());
        line(format!("{:?}", seen(&std::env::current_exe().ok()?)).as_bytes());
        line(self.argv.as_bytes());
        for path in &self.profiles {
            line(format!("{path:?} {:?}", seen(path)).as_bytes());
        }
        let head = jgt_core::hex::lower(&head.finalize());
        let mut hash = Sha256::new();
        let mut line = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        };
        line(head.as_bytes());
        let mut files = Vec::new();
        let mut yaml = self.profiles.clone();
        let racy_after = nanos_since_epoch(started - Duration::from_secs(1));
        let mut racy = false;
        // Unsorted: the order the folders list their files in only
        // changes with the files, and then the fingerprint changes anyway.
        let skip = &self.skip;
        let mut paths = Vec::new();
        for entry in walkdir::WalkDir::new(&self.root)
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| !skip.iter().any(|s| e.path() == s))
        {
            let entry = entry.ok()?;
            if entry.file_type().is_file() {
                paths.push(entry.into_path());
            }
        }
        // Looking at 10,000 files was most of the walk: the files the
        // loading read come with their stamps, and both cores look at
        // the rest.
        let known: jgt_core::hash::Map<&Path, FileStamp> = known
            .iter()
            .map(|(path, stamp)| (path.as_path(), *stamp))
            .collect();
        let stamped = |path: &PathBuf| {
            let relative = path.strip_prefix(&self.root).ok()?;
            known.get(relative).copied()
        };
        let seen = jgt_core::parallel::map(&paths, |path| {
            stamped(path).or_else(|| std::fs::metadata(path).ok().map(|m| FileStamp::of(&m)))
        });
        for (path, stamp) in paths.into_iter().zip(seen) {
            let FileStamp {
                size,
                modified: mtime,
                inode,
            } = stamp?;
            let recent = mtime > racy_after;
            racy |= recent;
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                yaml.push(path.clone());
            }
            line(path.as_os_str().as_bytes());
            line(&[size.to_le_bytes(), inode.to_le_bytes()].concat());
            line(&mtime.to_le_bytes());
            files.push((path, (!recent).then_some((size, mtime, inode))));
        }
        Some(Inputs {
            root: self.root,
            record: self.record,
            fingerprint: jgt_core::hex::lower(&hash.finalize()),
            head,
            files,
            racy,
            yaml,
        })
    }
}

/// A fingerprint taken before a run when there is a record to compare it
/// with, else once the project is loaded (it is then only needed to write
/// the record at the end, and the loading has stamped most files).
pub(crate) enum Fingerprint {
    /// Taken.
    Ready(Inputs),
    /// To be taken, for a run that began at the time given.
    Later(Place, SystemTime),
}

impl Fingerprint {
    /// Starts fingerprinting the inputs of `command` as the command line
    /// gives it; `None` when the run can never be skipped.
    pub(crate) fn start(common: &Common, command: &str, selection: &Selection) -> Option<Self> {
        let place = Place::of(common, command, selection)?;
        let started = SystemTime::now();
        if place.record.is_file() {
            place.fingerprint(started, &[]).map(Fingerprint::Ready)
        } else {
            Some(Fingerprint::Later(place, started))
        }
    }

    /// Replays the last identical run, if there was one and nothing it
    /// read or wrote has changed (see [`Inputs::replay`]), or patches it
    /// when only models' SQL changed (see [`patch`]).
    pub(crate) fn reuse(&self, common: &Common, invocation: &Invocation) -> bool {
        match self {
            Fingerprint::Ready(inputs) => {
                inputs.replay(invocation) || inputs.patch(common, invocation)
            }
            Fingerprint::Later(..) => false,
        }
    }

    /// The fingerprint, taken now if it was not yet, with the stamps
    /// `project`'s loading took.
    pub(crate) fn finish(self, project: &jgt_project::Project) -> Option<Inputs> {
        match self {
            Fingerprint::Ready(inputs) => Some(inputs),
            Fingerprint::Later(place, started) => place.fingerprint(started, &project.stamps),
        }
    }
}

impl Inputs {
    /// Replays the last identical run when nothing it read or wrote has
    /// changed since: prints what it printed and restamps the manifest.
    /// Returns whether it did.
    pub(crate) fn replay(&self, invocation: &Invocation) -> bool {
        let Some(record) = self.last_record() else {
            return false;
        };
        if record.fingerprint != self.fingerprint
            || !record.still_valid()
            || !matches!(
                jgt_compile::artifacts::restamp_manifest(&record.manifest.0, invocation),
                Ok(true)
            )
        {
            return false;
        }
        record.print();
        true
    }

    /// The record of the last run of this command line, if there is one.
    fn last_record(&self) -> Option<Record> {
        let bytes = std::fs::read(&self.record).ok()?;
        serde_json::from_slice::<Record>(&bytes).ok()
    }

    /// Where the record keeps the project files' stamps.
    fn files_path(&self) -> PathBuf {
        self.record.with_extension("files")
    }

    /// Where the record keeps the models' memos.
    fn memos_path(&self) -> PathBuf {
        self.record.with_extension("models")
    }

    /// Makes the record of a successful run, when its result can be
    /// reused (see the module's notes): the memos and the stamps are
    /// written and the record made; [`Prepared::write`] puts it in place.
    /// `outputs` are the files the run wrote besides the manifest; `memos`
    /// what [`Memos::of`] made of the compile. A command still writing its
    /// outputs prepares meanwhile and writes the record once they are all
    /// written.
    pub(crate) fn prepare(
        &self,
        compiled: &Compiled,
        database: &Path,
        lines: Vec<String>,
        outputs: Vec<(PathBuf, u64)>,
        memos: Memos,
        run: Option<RunPlan>,
    ) -> Prepared {
        let manifest = compiled.project.target_dir().join("manifest.json");
        let none = Prepared {
            path: self.record.clone(),
            json: None,
        };
        let env_names = match env_names(compiled, &self.yaml) {
            Some(names) if reusable(compiled) => names,
            _ => return none,
        };
        let wal = PathBuf::from(format!("{}.wal", database.display()));
        let profile_warnings = compiled.project.profile.iter().flat_map(|p| &p.warnings);
        let mut record = Record {
            fingerprint: self.trusted_fingerprint(),
            head: self.head.clone(),
            database: vec![Stamp::of(database), Stamp::of(&wal)],
            env_digest: env_digest(&env_names),
            env_names,
            warnings: profile_warnings
                .chain(&compiled.warnings)
                .cloned()
                .collect(),
            lines,
            manifest: (manifest.clone(), file_identity(&manifest)),
            outputs,
            stamps: None,
            memos: None,
            run,
        };
        // The memos and the stamps, one core each.
        let memos = std::thread::scope(|scope| {
            let memos = scope.spawn(|| {
                let path = self.memos_path();
                files::write_memos(&path, &memos.0).ok()?;
                file_identity(&path)
            });
            record.stamps = self.write_stamps();
            memos.join().ok().flatten()
        });
        record.memos = memos;
        if record.stamps.is_none() {
            return none;
        }
        Prepared {
            json: serde_json::to_vec(&record).ok(),
            ..none
        }
    }

    /// The fingerprint a record may be replayed by: none while a file's
    /// stamp cannot be trusted.
    fn trusted_fingerprint(&self) -> String {
        match self.racy {
            true => String::new(),
            false => self.fingerprint.clone(),
        }
    }

    /// Writes the project files' stamps; their file's size and inode.
    fn write_stamps(&self) -> Option<(u64, u64)> {
        let path = self.files_path();
        files::write_stamps(&path, &self.files).ok()?;
        file_identity(&path)
    }

    /// Writes `record` (without its stamps it is never used). Without a
    /// record the next run compiles: nothing is lost when this fails.
    fn write(&self, record: &Record) {
        let json = record.stamps.and_then(|_| serde_json::to_vec(record).ok());
        Prepared {
            path: self.record.clone(),
            json,
        }
        .write();
    }
}

/// A record made, not yet written (see [`Inputs::prepare`]).
pub(crate) struct Prepared {
    /// Where the record goes.
    path: PathBuf,
    /// The record, or none when this run's result is not to be reused.
    json: Option<Vec<u8>>,
}

impl Prepared {
    /// Puts the record in place, or removes the last one when this run
    /// left none. Without a record the next run compiles: nothing is lost
    /// when this fails.
    pub(crate) fn write(self) {
        let _ = match self.json {
            Some(json) => jgt_compile::atomic::write_bytes(&self.path, &json).map_err(drop),
            None => std::fs::remove_file(&self.path).map_err(drop),
        };
    }
}

impl Record {
    /// Whether what the run read besides the project files (the database,
    /// the environment) and what it wrote are as they were.
    fn still_valid(&self) -> bool {
        self.database.iter().all(Stamp::unchanged) && self.written_as_left()
    }

    /// Whether the environment and what the run wrote are as they were
    /// (the database aside: a `run` changes it every time).
    fn written_as_left(&self) -> bool {
        let (manifest, seen) = &self.manifest;
        self.env_digest == env_digest(&self.env_names)
            && *seen == file_identity(manifest)
            && self
                .outputs
                .iter()
                .all(|(path, size)| std::fs::metadata(path).is_ok_and(|m| m.len() == *size))
    }

    /// Prints what the run printed.
    fn print(&self) {
        for warning in &self.warnings {
            crate::commands::print_warning(warning);
        }
        crate::out::stdout_lines(&self.lines);
    }
}

/// A file's size and inode: a new manifest (or stamps or memos file) is
/// a new file (they are written beside and renamed into place).
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (identity(&m).0, identity(&m).2))
}

/// Whether a compile's result follows from its fingerprinted inputs alone.
fn reusable(compiled: &Compiled) -> bool {
    let project = &compiled.project;
    // Every text of the project is searched four times: memchr's
    // vectorised search, each word's searcher made once.
    let words = VOLATILE.map(memchr::memmem::Finder::new);
    let volatile = |text: &str| {
        words
            .iter()
            .any(|word| word.find(text.as_bytes()).is_some())
    };
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

/// The variables every `env_var('NAME')` of the project's templates and
/// YAML files names, or `None` when one names its variable any other way
/// (then what it reads cannot be known before rendering).
fn env_names(compiled: &Compiled, yaml: &[PathBuf]) -> Option<Vec<String>> {
    let project = &compiled.project;
    let mut names = std::collections::BTreeSet::new();
    let call = memchr::memmem::Finder::new(ENV_VAR);
    let mut scan = |text: &str| -> Option<()> {
        names.extend(env_names_in(text, &call)?);
        Some(())
    };
    for text in project
        .models
        .iter()
        .map(|m| m.raw_sql.as_str())
        .chain(project.macros.iter().map(|t| t.text.as_str()))
        .chain(project.tests.iter().map(|t| t.text.as_str()))
        .chain(project.analyses.iter().map(|t| t.text.as_str()))
    {
        scan(text)?;
    }
    for path in yaml {
        if let Ok(text) = std::fs::read_to_string(path) {
            scan(&text)?;
        }
    }
    Some(names.into_iter().collect())
}

/// How a template reads a variable of the environment.
const ENV_VAR: &str = "env_var(";

/// The variables the `env_var('NAME')` calls of `text` name, or `None`
/// when one names its variable any other way. `call` finds [`ENV_VAR`].
fn env_names_in(text: &str, call: &memchr::memmem::Finder) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for at in call.find_iter(text.as_bytes()) {
        let rest = text[at + ENV_VAR.len()..].trim_start();
        let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let name = rest[1..].split(quote).next()?;
        names.push(name.to_string());
    }
    Some(names)
}

/// A digest of the values of `names` and of every variable jgt reads
/// itself (`DBT_*`, `JGT_*`, `HOME`), as the environment is now. Values
/// are only hashed: a secret never lands in the record.
fn env_digest(names: &[String]) -> String {
    let own = |name: &str| name.starts_with("DBT_") || name.starts_with("JGT_") || name == "HOME";
    let mut all: std::collections::BTreeSet<String> = names.iter().cloned().collect();
    all.extend(
        std::env::vars_os()
            .filter_map(|(k, _)| k.into_string().ok())
            .filter(|k| own(k)),
    );
    let mut hash = Sha256::new();
    for name in all {
        let value = std::env::var_os(&name);
        hash.update(format!("{name}={value:?}\n").as_bytes());
    }
    jgt_core::hex::lower(&hash.finalize())
}

/// Every place a profiles file may be read from.
fn profile_files(common: &Common) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = common.profiles_dir.iter().cloned().collect();
    dirs.extend(std::env::var_os("DBT_PROFILES_DIR").map(PathBuf::from));
    dirs.push(common.project_dir.clone());
    dirs.extend(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".dbt")));
    dirs.iter()
        .flat_map(|d| [d.join("profiles.yml"), d.join("profiles.yaml")])
        .collect()
}
