//! Putting packages into the install folder. Each package is first built in
//! a staging folder inside the install folder, then renamed into place, so
//! an interrupted install never leaves a half-written package under its name.

use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::error::DepsError;

/// The prefix of staging folders (skipped, and cleaned up on the next run).
const STAGING_PREFIX: &str = ".jgt-staging-";

/// A staging area inside the install folder.
pub struct Staging {
    install_dir: PathBuf,
    dir: tempfile::TempDir,
}

impl Staging {
    /// Creates the install folder (if needed) and a staging folder inside it,
    /// removing staging folders an interrupted run left behind.
    pub fn new(install_dir: &Path) -> Result<Staging, DepsError> {
        fs::create_dir_all(install_dir).map_err(DepsError::io(format!(
            "cannot create {}",
            install_dir.display()
        )))?;
        for entry in read_dir(install_dir)? {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(STAGING_PREFIX)
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        let dir = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(install_dir)
            .map_err(DepsError::io(format!(
                "cannot create a staging folder in {}",
                install_dir.display()
            )))?;
        Ok(Staging {
            install_dir: install_dir.to_path_buf(),
            dir,
        })
    }

    /// Stages a copy of `src` (without `.git`) as `name`.
    pub fn copy(&self, name: &str, src: &Path) -> Result<PathBuf, DepsError> {
        let dest = self.dir.path().join(name);
        for entry in walkdir::WalkDir::new(src)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| e.file_name() != ".git")
        {
            let entry = entry.map_err(|e| DepsError::Io {
                what: format!("cannot read {}", src.display()),
                source: e.into(),
            })?;
            let rel = entry.path().strip_prefix(src).unwrap_or(entry.path());
            let target = dest.join(rel);
            let kind = entry.file_type();
            let result = if kind.is_dir() {
                fs::create_dir_all(&target)
            } else if kind.is_symlink() {
                fs::read_link(entry.path()).and_then(|link| symlink(&link, &target))
            } else {
                fs::copy(entry.path(), &target).map(|_| ())
            };
            result.map_err(DepsError::io(format!(
                "cannot copy {}",
                entry.path().display()
            )))?;
        }
        Ok(dest)
    }

    /// Stages a symbolic link to `target` as `name` (as dbt installs `local:` packages).
    pub fn link(&self, name: &str, target: &Path) -> Result<PathBuf, DepsError> {
        let dest = self.dir.path().join(name);
        symlink(target, &dest).map_err(DepsError::io(format!(
            "cannot link {} to {}",
            dest.display(),
            target.display()
        )))?;
        Ok(dest)
    }

    /// Stages a `.tar.gz` as `name`; a tarball with one top folder is that folder.
    pub fn untar(&self, name: &str, bytes: &[u8], url: &str) -> Result<PathBuf, DepsError> {
        let unpack = self.dir.path().join(format!("{name}.unpack"));
        fs::create_dir_all(&unpack).map_err(DepsError::io("cannot create a staging folder"))?;
        extract(bytes, &unpack, url)?;
        let entries = read_dir(&unpack)?;
        let root = match entries.as_slice() {
            [only] if only.path().is_dir() => only.path(),
            _ => unpack.clone(),
        };
        let dest = self.dir.path().join(name);
        fs::rename(&root, &dest)
            .map_err(DepsError::io(format!("cannot move {}", root.display())))?;
        Ok(dest)
    }

    /// Moves a staged package to `<install dir>/<name>`, replacing what was there.
    pub fn commit(&self, name: &str, staged: &Path) -> Result<(), DepsError> {
        let dest = self.install_dir.join(name);
        if dest.symlink_metadata().is_ok() {
            let old = self.dir.path().join(format!("{name}.old"));
            fs::rename(&dest, &old).map_err(DepsError::io(format!(
                "cannot move the old {} aside",
                dest.display()
            )))?;
        }
        fs::rename(staged, &dest).map_err(DepsError::io(format!(
            "cannot move the new package to {}",
            dest.display()
        )))
    }

    /// Removes packages of an earlier install that are no longer wanted: links,
    /// and folders holding a project file. Returns their names.
    pub fn remove_stale(&self, keep: &[String]) -> Result<Vec<String>, DepsError> {
        let mut removed = Vec::new();
        for entry in read_dir(&self.install_dir)? {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with('.') || keep.contains(&name) {
                continue;
            }
            let path = entry.path();
            let is_link = path.symlink_metadata().is_ok_and(|m| m.is_symlink());
            let is_package =
                path.join("dbt_project.yml").is_file() || path.join("project.yml").is_file();
            let result = if is_link {
                fs::remove_file(&path)
            } else if is_package && path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                continue;
            };
            result.map_err(DepsError::io(format!("cannot remove {}", path.display())))?;
            removed.push(name);
        }
        removed.sort();
        Ok(removed)
    }
}

/// Unpacks a `.tar.gz` into `dir`, refusing entries that would land outside it.
pub fn extract(bytes: &[u8], dir: &Path, url: &str) -> Result<(), DepsError> {
    let broken = |e: std::io::Error| DepsError::Http {
        url: url.to_string(),
        message: format!("the tarball cannot be read: {e}"),
    };
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in archive.entries().map_err(broken)? {
        let mut entry = entry.map_err(broken)?;
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let path = entry.path().map_err(broken)?.into_owned();
        let unsafe_entry = |shown: &Path| DepsError::UnsafeTarball {
            url: url.to_string(),
            entry: shown.display().to_string(),
        };
        if !stays_inside(&path) {
            return Err(unsafe_entry(&path));
        }
        if kind.is_symlink() || kind.is_hard_link() {
            let link = entry.link_name().map_err(broken)?.unwrap_or_default();
            let base = path.parent().unwrap_or(Path::new(""));
            if link.is_absolute() || !stays_inside(&base.join(&link)) {
                return Err(unsafe_entry(&path));
            }
        }
        if !(kind.is_file() || kind.is_dir() || kind.is_symlink() || kind.is_hard_link()) {
            // Devices, fifos and the like have no place in a package.
            let mut sink = Vec::new();
            entry.read_to_end(&mut sink).map_err(broken)?;
            continue;
        }
        entry.unpack_in(dir).map_err(broken)?;
    }
    Ok(())
}

/// Whether a relative path stays inside its folder (`..` never climbs out).
pub fn stays_inside(path: &Path) -> bool {
    let mut depth: usize = 0;
    for component in path.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// The entries of a folder.
fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>, DepsError> {
    let what = || format!("cannot read {}", dir.display());
    fs::read_dir(dir)
        .map_err(DepsError::io(what()))?
        .collect::<Result<_, _>>()
        .map_err(DepsError::io(what()))
}

/// A symbolic link to a folder (unix).
#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

/// Windows: a directory link.
#[cfg(windows)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_dir(target, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tarball(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            // set_path refuses `..`; write the raw name as a hostile tarball would.
            let name = &mut header.as_old_mut().name;
            name[..path.len()].copy_from_slice(path.as_bytes());
            header.set_cksum();
            builder.append(&header, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn a_tarball_with_one_top_folder_becomes_the_package() {
        let install = tempfile::tempdir().unwrap();
        let staging = Staging::new(install.path()).unwrap();
        let bytes = tarball(&[("pkg-1.0.0/dbt_project.yml", b"name: pkg\n")]);
        let staged = staging.untar("pkg", &bytes, "test").unwrap();
        staging.commit("pkg", &staged).unwrap();
        let text = fs::read_to_string(install.path().join("pkg/dbt_project.yml")).unwrap();
        assert_eq!(text, "name: pkg\n");
    }

    #[test]
    fn paths_escaping_the_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = tarball(&[("pkg/../../evil.sql", b"select 1")]);
        let err = extract(&bytes, &dir.path().join("x"), "http://hub/pkg.tgz").unwrap_err();
        assert_eq!(err.code(), "JGT7012");
        assert!(err.to_string().contains("pkg/../../evil.sql"), "{err}");
        assert!(!dir.path().join("evil.sql").exists());
    }

    #[test]
    fn only_relative_paths_that_stay_inside_are_safe() {
        assert!(stays_inside(Path::new("a/b/../c")));
        assert!(stays_inside(Path::new("./a")));
        assert!(!stays_inside(Path::new("a/../../b")));
        assert!(!stays_inside(Path::new("/etc/passwd")));
    }

    #[test]
    fn a_new_package_replaces_the_old_one_and_stale_ones_go() {
        let install = tempfile::tempdir().unwrap();
        fs::create_dir_all(install.path().join("pkg")).unwrap();
        fs::write(install.path().join("pkg/old.sql"), "old").unwrap();
        fs::create_dir_all(install.path().join("gone")).unwrap();
        fs::write(install.path().join("gone/dbt_project.yml"), "name: gone").unwrap();
        fs::write(install.path().join("notes.txt"), "mine").unwrap();
        let src = tempfile::tempdir().unwrap();
        fs::write(src.path().join("new.sql"), "new").unwrap();
        fs::create_dir_all(src.path().join(".git")).unwrap();
        let staging = Staging::new(install.path()).unwrap();
        let staged = staging.copy("pkg", src.path()).unwrap();
        staging.commit("pkg", &staged).unwrap();
        let removed = staging.remove_stale(&["pkg".to_string()]).unwrap();
        assert_eq!(removed, vec!["gone".to_string()]);
        assert!(install.path().join("pkg/new.sql").exists());
        assert!(!install.path().join("pkg/old.sql").exists());
        assert!(!install.path().join("pkg/.git").exists());
        assert!(install.path().join("notes.txt").exists());
    }
}
