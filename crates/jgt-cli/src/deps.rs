//! `jgt deps`: installs the project's packages (the work is in jgt-deps).

use anyhow::Result;
use jgt_deps::{deps as install, Event, Options};

use crate::cli::{Common, DepsArgs};

/// Runs `jgt deps`, printing a line per package and a summary.
pub fn deps(common: &Common, args: &DepsArgs) -> Result<bool> {
    let options = Options {
        project_dir: common.project_dir.clone(),
        upgrade: args.upgrade,
        lock_only: args.lock,
    };
    let outcome = install(&options, &mut |event| match event {
        Event::Warning(text) => errln!("{} {text}", console::style("warning:").yellow().bold()),
        Event::LockWritten(file) => outln!("Wrote {}", file.display()),
        Event::Installed { name, detail } => outln!("Installed {name} {detail}"),
        Event::Removed(name) => outln!("Removed {name} (no longer in the packages file)"),
    })?;
    let folder = outcome.install_dir.display();
    match (&outcome.packages_file, outcome.installed) {
        (None, _) => outln!("No packages.yml or dependencies.yml: nothing to install."),
        (Some(file), _) if outcome.requested == 0 => {
            outln!("No packages found in {}.", file.display())
        }
        _ if args.lock => outln!(
            "Locked the packages without installing them ({}).",
            if outcome.lock_written {
                "lock written"
            } else {
                "lock already up to date"
            }
        ),
        (_, n) => outln!(
            "Installed {n} package{} into {folder}{}.",
            if n == 1 { "" } else { "s" },
            if outcome.lock_written {
                ""
            } else {
                " as package-lock.yml pins them"
            }
        ),
    }
    Ok(true)
}
