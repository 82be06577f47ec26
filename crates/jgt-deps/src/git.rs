//! Fetching git packages with the `git` command: a shallow clone of the
//! revision into a temporary folder, as dbt does.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::DepsError;

/// A repository checked out at one commit in a temporary folder.
#[derive(Debug)]
pub struct Checkout {
    dir: tempfile::TempDir,
    /// The full hash of the checked-out commit.
    pub sha: String,
}

impl Checkout {
    /// The checked-out tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Whether `revision` is a full commit hash (fetched by hash, not by name).
pub fn is_commit(revision: &str) -> bool {
    revision.len() == 40 && revision.chars().all(|c| c.is_ascii_hexdigit())
}

/// Clones `url` at `revision` (a tag, branch or commit; `None` is the
/// remote's HEAD) into a temporary folder.
pub fn checkout(url: &str, revision: Option<&str>) -> Result<Checkout, DepsError> {
    let dir = tempfile::Builder::new()
        .prefix("jgt-git-")
        .tempdir()
        .map_err(DepsError::io("cannot create a temporary folder for git"))?;
    let target = dir.path().to_string_lossy().to_string();
    let mut clone = vec!["clone", "--quiet", "--depth", "1"];
    if let Some(rev) = revision.filter(|r| !is_commit(r) && *r != "HEAD") {
        clone.extend(["--branch", rev]);
    }
    clone.extend(["--", url, &target]);
    run(None, &clone, url, "clone")?;
    if let Some(sha) = revision.filter(|r| is_commit(r)) {
        run(
            Some(dir.path()),
            &["fetch", "--quiet", "--depth", "1", "origin", sha],
            url,
            &format!("fetch of commit {sha}"),
        )?;
        run(
            Some(dir.path()),
            &["checkout", "--quiet", "--detach", sha],
            url,
            &format!("checkout of commit {sha}"),
        )?;
    }
    let sha = run(Some(dir.path()), &["rev-parse", "HEAD"], url, "rev-parse")?;
    Ok(Checkout { dir, sha })
}

/// Runs git, returning its trimmed stdout or its stderr as an error.
fn run(cwd: Option<&Path>, args: &[&str], url: &str, action: &str) -> Result<String, DepsError> {
    let mut command = Command::new("git");
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    let output = command
        .args(["-c", "advice.detachedHead=false"])
        .args(args)
        .env("LC_ALL", "C")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|err| DepsError::Git {
            url: url.to_string(),
            action: action.to_string(),
            stderr: format!("cannot run `git` ({err}); install git and put it on PATH"),
        })?;
    if !output.status.success() {
        return Err(DepsError::Git {
            url: url.to_string(),
            action: action.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The package folder inside a checkout: the whole tree or `subdirectory`.
pub fn package_root(
    checkout: &Checkout,
    url: &str,
    subdirectory: Option<&str>,
) -> Result<PathBuf, DepsError> {
    let Some(sub) = subdirectory else {
        return Ok(checkout.path().to_path_buf());
    };
    let escapes = Path::new(sub)
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)));
    let root = checkout.path().join(sub);
    if escapes || !root.is_dir() {
        return Err(DepsError::Git {
            url: url.to_string(),
            action: format!("checkout of subdirectory '{sub}'"),
            stderr: format!(
                "the repository at commit {} has no folder '{sub}'; fix `subdirectory:`",
                &checkout.sha[..checkout.sha.len().min(7)]
            ),
        });
    }
    Ok(root)
}
