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
///
/// A folder's subfolders are walked on all cores (10,000 models walked
/// on one were the first 17 ms of every compile, with the other core
/// idle); the order stays that of one sorted walk.
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
        let top: Vec<walkdir::DirEntry> = sorted_walk(&base)
            .min_depth(1)
            .max_depth(1)
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(|err| walk_error(&base, err))?;
        let place = Place::new(root, &base);
        let parts =
            jgt_core::parallel::map_each(&top, |entry| -> Result<Vec<Found>, ProjectError> {
                if !entry.file_type().is_dir() {
                    return Ok(place.found(entry, extensions).into_iter().collect());
                }
                let mut below = Vec::new();
                for entry in sorted_walk(entry.path()) {
                    let entry = entry.map_err(|err| walk_error(&base, err))?;
                    below.extend(place.found(&entry, extensions));
                }
                Ok(below)
            });
        for part in parts {
            found.extend(part?);
        }
    }
    Ok(found)
}

/// A walk below `dir`, each folder's entries sorted by name.
fn sorted_walk(dir: &Path) -> WalkDir {
    // Entries are sorted among their siblings, whose paths share the
    // folder's prefix: comparing whole paths as bytes orders them as
    // their names would, without parsing each path for its name.
    WalkDir::new(dir).sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
}

/// A walk's error, with the path it happened at.
fn walk_error(base: &Path, err: walkdir::Error) -> ProjectError {
    let path = err.path().unwrap_or(base).to_path_buf();
    ProjectError::io(path, err.into())
}

/// Where a walk is: the project folder and the configured folder below
/// it, and their text (when UTF-8, each ending with `/` unless empty),
/// for cutting the paths the walk gives into their parts.
struct Place<'a> {
    root: &'a Path,
    base: &'a Path,
    root_text: Option<String>,
    base_text: Option<String>,
}

impl<'a> Place<'a> {
    fn new(root: &'a Path, base: &'a Path) -> Self {
        let text = |path: &Path| {
            let text = path.to_str()?;
            Some(match text.is_empty() || text.ends_with('/') {
                true => text.to_string(),
                false => format!("{text}/"),
            })
        };
        Place {
            root,
            base,
            root_text: text(root),
            base_text: text(base),
        }
    }

    /// The file at `entry`, when it is a file with one of `extensions`.
    fn found(&self, entry: &walkdir::DirEntry, extensions: &[&str]) -> Option<Found> {
        if !entry.file_type().is_file() {
            return None;
        }
        let path = entry.path();
        match self.cut(path) {
            Some((relative, under_base)) => {
                let (folders, name) = match under_base.rsplit_once('/') {
                    Some((folders, name)) => (Some(folders), name),
                    None => (None, under_base),
                };
                let (stem, extension) = split_extension(name);
                if !extensions.contains(&extension.unwrap_or("")) {
                    return None;
                }
                Some(Found {
                    path: PathBuf::from(relative),
                    folders: folders
                        .map_or_else(Vec::new, |f| f.split('/').map(str::to_string).collect()),
                    stem: stem.to_string(),
                })
            }
            None => self.found_by_components(path, extensions),
        }
    }

    /// `path` relative to the project folder and to the configured
    /// folder, when it is UTF-8 below both as plain prefixes (as a walk
    /// of `root.join(dir)` gives it).
    fn cut<'p>(&self, path: &'p Path) -> Option<(&'p str, &'p str)> {
        let text = path.to_str()?;
        let relative = text.strip_prefix(self.root_text.as_deref()?)?;
        let under_base = text.strip_prefix(self.base_text.as_deref()?)?;
        let plain =
            |p: &str| !p.is_empty() && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
        (plain(relative) && plain(under_base)).then_some((relative, under_base))
    }

    /// [`Place::found`] for a path that is not plainly below both
    /// folders (not UTF-8, or a configured folder outside the project),
    /// by its components.
    fn found_by_components(&self, path: &Path, extensions: &[&str]) -> Option<Found> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !extensions.contains(&ext) {
            return None;
        }
        let relative_to_base = path.strip_prefix(self.base).unwrap_or(path);
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
        Some(Found {
            path: path.strip_prefix(self.root).unwrap_or(path).to_path_buf(),
            folders,
            stem,
        })
    }
}

/// A file name's stem and extension, as [`Path::file_stem`] and
/// [`Path::extension`] cut them: at the last dot, unless the name starts
/// with it and has no other.
fn split_extension(name: &str) -> (&str, Option<&str>) {
    match name.rfind('.') {
        None | Some(0) => (name, None),
        Some(at) => (&name[..at], Some(&name[at + 1..])),
    }
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

    use super::{find_files, read_stamped, split_extension, FileStamp};

    #[test]
    fn files_come_in_one_sorted_walks_order_with_their_folders_and_stems() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "models/b.sql",
            "models/a/z.sql",
            "models/a/deep/y.sql",
            "models/a.sql",
            "models/a-b.sql",
            "models/c/.hidden.sql",
            "models/c/notes.md",
            "models/c/schema.yml",
            "models/c/two.dots.sql",
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), "select 1").unwrap();
        }
        let found = find_files(root, &["models".into()], &["sql", "yml"]).unwrap();
        let listed: Vec<(String, Vec<String>, String)> = found
            .into_iter()
            .map(|f| (f.path.display().to_string(), f.folders, f.stem))
            .collect();
        let row = |path: &str, folders: &[&str], stem: &str| {
            let folders = folders.iter().map(|f| f.to_string()).collect();
            (path.to_string(), folders, stem.to_string())
        };
        assert_eq!(
            listed,
            [
                row("models/a/deep/y.sql", &["a", "deep"], "y"),
                row("models/a/z.sql", &["a"], "z"),
                row("models/a-b.sql", &[], "a-b"),
                row("models/a.sql", &[], "a"),
                row("models/b.sql", &[], "b"),
                row("models/c/.hidden.sql", &["c"], ".hidden"),
                row("models/c/schema.yml", &["c"], "schema"),
                row("models/c/two.dots.sql", &["c"], "two.dots"),
            ]
        );
    }

    #[test]
    fn a_name_is_cut_at_its_last_dot_as_paths_cut_it() {
        for name in ["a.sql", ".sql", "a..sql", "a.", "plain", ".hidden.sql"] {
            let path = Path::new(name);
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap();
            let extension = path.extension().and_then(|e| e.to_str());
            assert_eq!(split_extension(name), (stem, extension), "{name}");
        }
    }

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
