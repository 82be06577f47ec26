//! `jgt deps`: installs a project's dbt packages as `dbt deps` does.
//!
//! The project's `packages.yml` (or `dependencies.yml`) lists packages from
//! a local folder, a git repository or the dbt package hub. They are
//! resolved with everything they need in turn, pinned in
//! `package-lock.yml` (the same file dbt 1.7+ writes), and installed under
//! the project's `packages-install-path` (default `dbt_packages`). While the
//! packages file is unchanged, later runs install exactly what the lock
//! says. Loading installed packages into a project is not this crate's job.

mod error;
mod git;
mod hub;
mod install;
mod lock;
mod resolve;
mod spec;
mod version;

use std::path::{Path, PathBuf};

pub use error::DepsError;
pub use hub::DEFAULT_HUB;
pub use lock::{Lock, Locked, Pinned, LOCK_FILE};

use crate::install::Staging;
use crate::resolve::{Fetched, Resolved, Resolver};

/// What `jgt deps` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The project folder.
    pub project_dir: PathBuf,
    /// Resolve again even when the lock matches the packages file (`--upgrade`).
    pub upgrade: bool,
    /// Only write `package-lock.yml`; install nothing (`--lock`).
    pub lock_only: bool,
}

/// Something worth telling the user, as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Something dbt would warn about too.
    Warning(String),
    /// `package-lock.yml` was (re)written.
    LockWritten(PathBuf),
    /// A package is in place.
    Installed {
        /// Its folder name.
        name: String,
        /// Its version, commit or link, in a few words.
        detail: String,
    },
    /// A package of an earlier install that is no longer wanted was removed.
    Removed(String),
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The packages file that was read, if any.
    pub packages_file: Option<PathBuf>,
    /// How many packages the packages file lists.
    pub requested: usize,
    /// How many packages were installed.
    pub installed: usize,
    /// Whether the lock was written (else it was followed as it was).
    pub lock_written: bool,
    /// The install folder.
    pub install_dir: PathBuf,
}

/// Resolves, locks and installs the project's packages, reporting each step to `on_event`.
pub fn deps(options: &Options, on_event: &mut dyn FnMut(Event)) -> Result<Outcome, DepsError> {
    let root = std::fs::canonicalize(&options.project_dir).map_err(DepsError::io(format!(
        "cannot open the project folder {}",
        options.project_dir.display()
    )))?;
    let project = spec::read_project(&root)?.ok_or_else(|| DepsError::NoProject {
        folder: root.clone(),
    })?;
    let install_dir = normalize(&root.join(&project.install_path));
    if root.starts_with(&install_dir) {
        return Err(DepsError::BadInstallPath {
            path: project.install_path.clone(),
        });
    }
    let (specs, warnings) = spec::read_packages(&root)?;
    warnings
        .into_iter()
        .for_each(|w| on_event(Event::Warning(w)));
    let mut outcome = Outcome {
        packages_file: ["packages.yml", "dependencies.yml"]
            .iter()
            .map(|f| root.join(f))
            .find(|f| f.is_file()),
        requested: specs.len(),
        installed: 0,
        lock_written: false,
        install_dir: install_dir.clone(),
    };
    if specs.is_empty() {
        return Ok(outcome);
    }
    let hash = lock::sha1_hash(&specs);
    let lock_file = root.join(LOCK_FILE);
    let existing = Lock::read(&lock_file)?;
    let mut resolver = Resolver::new(&root, hub::Hub::from_env());
    let followed = existing.filter(|l| !options.upgrade && l.sha1_hash.as_deref() == Some(&hash));
    if followed.is_some() && options.lock_only {
        return Ok(outcome);
    }
    let resolved = match followed {
        Some(lock) => resolver.pin_locked(&lock.packages, &lock_file)?,
        None => {
            let resolved = resolver.resolve(&specs)?;
            resolve::check_names(&resolved, project.name.as_deref())?;
            let lock = Lock {
                packages: resolved.iter().map(|r| r.locked.clone()).collect(),
                sha1_hash: Some(hash),
            };
            write_atomically(&lock_file, &lock.to_yaml())?;
            outcome.lock_written = true;
            on_event(Event::LockWritten(lock_file.clone()));
            resolved
        }
    };
    for warning in std::mem::take(&mut resolver.warnings) {
        on_event(Event::Warning(warning));
    }
    if options.lock_only {
        return Ok(outcome);
    }
    resolve::check_names(&resolved, project.name.as_deref())?;
    outcome.installed = install(&install_dir, &resolved, &resolver.hub, on_event)?;
    Ok(outcome)
}

/// Stages every package, then moves them all into place and removes stale ones.
fn install(
    install_dir: &Path,
    resolved: &[Resolved],
    hub: &hub::Hub,
    on_event: &mut dyn FnMut(Event),
) -> Result<usize, DepsError> {
    let staging = Staging::new(install_dir)?;
    let mut staged = Vec::new();
    for r in resolved {
        let name = &r.locked.name;
        let path = match &r.fetched {
            Fetched::Local(dir) => staging.link(name, dir)?,
            Fetched::Git { root, .. } => staging.copy(name, root)?,
            Fetched::Hub(url) => staging.untar(name, &hub.download(url)?, url)?,
        };
        staged.push((r, path));
    }
    for (r, path) in &staged {
        staging.commit(&r.locked.name, path)?;
        on_event(Event::Installed {
            name: r.locked.name.clone(),
            detail: detail(r),
        });
    }
    let keep: Vec<String> = resolved.iter().map(|r| r.locked.name.clone()).collect();
    for name in staging.remove_stale(&keep)? {
        on_event(Event::Removed(name));
    }
    Ok(staged.len())
}

/// The version, commit or link of an installed package, in a few words.
fn detail(r: &Resolved) -> String {
    match (&r.locked.pinned, &r.fetched) {
        (Pinned::Hub { package, version }, _) => match &r.latest {
            Some(latest) if latest != version => {
                format!("{version} ({package}; {latest} is available)")
            }
            _ => format!("{version} ({package})"),
        },
        (
            Pinned::Git {
                url,
                revision,
                subdirectory,
            },
            _,
        ) => {
            let short = &revision[..revision.len().min(7)];
            match subdirectory {
                Some(sub) => format!("{short} ({url}, subdirectory {sub})"),
                None => format!("{short} ({url})"),
            }
        }
        (Pinned::Local { .. }, Fetched::Local(dir)) => format!("-> {}", dir.display()),
        (Pinned::Local { path }, _) => format!("-> {path}"),
    }
}

/// `a/b/../c` as `a/c`, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Writes a file through a temporary file and a rename.
fn write_atomically(file: &Path, text: &str) -> Result<(), DepsError> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let what = || format!("cannot write {}", file.display());
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(DepsError::io(what()))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(DepsError::io(what()))?;
    tmp.persist(file).map_err(|e| DepsError::Io {
        what: what(),
        source: e.error,
    })?;
    Ok(())
}
