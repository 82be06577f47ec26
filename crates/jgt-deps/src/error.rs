//! What can go wrong while installing packages, each with a stable code.

use std::path::PathBuf;

/// Why `jgt deps` stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DepsError {
    /// A file or folder cannot be read, written, renamed or removed.
    #[error("{what}: {source}")]
    Io {
        /// What jgt was doing, with the path.
        what: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// `packages.yml`, `dependencies.yml`, `package-lock.yml` or a package's
    /// project file is not the YAML jgt expects.
    #[error("{}:{line}: {message}", file.display())]
    Yaml {
        /// The file.
        file: PathBuf,
        /// The 1-based line.
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A package entry has a key no package kind knows.
    #[error("{}:{line}: unknown key '{key}' in a package entry{}; a package has `local:`, `git:` (with `revision`, `subdirectory`, `warn-unpinned`) or `package:` (with `version`, `install_prerelease`)",
        file.display(), did_you_mean(.suggestion))]
    UnknownKey {
        /// The file.
        file: PathBuf,
        /// The 1-based line of the entry.
        line: usize,
        /// The key as written.
        key: String,
        /// The nearest valid key, if one is close.
        suggestion: Option<String>,
    },
    /// Both `packages.yml` and `dependencies.yml` list packages.
    #[error("{}: both packages.yml and dependencies.yml have a `packages:` list; keep the packages in one of them", folder.display())]
    BothFiles {
        /// The project folder.
        folder: PathBuf,
    },
    /// A package entry jgt cannot install (a kind or value it does not support).
    #[error("{}:{line}: {message}", file.display())]
    Unsupported {
        /// The file.
        file: PathBuf,
        /// The 1-based line of the entry.
        line: usize,
        /// What is not supported and what to write instead.
        message: String,
    },
    /// A hub package's `version:` is not a version range dbt understands.
    #[error("{}:{line}: '{spec}' is not a version or range such as \"1.3.0\", \">=1.0.0\" or \"<2.0.0\" (major.minor.patch, optionally after >=, >, <=, < or =)", file.display())]
    BadVersion {
        /// The file.
        file: PathBuf,
        /// The 1-based line of the entry.
        line: usize,
        /// The version as written.
        spec: String,
    },
    /// Two requirements on one package cannot both hold.
    #[error("package {package}: {first} and {second} cannot both be satisfied; change one of the version ranges (or the git revisions) so they agree")]
    Conflict {
        /// The package.
        package: String,
        /// The first requirement, with who asked for it.
        first: String,
        /// The second requirement, with who asked for it.
        second: String,
    },
    /// A `git` command failed.
    #[error("git {action} of {url} failed:\n{stderr}")]
    Git {
        /// The repository URL.
        url: String,
        /// What jgt asked git to do.
        action: String,
        /// What git printed on stderr.
        stderr: String,
    },
    /// The hub has no package of that name.
    #[error("package {package} is not on the package hub ({hub}){}", did_you_mean(.suggestion))]
    HubNotFound {
        /// The package, `org/name`.
        package: String,
        /// The hub's base URL.
        hub: String,
        /// The nearest listed package, if one is close.
        suggestion: Option<String>,
    },
    /// No version of a hub package satisfies the requested range.
    #[error("package {package}: no version matches {range}; available versions: {}", if .available.is_empty() { "none".to_string() } else { .available.join(", ") })]
    NoVersion {
        /// The package, `org/name`.
        package: String,
        /// The requested range, as written.
        range: String,
        /// The versions the hub offers (prereleases only when allowed).
        available: Vec<String>,
    },
    /// The hub could not be reached or answered with an error or bad data.
    #[error("{url}: {message}")]
    Http {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// A package tarball holds a path that would land outside its folder.
    #[error("{url}: the tarball holds '{entry}', which would be written outside the package folder; refusing to install it")]
    UnsafeTarball {
        /// Where the tarball came from.
        url: String,
        /// The offending entry.
        entry: String,
    },
    /// A `local:` package's folder does not exist.
    #[error("{}:{line}: local package folder {} does not exist; `local:` is relative to the project folder", file.display(), path.display())]
    LocalMissing {
        /// The packages file.
        file: PathBuf,
        /// The 1-based line of the entry.
        line: usize,
        /// The resolved folder.
        path: PathBuf,
    },
    /// A fetched package has no `dbt_project.yml` with a `name:`.
    #[error("{what} has no dbt_project.yml (or project.yml) with a `name:`; every package must be a dbt project")]
    NotAPackage {
        /// The package and where it was fetched to.
        what: String,
    },
    /// Two packages would be installed under one folder name, or a package
    /// is named like the project itself.
    #[error("two packages are named '{name}' ({first} and {second}); remove one of them")]
    DuplicateName {
        /// The project name both share.
        name: String,
        /// The first package.
        first: String,
        /// The second package.
        second: String,
    },
    /// A package's project name cannot be a folder name under the install path.
    #[error("{what} is named '{name}', which cannot be a folder name under the install path; fix its `name:`")]
    BadName {
        /// The package.
        what: String,
        /// Its project name.
        name: String,
    },
    /// The project folder has no project file.
    #[error("{}: no dbt_project.yml or project.yml here; run jgt deps in a project folder or pass --project-dir", folder.display())]
    NoProject {
        /// The folder.
        folder: PathBuf,
    },
    /// `packages-install-path` is the project folder or one of its parents.
    #[error("packages-install-path '{path}' is the project folder or above it; jgt deps replaces what is in that folder, so name a folder of its own such as dbt_packages")]
    BadInstallPath {
        /// The path as written.
        path: String,
    },
}

impl DepsError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            DepsError::Io { .. } => "JGT7001",
            DepsError::Yaml { .. } => "JGT7002",
            DepsError::UnknownKey { .. } => "JGT7003",
            DepsError::BothFiles { .. } => "JGT7004",
            DepsError::Unsupported { .. } => "JGT7005",
            DepsError::BadVersion { .. } => "JGT7006",
            DepsError::Conflict { .. } => "JGT7007",
            DepsError::Git { .. } => "JGT7008",
            DepsError::HubNotFound { .. } => "JGT7009",
            DepsError::NoVersion { .. } => "JGT7010",
            DepsError::Http { .. } => "JGT7011",
            DepsError::UnsafeTarball { .. } => "JGT7012",
            DepsError::LocalMissing { .. } => "JGT7013",
            DepsError::NotAPackage { .. } => "JGT7014",
            DepsError::DuplicateName { .. } => "JGT7015",
            DepsError::BadName { .. } => "JGT7016",
            DepsError::NoProject { .. } => "JGT7017",
            DepsError::BadInstallPath { .. } => "JGT7018",
        }
    }

    /// An [`DepsError::Io`] for `what`.
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DepsError {
        let what = what.into();
        move |source| DepsError::Io { what, source }
    }
}

/// " (did you mean 'x'?)" or nothing.
fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean '{s}'?)"),
        None => String::new(),
    }
}
