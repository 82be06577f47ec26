//! `jgt clean`: deletes the folders the project file lists under
//! `clean-targets` (the target folder when it lists none). Every entry is
//! checked before anything is deleted: a folder outside the project (or
//! the project folder itself) is refused.

use std::path::{Component, Path, PathBuf};

use anyhow::Result;
use jgt_project::ProjectConfig;

use crate::cli::Common;
use crate::error::CliError;

/// Deletes the clean targets; reports each one.
pub fn clean(common: &Common) -> Result<bool> {
    let root = &common.project_dir;
    let (file, text) = jgt_project::read_project_file(root)?;
    let config = ProjectConfig::parse(&file, &text)?;
    let entries = if config.clean_targets.is_empty() {
        vec![config.target_path.clone()]
    } else {
        config.clean_targets.clone()
    };
    let targets = entries
        .iter()
        .map(|entry| inside(root, entry, &file, &text))
        .collect::<Result<Vec<_>, _>>()?;
    for (entry, path) in entries.iter().zip(targets) {
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|source| CliError::Io {
                what: format!("cannot delete {}", path.display()),
                source,
            })?;
            outln!("Deleted {entry}/");
        } else {
            outln!("Nothing to delete at {entry}/");
        }
    }
    outln!("Finished cleaning {} folder(s)", entries.len());
    Ok(true)
}

/// `entry` under `root`, or an error when it leaves the project folder
/// (absolute, `..` above the root, a symlink out) or is the folder itself.
/// `file` and `text` are the project file's name and text, for the error.
fn inside(root: &Path, entry: &str, file: &Path, text: &str) -> Result<PathBuf, CliError> {
    let after = text.find("clean-targets").unwrap_or(0);
    let line = text[..after].lines().count()
        + text[after..]
            .lines()
            .position(|l| l.contains(entry))
            .unwrap_or(0)
        + usize::from(after == 0 || text[..after].ends_with('\n'));
    let refuse = || CliError::CleanOutsideProject {
        file: file.display().to_string(),
        line,
        entry: entry.to_string(),
    };
    let mut depth: usize = 0;
    for part in Path::new(entry).components() {
        match part {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => depth = depth.checked_sub(1).ok_or_else(refuse)?,
            Component::RootDir | Component::Prefix(_) => return Err(refuse()),
        }
    }
    if depth == 0 {
        return Err(refuse());
    }
    let path = root.join(entry);
    if let (Ok(real), Ok(real_root)) = (path.canonicalize(), root.canonicalize()) {
        if !real.starts_with(&real_root) || real == real_root {
            return Err(refuse());
        }
    }
    Ok(path)
}
