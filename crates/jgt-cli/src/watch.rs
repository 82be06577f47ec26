//! `--watch`: build, then rebuild on every save what changed and what is
//! downstream of it. "What changed" is `state:modified` against the
//! manifest of the last good build, so editing a macro rebuilds the models
//! that call it, and a save that renders the same SQL rebuilds nothing.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use jgt_graph::NodeKind;
use notify::{RecursiveMode, Watcher};

use crate::building::{build, AfterBuild::BuildAgain};
use crate::cli::Selection;
use crate::commands::Invoked;

/// How long the files must be quiet after a save before the rebuild
/// starts.
const QUIET: Duration = Duration::from_millis(30);

/// What the loop waits for.
enum Wake {
    /// Project files changed.
    Saved(Vec<PathBuf>),
    /// The user typed `q`.
    Quit,
}

/// Builds the selection, then watches the project and rebuilds on saves
/// until `q` is typed (or the process is stopped).
pub fn watch(
    ctx: &Invoked,
    selection: &Selection,
    kinds: &[NodeKind],
    store_failures: bool,
) -> Result<bool> {
    let root =
        ctx.common
            .project_dir
            .canonicalize()
            .map_err(|source| crate::error::CliError::Io {
                what: format!("cannot watch {}", ctx.common.project_dir.display()),
                source,
            })?;
    // The project's target-path (default `target`), where the manifest is.
    let target = crate::profile::load_project(ctx.common)
        .map(|project| project.target_dir())
        .map(|dir| root.join(dir.strip_prefix(&ctx.common.project_dir).unwrap_or(&dir)))
        .unwrap_or_else(|_| root.join("target"));
    let snapshot = target.join(".watch-state");
    let report = |outcome: Result<bool>| match outcome {
        Ok(_) => {}
        Err(err) => crate::report_error(&err),
    };
    report(build(ctx, selection, kinds, store_failures, BuildAgain));
    save_snapshot(&target, &snapshot);

    let (tx, rx) = mpsc::channel::<Wake>();
    let events = tx.clone();
    let ignored = target.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reads (jgt's own, an editor's) are access events: only writes count.
        if let Some(event) = event.ok().filter(|e| is_write(&e.kind)) {
            let paths: Vec<PathBuf> = event
                .paths
                .into_iter()
                .filter(|p| relevant(p, &ignored))
                .collect();
            if !paths.is_empty() {
                let _ = events.send(Wake::Saved(paths));
            }
        }
    })
    .context("cannot start watching files")?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    // Ctrl-C cancels the build in progress, then ends the watch.
    let cancel = ctx.cancel.clone();
    let interrupted = tx.clone();
    std::thread::spawn(move || {
        while !cancel.is_cancelled() {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = interrupted.send(Wake::Quit);
    });
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(line) if line.trim() == "q" => {
                    let _ = tx.send(Wake::Quit);
                    return;
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    outln!(
        "Watching {} for changes (type q and Enter to stop)",
        root.display()
    );

    while let Ok(wake) = rx.recv() {
        let Wake::Saved(mut changed) = wake else {
            break;
        };
        // Editors write in bursts (truncate, write, close; or a temporary
        // file and a rename), all within a few milliseconds: wait until
        // the files have been quiet for a moment. Every millisecond here
        // is waited on every save.
        while let Ok(more) = rx.recv_timeout(QUIET) {
            match more {
                Wake::Saved(paths) => changed.extend(paths),
                Wake::Quit => return Ok(true),
            }
        }
        changed.sort();
        changed.dedup();
        let names: Vec<String> = changed
            .iter()
            .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
            .collect();
        outln!("\nChanged: {}", names.join(", "));
        let again = Selection {
            select: vec!["state:modified+".into()],
            exclude: selection.exclude.clone(),
            state: Some(snapshot.clone()),
            ..Selection::default()
        };
        let outcome = build(ctx, &again, kinds, store_failures, BuildAgain);
        if outcome.is_ok() {
            save_snapshot(&target, &snapshot);
        }
        report(outcome);
        outln!("Watching for changes (type q and Enter to stop)");
    }
    Ok(true)
}

/// Keeps the last good build's manifest to compare the next save with.
fn save_snapshot(target: &Path, snapshot: &Path) {
    let manifest = target.join("manifest.json");
    if std::fs::create_dir_all(snapshot).is_ok() {
        let _ = std::fs::copy(manifest, snapshot.join("manifest.json"));
    }
}

/// Whether an event changed a file's content or existence.
fn is_write(kind: &notify::EventKind) -> bool {
    use notify::event::ModifyKind;
    match kind {
        notify::EventKind::Create(_) | notify::EventKind::Remove(_) => true,
        notify::EventKind::Modify(ModifyKind::Metadata(_)) => false,
        notify::EventKind::Modify(_) => true,
        _ => false,
    }
}

/// Project sources: SQL, YAML and CSV files outside the target folder.
fn relevant(path: &Path, target: &Path) -> bool {
    let inside_target = path.starts_with(target)
        || path
            .components()
            .any(|c| c.as_os_str() == "target" || c.as_os_str() == ".git");
    let kind = path.extension().and_then(|e| e.to_str());
    !inside_target && matches!(kind, Some("sql" | "yml" | "yaml" | "csv"))
}
