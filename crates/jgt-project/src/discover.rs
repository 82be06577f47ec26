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

/// A file as it was when it was read: its size, modification time and
/// inode, as `git status` compares them. Taken from the open file, so it
/// describes the text that was read (a later edit gives another stamp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Its size in bytes.
    pub size: u64,
    /// When it was last modified, in nanoseconds since the epoch.
    pub modified: i128,
    /// Its inode.
    pub inode: u64,
}

impl FileStamp {
    /// The stamp of a file whose metadata is `meta`.
    pub fn of(meta: &std::fs::Metadata) -> FileStamp {
        use std::os::unix::fs::MetadataExt;
        FileStamp {
            size: meta.len(),
            modified: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            inode: meta.ino(),
        }
    }
}

/// [`read_text`], with the file's [`FileStamp`]: one look at the open
/// file gives both the size to read and the stamp.
///
/// A regular file is read up to the size its stamp gives, without a
/// last read to find its end: had it grown since, its stamp would differ
/// from the file's next one, which is all a stamp is for.
pub fn read_stamped(root: &Path, path: &Path) -> Result<(String, FileStamp), ProjectError> {
    use std::io::Read;
    let fail = |err| ProjectError::io(path, err);
    let mut file = std::fs::File::open(root.join(path)).map_err(fail)?;
    let meta = file.metadata().map_err(fail)?;
    let stamp = FileStamp::of(&meta);
    let size = usize::try_from(stamp.size).unwrap_or(usize::MAX);
    let mut bytes = Vec::new();
    if meta.is_file() {
        bytes.resize(size, 0);
        let mut filled = 0;
        while filled < size {
            match file.read(&mut bytes[filled..]) {
                Ok(0) => break,
                Ok(read) => filled += read,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(fail(err)),
            }
        }
        bytes.truncate(filled);
    } else {
        file.read_to_end(&mut bytes).map_err(fail)?;
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        let invalid = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        );
        ProjectError::io(path, invalid)
    })?;
    Ok((text, stamp))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{read_stamped, FileStamp};

    #[test]
    fn a_stamped_read_gives_the_text_and_the_files_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let text = "select 1 as id -- é\n";
        std::fs::write(dir.path().join("one.sql"), text).unwrap();
        let (read, stamp) = read_stamped(dir.path(), Path::new("one.sql")).unwrap();
        assert_eq!(read, text);
        let meta = std::fs::metadata(dir.path().join("one.sql")).unwrap();
        assert_eq!(stamp, FileStamp::of(&meta));
        assert_eq!(stamp.size, text.len() as u64);
    }

    #[test]
    fn an_empty_file_reads_as_empty_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("empty.sql"), "").unwrap();
        let (read, stamp) = read_stamped(dir.path(), Path::new("empty.sql")).unwrap();
        assert_eq!((read.as_str(), stamp.size), ("", 0));
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("latin1.sql"), b"select '\xe9'").unwrap();
        let err = read_stamped(dir.path(), Path::new("latin1.sql")).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("latin1.sql"), "{message}");
        assert!(message.contains("cannot read"), "{message}");
    }
}
