//! Finding a project's files on disk.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::ProjectError;

/// A file found below one of the project's configured folders.
#[derive(Debug, Clone)]
pub struct Found {
    /// Path relative to the project folder, e.g. `models/staging/stg_users.sql`.
    pub path: PathBuf,
    /// Folders between the configured folder and the file, e.g. `["staging"]`.
    pub folders: Vec<String>,
    /// File name without its extension.
    pub stem: String,
}

/// Lists the files with one of `extensions` below each of `dirs` (relative
/// to `root`), sorted by path so every run sees the same order. Folders that
/// do not exist are skipped: a project without seeds has no `seeds/`.
pub fn find_files(
    root: &Path,
    dirs: &[String],
    extensions: &[&str],
) -> Result<Vec<Found>, ProjectError> {
    let mut found = Vec::new();
    for dir in dirs {
        let base = root.join(dir);
        if !base.is_dir() {
            continue;
        }
        // Entries are sorted among their siblings, whose paths share the
        // folder's prefix: comparing whole paths as bytes orders them as
        // their names would, without parsing each path for its name (which
        // made the sort a tenth of loading 10,000 models).
        let walk =
            WalkDir::new(&base).sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()));
        for entry in walk {
            let entry = entry.map_err(|err| {
                let path = err.path().unwrap_or(&base).to_path_buf();
                ProjectError::io(path, err.into())
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !extensions.contains(&ext) {
                continue;
            }
            let relative_to_base = path.strip_prefix(&base).unwrap_or(path);
            let folders = relative_to_base
                .parent()
                .map(|p| {
                    p.components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            found.push(Found {
                path: path.strip_prefix(root).unwrap_or(path).to_path_buf(),
                folders,
                stem,
            });
        }
    }
    Ok(found)
}

/// Reads a file as UTF-8 text.
pub fn read_text(root: &Path, path: &Path) -> Result<String, ProjectError> {
    let full = root.join(path);
    std::fs::read_to_string(&full).map_err(|err| ProjectError::io(path, err))
}
