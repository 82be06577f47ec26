//! `target/compiled/`: each selected node's rendered SQL in a file of its
//! own, where dbt puts it.
//!
//! On a first compile of a large project this is thousands of new files,
//! and creating them is mostly the kernel's work. The files are written a
//! folder at a time, each folder opened once and its files created by
//! name inside it (`openat`), so the kernel does not walk the whole path
//! again for every file; the two cores take folders from one queue, so
//! they never queue on one folder's lock. Linear in the files, but for
//! one sort (n log n) of their paths' bytes.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use jgt_graph::NodeId;
use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, Mode, OFlags};

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use jgt_project::{Materialization, NodeConfig, Project};
use jgt_render::Rendered;

use crate::compile::{compiled_path, Compiled};
use crate::error::CompileError;

/// What writing the files gives.
type Result<T> = std::result::Result<T, CompileError>;

/// Writes every selected node's rendered SQL under `target/compiled/`.
/// A file whose SQL did not change is left alone: on a large project most
/// runs change few models, and rewriting thousands of files is the slow
/// part. Of nodes sharing one file, the last one's SQL is written, which
/// is what writing them in turn would leave.
pub fn write_compiled(compiled: &Compiled, ids: &[NodeId]) -> Result<()> {
    write_files(&compiled.project.root, selected_files(compiled, ids))
}

/// Writes the compiled files of the models whose SQL is final once they
/// are rendered, until `stop` is set, and gives the indexes (in
/// `project.models`, which `rendered` and `configs` follow) of those it
/// wrote. Left for later: a model rendered again as it runs (`execute`,
/// `run_query`, ...), one that inlines an ephemeral model (its SQL
/// changes once the graph is built), and snapshots.
///
/// `compile()` runs it on a thread of its own while the graph and the
/// tests are made, when [`CompileOptions::early_files`] asks: the thread
/// runs at the lowest priority, so it takes only the time the compile
/// leaves a core idle, and stops at the next file when the compile is
/// done; [`write_compiled`] writes what is left.
///
/// [`CompileOptions::early_files`]: crate::CompileOptions::early_files
pub(crate) fn write_final_models(
    project: &Project,
    rendered: &[Rendered],
    configs: &[NodeConfig],
    stop: &AtomicBool,
) -> Result<Vec<usize>> {
    jgt_core::parallel::in_background();
    let ephemeral: HashSet<&str> = project
        .models
        .iter()
        .zip(configs)
        .filter(|(_, c)| c.materialization(Materialization::View) == Materialization::Ephemeral)
        .map(|(m, _)| m.name.as_str())
        .collect();
    let chosen = (0..rendered.len()).filter(|&i| {
        let out = &rendered[i];
        !project.models[i].snapshot
            && !out.needs_execution
            && !out.refs.iter().any(|r| ephemeral.contains(r.as_str()))
    });
    let paths: Vec<(usize, PathBuf)> = chosen
        .map(|i| (i, compiled_path(project, &project.models[i].path)))
        .collect();
    let mut files: Vec<Entry> = paths
        .iter()
        .filter_map(|(i, path)| {
            Some(Entry {
                folder: path.parent()?,
                name: path.file_name()?,
                sql: &rendered[*i].sql,
                index: *i,
            })
        })
        .collect();
    one_per_path(&mut files);
    let mut written = Vec::with_capacity(files.len());
    for run in files.chunk_by(|a, b| a.folder == b.folder) {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let folder = Folder::create(&project.root, run)?;
        folder.write_until(stop, &mut written)?;
    }
    Ok(written)
}

/// Writes `files` (sorted by folder) under `root`, a folder at a time.
fn write_files(root: &Path, files: Vec<Entry>) -> Result<()> {
    let folders = files
        .chunk_by(|a, b| a.folder == b.folder)
        .map(|run| Folder::create(root, run))
        .collect::<Result<Vec<Folder>>>()?;
    let written = jgt_core::parallel::map_each(&folders, Folder::write);
    written.into_iter().collect()
}

/// A compiled file to write: its folder (relative to the project), its
/// name and its SQL.
struct Entry<'a> {
    folder: &'a Path,
    name: &'a OsStr,
    sql: &'a str,
    /// Which node (or model) it is the file of.
    index: usize,
}

impl Entry<'_> {
    /// The sort key: the folder's bytes, then the name's (cheaper than
    /// comparing paths component by component, and as good for grouping).
    fn key(&self) -> (&[u8], &[u8]) {
        (
            self.folder.as_os_str().as_encoded_bytes(),
            self.name.as_encoded_bytes(),
        )
    }
}

/// The selected nodes' files, grouped by folder, one entry per path (the
/// last node's).
fn selected_files<'a>(compiled: &'a Compiled, ids: &[NodeId]) -> Vec<Entry<'a>> {
    let mut files: Vec<Entry> = ids
        .iter()
        .filter_map(|&id| {
            let node = compiled.node(id);
            let path = node.compiled_path.as_deref()?;
            Some(Entry {
                folder: path.parent()?,
                name: path.file_name()?,
                sql: node.sql.as_deref()?,
                index: id.index(),
            })
        })
        .collect();
    one_per_path(&mut files);
    files
}

/// Sorts `files` by folder and name, keeping the last of entries sharing
/// a path: a stable sort keeps them in selection order, and the reversals
/// make `dedup_by` keep the last.
fn one_per_path(files: &mut Vec<Entry>) {
    files.sort_by(|a, b| a.key().cmp(&b.key()));
    files.reverse();
    files.dedup_by(|a, b| a.key() == b.key());
    files.reverse();
}

/// One folder's files.
struct Folder<'a> {
    /// The folder, as the process opens it.
    path: PathBuf,
    /// Whether this compile created it.
    new: bool,
    files: &'a [Entry<'a>],
}

impl<'a> Folder<'a> {
    /// The folder of `files` under `root`, made if missing.
    fn create(root: &Path, files: &'a [Entry<'a>]) -> Result<Self> {
        let path = root.join(files[0].folder);
        // Every file in a folder this call creates is new, and needs no
        // look for an old one.
        let new = !path.is_dir();
        std::fs::create_dir_all(&path).map_err(|source| CompileError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(Folder { path, new, files })
    }

    /// Writes the folder's files, opening the folder once.
    fn write(&self) -> Result<()> {
        self.write_until(&AtomicBool::new(false), &mut Vec::new())
    }

    /// Writes the folder's files until `stop` is set, adding the index of
    /// each one written to `written`.
    fn write_until(&self, stop: &AtomicBool, written: &mut Vec<usize>) -> Result<()> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let dir = rustix::fs::open(&self.path, flags, Mode::empty())
            .map_err(|err| self.fail(None, err.into()))?;
        for file in self.files {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            match self.new {
                true => self.write_new(&dir, file)?,
                false => self.write_changed(&dir, file)?,
            }
            written.push(file.index);
        }
        Ok(())
    }

    /// Writes a file unless it holds this SQL already.
    fn write_changed(&self, dir: &OwnedFd, file: &Entry) -> Result<()> {
        let flags = OFlags::RDONLY | OFlags::CLOEXEC;
        let mut old = Vec::with_capacity(file.sql.len() + 1);
        match rustix::fs::openat(dir, file.name, flags, Mode::empty()) {
            Ok(fd) => match std::fs::File::from(fd).read_to_end(&mut old) {
                Ok(_) if old == file.sql.as_bytes() => Ok(()),
                _ => crate::atomic::write_bytes(&self.path.join(file.name), file.sql.as_bytes()),
            },
            Err(rustix::io::Errno::NOENT) => self.write_new(dir, file),
            Err(_) => crate::atomic::write_bytes(&self.path.join(file.name), file.sql.as_bytes()),
        }
    }

    /// Writes a file that did not exist, in place: one file system
    /// operation fewer than a temporary file and a rename, which is most
    /// of the cost of a first compile of thousands of models. A crash
    /// mid-write can leave a short file; the next compile finds it
    /// different and replaces it whole.
    fn write_new(&self, dir: &OwnedFd, file: &Entry) -> Result<()> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC;
        let fd = match rustix::fs::openat(dir, file.name, flags, Mode::from_raw_mode(0o666)) {
            Ok(fd) => fd,
            // Another process put it there meanwhile: replaced whole.
            Err(rustix::io::Errno::EXIST) => {
                let path = self.path.join(file.name);
                return crate::atomic::write_bytes(&path, file.sql.as_bytes());
            }
            Err(err) => return Err(self.fail(Some(file), err.into())),
        };
        std::fs::File::from(fd)
            .write_all(file.sql.as_bytes())
            .map_err(|err| {
                // Only a file this call created is removed.
                let _ = rustix::fs::unlinkat(dir, file.name, AtFlags::empty());
                self.fail(Some(file), err)
            })
    }

    /// The error of writing `file` (or opening the folder), naming it.
    fn fail(&self, file: Option<&Entry>, source: std::io::Error) -> CompileError {
        let path = match file {
            Some(file) => self.path.join(file.name),
            None => self.path.clone(),
        };
        CompileError::Write { path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(folder: &'a str, name: &'a str, sql: &'a str) -> Entry<'a> {
        Entry {
            folder: Path::new(folder),
            name: OsStr::new(name),
            sql,
            index: 0,
        }
    }

    #[test]
    fn a_new_folder_gets_its_files_and_an_old_one_only_changed_files() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            entry("m", "a.sql", "select 1"),
            entry("m", "b.sql", "select 2"),
        ];
        let new = Folder {
            path: dir.path().join("m"),
            new: true,
            files: &files,
        };
        std::fs::create_dir(&new.path).unwrap();
        new.write().unwrap();
        assert_eq!(
            std::fs::read_to_string(new.path.join("b.sql")).unwrap(),
            "select 2"
        );

        let stamp = |name: &str| {
            std::fs::metadata(new.path.join(name))
                .unwrap()
                .modified()
                .unwrap()
        };
        let before = stamp("a.sql");
        let changed = [
            entry("m", "a.sql", "select 1"),
            entry("m", "b.sql", "select 3"),
            entry("m", "c.sql", "select 4"),
        ];
        let old = Folder {
            path: new.path.clone(),
            new: false,
            files: &changed,
        };
        old.write().unwrap();
        assert_eq!(stamp("a.sql"), before, "an unchanged file is not written");
        assert_eq!(
            std::fs::read_to_string(old.path.join("b.sql")).unwrap(),
            "select 3"
        );
        assert_eq!(
            std::fs::read_to_string(old.path.join("c.sql")).unwrap(),
            "select 4"
        );
    }

    #[test]
    fn files_are_grouped_by_folder_and_the_last_of_a_shared_path_stays() {
        let mut files = vec![
            entry("m/b", "x.sql", "first"),
            entry("m", "z.sql", "z"),
            entry("m/b", "x.sql", "second"),
            entry("m", "a.sql", "a"),
        ];
        one_per_path(&mut files);
        let listed: Vec<_> = files
            .iter()
            .map(|f| {
                format!(
                    "{}/{}={}",
                    f.folder.display(),
                    f.name.to_string_lossy(),
                    f.sql
                )
            })
            .collect();
        assert_eq!(listed, ["m/a.sql=a", "m/z.sql=z", "m/b/x.sql=second"]);
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let files = [entry("gone", "a.sql", "select 1")];
        let folder = Folder {
            path: dir.path().join("gone"),
            new: true,
            files: &files,
        };
        let err = folder.write().unwrap_err().to_string();
        assert!(err.contains("gone"), "{err}");
    }
}
