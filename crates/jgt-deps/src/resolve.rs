//! Turning the requested packages (and what they request in turn) into one
//! pinned version of each, as dbt does: requests for one package are merged
//! (hub ranges intersect, git revisions must agree), then each is fetched to
//! learn its project name and its own packages, until nothing new appears.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::DepsError;
use crate::git::{self, Checkout};
use crate::hub::Hub;
use crate::lock::{Locked, Pinned};
use crate::spec::{read_packages, read_project, Origin, Source, Spec};
use crate::version::{self, Requirement};

/// Where a resolved package's files are, ready to install.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// A local folder (installed as a link to it).
    Local(PathBuf),
    /// A folder of a git checkout (installed as a copy).
    Git {
        /// The package folder inside the checkout.
        root: PathBuf,
        /// Keeps the temporary checkout until the install is done.
        _checkout: Rc<Checkout>,
    },
    /// A hub tarball URL.
    Hub(String),
}

/// One package pinned and fetched.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Its name and pinned version, as the lock records them.
    pub locked: Locked,
    /// Where its files are.
    pub fetched: Fetched,
    /// For hub packages: the newest version the hub offers.
    pub latest: Option<String>,
    /// The packages it asks for itself.
    children: Vec<Spec>,
}

/// The merged requests for one package.
#[derive(Debug, Clone)]
enum Wanted {
    Local {
        path: String,
        origin: Origin,
    },
    Git {
        url: String,
        subdirectory: Option<String>,
        revisions: Vec<(String, Origin)>,
        warn_unpinned: bool,
    },
    Hub {
        package: String,
        reqs: Vec<(Requirement, Origin)>,
        prerelease: bool,
    },
}

/// Fetches packages, remembering checkouts and hub answers.
pub struct Resolver<'a> {
    root: &'a Path,
    /// The hub client (also used to download tarballs).
    pub(crate) hub: Hub,
    checkouts: HashMap<(String, Option<String>), Rc<Checkout>>,
    /// Warnings, each once, in the order they arose.
    pub warnings: Vec<String>,
}

impl<'a> Resolver<'a> {
    /// A resolver for the project in `root` (an absolute folder).
    pub fn new(root: &'a Path, hub: Hub) -> Resolver<'a> {
        Resolver {
            root,
            hub,
            checkouts: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    /// Resolves `specs` and everything they need.
    pub fn resolve(&mut self, specs: &[Spec]) -> Result<Vec<Resolved>, DepsError> {
        let mut wanted: Vec<(String, Wanted)> = Vec::new();
        let mut seen = HashSet::new();
        let mut pending = specs.to_vec();
        while !pending.is_empty() {
            let mut next = Vec::new();
            for spec in pending {
                let key = key_of(&spec.source);
                if !seen.insert(format!("{key}|{:?}", spec.source)) {
                    continue;
                }
                let index = incorporate(&mut wanted, key, &spec)?;
                let resolved = self.pin(&wanted[index].1)?;
                next.extend(resolved.children);
            }
            pending = next;
        }
        let resolved = wanted
            .iter()
            .map(|(_, w)| self.pin(w))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(resolved)
    }

    /// Fetches exactly what a lock records, without resolving anything.
    pub fn pin_locked(
        &mut self,
        locked: &[Locked],
        lock_file: &Path,
    ) -> Result<Vec<Resolved>, DepsError> {
        locked
            .iter()
            .map(|l| {
                let (fetched, latest) = match &l.pinned {
                    Pinned::Local { path } => {
                        let origin = Origin {
                            file: lock_file.to_path_buf(),
                            line: 0,
                        };
                        (Fetched::Local(self.local_dir(path, &origin)?), None)
                    }
                    Pinned::Git {
                        url,
                        revision,
                        subdirectory,
                    } => {
                        let checkout = self.checkout(url, Some(revision))?;
                        let root = git::package_root(&checkout, url, subdirectory.as_deref())?;
                        (
                            Fetched::Git {
                                root,
                                _checkout: checkout,
                            },
                            None,
                        )
                    }
                    Pinned::Hub { package, version } => {
                        let info = self.hub.version(package, version)?;
                        let latest = self.latest(package, false)?;
                        (Fetched::Hub(info.tarball), latest)
                    }
                };
                Ok(Resolved {
                    locked: l.clone(),
                    fetched,
                    latest,
                    children: Vec::new(),
                })
            })
            .collect()
    }

    /// Pins one merged request and fetches what it needs to know.
    fn pin(&mut self, wanted: &Wanted) -> Result<Resolved, DepsError> {
        match wanted {
            Wanted::Local { path, origin } => {
                let dir = self.local_dir(path, origin)?;
                let (name, children) = self.project(&dir, &format!("local package {path}"))?;
                Ok(Resolved {
                    locked: Locked {
                        name,
                        pinned: Pinned::Local { path: path.clone() },
                    },
                    fetched: Fetched::Local(dir),
                    latest: None,
                    children,
                })
            }
            Wanted::Git {
                url,
                subdirectory,
                revisions,
                warn_unpinned,
            } => {
                let revision = single_revision(url, revisions)?;
                if *warn_unpinned
                    && matches!(revision.as_deref(), None | Some("HEAD" | "main" | "master"))
                {
                    self.warn(format!(
                        "the git package {url} is not pinned (revision {}); its next commit can change your project without warning. Set `revision:` to a tag or commit, or `warn-unpinned: false`",
                        revision.as_deref().unwrap_or("HEAD")
                    ));
                }
                let checkout = self.checkout(url, revision.as_deref())?;
                let root = git::package_root(&checkout, url, subdirectory.as_deref())?;
                let (name, children) = self.project(&root, &format!("git package {url}"))?;
                Ok(Resolved {
                    locked: Locked {
                        name,
                        pinned: Pinned::Git {
                            url: url.clone(),
                            revision: checkout.sha.clone(),
                            subdirectory: subdirectory.clone(),
                        },
                    },
                    fetched: Fetched::Git {
                        root,
                        _checkout: checkout,
                    },
                    latest: None,
                    children,
                })
            }
            Wanted::Hub {
                package,
                reqs,
                prerelease,
            } => self.pin_hub(package, reqs, *prerelease),
        }
    }

    /// Picks the hub version satisfying every request.
    fn pin_hub(
        &mut self,
        package: &str,
        reqs: &[(Requirement, Origin)],
        prerelease: bool,
    ) -> Result<Resolved, DepsError> {
        let plain: Vec<Requirement> = reqs.iter().map(|(r, _)| r.clone()).collect();
        if let Some((a, b)) = version::conflict(&plain) {
            let show = |i: usize| format!("\"{}\" ({})", reqs[i].0.text, reqs[i].1);
            return Err(DepsError::Conflict {
                package: package.to_string(),
                first: show(a),
                second: show(b),
            });
        }
        let prerelease = prerelease || plain.iter().any(Requirement::is_prerelease);
        let available = self.hub.versions(package)?;
        let Some(version) = version::pick(&plain, available.iter().map(String::as_str), prerelease)
        else {
            let texts: Vec<&str> = plain.iter().map(|r| r.text.as_str()).collect();
            return Err(DepsError::NoVersion {
                package: package.to_string(),
                range: texts.join(", "),
                available: version::installable(available.iter().map(String::as_str), prerelease)
                    .into_iter()
                    .map(|(_, s)| s.to_string())
                    .collect(),
            });
        };
        let version = version.to_string();
        let info = self.hub.version(package, &version)?;
        Ok(Resolved {
            locked: Locked {
                name: info.name,
                pinned: Pinned::Hub {
                    package: package.to_string(),
                    version,
                },
            },
            fetched: Fetched::Hub(info.tarball),
            latest: self.latest(package, prerelease)?,
            children: info.packages,
        })
    }

    /// The newest version the hub offers.
    fn latest(&mut self, package: &str, prerelease: bool) -> Result<Option<String>, DepsError> {
        let available = self.hub.versions(package)?;
        Ok(
            version::installable(available.iter().map(String::as_str), prerelease)
                .last()
                .map(|(_, s)| s.to_string()),
        )
    }

    /// A `local:` package's folder (relative to the root project, as in dbt).
    fn local_dir(&self, path: &str, origin: &Origin) -> Result<PathBuf, DepsError> {
        let dir = self.root.join(path);
        if !dir.is_dir() {
            return Err(DepsError::LocalMissing {
                file: origin.file.clone(),
                line: origin.line.max(1),
                path: dir,
            });
        }
        Ok(std::fs::canonicalize(&dir).unwrap_or(dir))
    }

    /// A package folder's project name and its own packages.
    fn project(&mut self, dir: &Path, what: &str) -> Result<(String, Vec<Spec>), DepsError> {
        let name =
            read_project(dir)?
                .and_then(|p| p.name)
                .ok_or_else(|| DepsError::NotAPackage {
                    what: format!("{what} ({})", dir.display()),
                })?;
        let (children, warnings) = read_packages(dir)?;
        warnings.into_iter().for_each(|w| self.warn(w));
        Ok((name, children))
    }

    /// A checkout of `url` at `revision`, cloned once.
    fn checkout(&mut self, url: &str, revision: Option<&str>) -> Result<Rc<Checkout>, DepsError> {
        let key = (url.to_string(), revision.map(str::to_string));
        if let Some(found) = self.checkouts.get(&key) {
            return Ok(found.clone());
        }
        let checkout = Rc::new(git::checkout(url, revision)?);
        self.checkouts.insert(key, checkout.clone());
        Ok(checkout)
    }

    /// Records a warning once.
    fn warn(&mut self, warning: String) {
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }
}

/// The identity of a package across requests (a git URL with or without `.git` is one package).
fn key_of(source: &Source) -> String {
    match source {
        Source::Local { path } => format!("local:{path}"),
        Source::Git {
            url, subdirectory, ..
        } => format!(
            "git:{}/{}",
            url.strip_suffix(".git").unwrap_or(url),
            subdirectory.as_deref().unwrap_or("")
        ),
        Source::Hub { package, .. } => format!("hub:{package}"),
    }
}

/// Merges a request into the list of wanted packages; returns its index.
fn incorporate(
    wanted: &mut Vec<(String, Wanted)>,
    key: String,
    spec: &Spec,
) -> Result<usize, DepsError> {
    let index = match wanted.iter().position(|(k, _)| *k == key) {
        Some(i) => i,
        None => {
            let fresh = match &spec.source {
                Source::Local { path } => Wanted::Local {
                    path: path.clone(),
                    origin: spec.origin.clone(),
                },
                Source::Git {
                    url,
                    subdirectory,
                    warn_unpinned,
                    ..
                } => Wanted::Git {
                    url: url.clone(),
                    subdirectory: subdirectory.clone(),
                    revisions: Vec::new(),
                    warn_unpinned: *warn_unpinned,
                },
                Source::Hub {
                    package,
                    install_prerelease,
                    ..
                } => Wanted::Hub {
                    package: package.clone(),
                    reqs: Vec::new(),
                    prerelease: *install_prerelease,
                },
            };
            wanted.push((key, fresh));
            wanted.len() - 1
        }
    };
    match (&mut wanted[index].1, &spec.source) {
        (
            Wanted::Git {
                revisions,
                warn_unpinned,
                ..
            },
            Source::Git {
                revision,
                warn_unpinned: w,
                ..
            },
        ) => {
            *warn_unpinned &= *w;
            if let Some(rev) = revision {
                revisions.push((rev.clone(), spec.origin.clone()));
            }
        }
        (Wanted::Hub { reqs, .. }, Source::Hub { versions, .. }) => {
            for text in versions {
                let req = Requirement::parse(text).ok_or_else(|| DepsError::BadVersion {
                    file: spec.origin.file.clone(),
                    line: spec.origin.line.max(1),
                    spec: text.clone(),
                })?;
                reqs.push((req, spec.origin.clone()));
            }
        }
        _ => {}
    }
    Ok(index)
}

/// The one revision all requests for a git package agree on (`None`: HEAD).
fn single_revision(url: &str, revisions: &[(String, Origin)]) -> Result<Option<String>, DepsError> {
    let distinct: BTreeSet<&str> = revisions.iter().map(|(r, _)| r.as_str()).collect();
    if distinct.len() > 1 {
        let first = &revisions[0];
        let other = revisions
            .iter()
            .find(|(r, _)| *r != first.0)
            .expect("two distinct revisions");
        return Err(DepsError::Conflict {
            package: url.to_string(),
            first: format!("revision {} ({})", first.0, first.1),
            second: format!("revision {} ({})", other.0, other.1),
        });
    }
    Ok(revisions.first().map(|(r, _)| r.clone()))
}

/// Refuses two packages with one project name, or one named like the project.
pub fn check_names(resolved: &[Resolved], project: Option<&str>) -> Result<(), DepsError> {
    let mut seen: HashMap<&str, String> = HashMap::new();
    if let Some(project) = project {
        seen.insert(project, "the project itself".to_string());
    }
    for r in resolved {
        let this = describe(&r.locked.pinned);
        if let Some(first) = seen.insert(&r.locked.name, this.clone()) {
            return Err(DepsError::DuplicateName {
                name: r.locked.name.clone(),
                first,
                second: this,
            });
        }
        if !crate::install::stays_inside(Path::new(&r.locked.name))
            || r.locked.name.contains(['/', '\\'])
            || r.locked.name.starts_with('.')
        {
            return Err(DepsError::BadName {
                what: this,
                name: r.locked.name.clone(),
            });
        }
    }
    Ok(())
}

/// A pinned package in a few words.
pub fn describe(pinned: &Pinned) -> String {
    match pinned {
        Pinned::Local { path } => format!("local {path}"),
        Pinned::Git {
            url,
            subdirectory: Some(sub),
            ..
        } => format!("git {url} subdirectory {sub}"),
        Pinned::Git { url, .. } => format!("git {url}"),
        Pinned::Hub { package, .. } => format!("hub {package}"),
    }
}
