//! `jgt deps`: packages from a local folder, a git repository made in the
//! test, and a package hub served from a thread of the test (through
//! `JGT_HUB_URL`), installed into dbt_packages and pinned in package-lock.yml.

mod common;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::TempProject;

/// Runs git in `dir` with a fixed author and date, so commits are reproducible.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// Writes a file, creating its folders.
fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Reads a file under the project.
fn read(p: &TempProject, relative: &str) -> String {
    std::fs::read_to_string(p.path().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// A git repository holding a package `git_pkg` in `pkg/`, tagged `v1`, with
/// `macros/version.sql` saying `one`.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("pkg/dbt_project.yml"),
        "name: git_pkg\nversion: '1.0'\n",
    );
    write(&dir.path().join("pkg/macros/version.sql"), "one");
    write(&dir.path().join("README.md"), "not part of the package");
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "one"]);
    git(dir.path(), &["tag", "v1"]);
    dir
}

/// Replaces temporary paths in a lock file so it can be snapshotted.
fn redact(text: &str, repo: &Path) -> String {
    let repo = format!("file://{}", repo.display());
    text.lines()
        .map(|line| match line.strip_prefix("sha1_hash: ") {
            Some(hash) => {
                assert_eq!(hash.len(), 40, "{line}");
                "sha1_hash: <sha1 of packages.yml>".to_string()
            }
            None => line.replace(&repo, "<repo>"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn local_and_git_packages_are_installed_and_locked() {
    let repo = repo();
    let p = TempProject::new("name: shop\n");
    p.write("vendor/helpers/dbt_project.yml", "name: helpers\n");
    p.write(
        "vendor/helpers/macros/cents.sql",
        "{% macro cents(x) %}{{ x }} * 100{% endmacro %}",
    );
    p.write(
        "packages.yml",
        &format!(
            "packages:\n  - local: vendor/helpers\n  - git: \"file://{}\"\n    revision: v1\n    subdirectory: pkg\n",
            repo.path().display()
        ),
    );
    let run = p.jgt(&["deps"]).ok();
    assert!(
        run.stdout.contains("Installed helpers -> "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Installed git_pkg "), "{}", run.stdout);
    assert!(
        run.stdout.contains("Installed 2 packages"),
        "{}",
        run.stdout
    );

    // dbt links local packages on unix; the link leads to the package's files.
    let link = p.path().join("dbt_packages/helpers");
    assert!(link.symlink_metadata().unwrap().is_symlink());
    assert!(read(&p, "dbt_packages/helpers/macros/cents.sql").contains("macro cents"));
    // The git package is the subdirectory only, without .git.
    assert_eq!(read(&p, "dbt_packages/git_pkg/macros/version.sql"), "one");
    assert!(!p.path().join("dbt_packages/git_pkg/README.md").exists());
    assert!(!p.path().join("dbt_packages/git_pkg/.git").exists());

    let lock = read(&p, "package-lock.yml");
    assert!(
        lock.contains(&git(repo.path(), &["rev-parse", "v1"])),
        "{lock}"
    );
    insta::assert_snapshot!("deps_lock_local_and_git", redact(&lock, repo.path()));
}

#[test]
fn the_lock_pins_a_branch_until_upgrade() {
    let repo = repo();
    let p = TempProject::new("name: shop\n");
    p.write(
        "packages.yml",
        &format!(
            "packages:\n  - git: \"file://{}\"\n    revision: main\n    subdirectory: pkg\n",
            repo.path().display()
        ),
    );
    let first = p.jgt(&["deps"]).ok();
    // `main` is not pinned: dbt warns about that, and so does jgt.
    assert!(first.stderr.contains("is not pinned"), "{}", first.stderr);
    let old = git(repo.path(), &["rev-parse", "HEAD"]);

    write(&repo.path().join("pkg/macros/version.sql"), "two");
    git(repo.path(), &["commit", "-q", "-am", "two"]);
    let new = git(repo.path(), &["rev-parse", "HEAD"]);

    // The lock still names the old commit, and packages.yml did not change.
    let again = p.jgt(&["deps"]).ok();
    assert!(
        again.stdout.contains("as package-lock.yml pins them"),
        "{}",
        again.stdout
    );
    assert_eq!(read(&p, "dbt_packages/git_pkg/macros/version.sql"), "one");
    assert!(read(&p, "package-lock.yml").contains(&old));

    // --lock with a lock that matches does nothing.
    p.jgt(&["deps", "--lock"]).ok();
    assert!(read(&p, "package-lock.yml").contains(&old));

    // --upgrade resolves `main` again.
    p.jgt(&["deps", "--upgrade"]).ok();
    assert_eq!(read(&p, "dbt_packages/git_pkg/macros/version.sql"), "two");
    assert!(read(&p, "package-lock.yml").contains(&new));
}

#[test]
fn a_changed_packages_file_is_resolved_again_and_dropped_packages_go() {
    let repo = repo();
    let p = TempProject::new("name: shop\n");
    p.write("vendor/helpers/dbt_project.yml", "name: helpers\n");
    let git_entry = format!(
        "  - git: \"file://{}\"\n    revision: v1\n    subdirectory: pkg\n",
        repo.path().display()
    );
    p.write(
        "packages.yml",
        &format!("packages:\n  - local: vendor/helpers\n{git_entry}"),
    );
    p.jgt(&["deps"]).ok();
    p.write("packages.yml", &format!("packages:\n{git_entry}"));
    let run = p.jgt(&["deps"]).ok();
    assert!(run.stdout.contains("Removed helpers"), "{}", run.stdout);
    assert!(!p.path().join("dbt_packages/helpers").exists());
    // The local folder itself is untouched.
    assert!(p.path().join("vendor/helpers/dbt_project.yml").exists());
    assert!(!read(&p, "package-lock.yml").contains("helpers"));
}

/// A package hub on 127.0.0.1, answering GETs from a fixed table of paths.
struct Hub {
    url: String,
}

impl Hub {
    /// Serves `files` from `listener` on a thread.
    fn start(listener: TcpListener, files: HashMap<String, Vec<u8>>) -> Hub {
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let files = Arc::new(files);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                let (status, body) = match files.get(&path) {
                    Some(body) => ("200 OK", body.clone()),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Hub { url }
    }
}

/// A .tar.gz with one top folder, as the hub's tarballs have.
fn tarball(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, text) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        // Written raw, as a hostile tarball could be (set_path refuses `..`).
        header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        header.set_cksum();
        builder.append(&header, text.as_bytes()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A hub with dbt-labs/dbt_utils (1.0.0, 1.1.0, 1.3.0, 1.4.0-rc1, 2.0.0),
/// acme/needs_utils 0.1.0 (which wants dbt_utils <1.2.0) and acme/evil 0.1.0
/// (whose tarball escapes its folder).
fn hub() -> Hub {
    // The JSON names tarball URLs, so the address is known before the table.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let mut files = HashMap::new();
    let version = |name: &str, v: &str, packages: &str| {
        format!(
            r#""{v}": {{"name": "{name}", "version": "{v}", "packages": {packages}, "downloads": {{"tarball": "{base}tarballs/{name}-{v}.tar.gz"}}}}"#
        )
    };
    let utils: Vec<String> = ["1.0.0", "1.1.0", "1.3.0", "1.4.0-rc1", "2.0.0"]
        .iter()
        .map(|v| {
            files.insert(
                format!("/tarballs/dbt_utils-{v}.tar.gz"),
                tarball(&[
                    (
                        &format!("dbt-utils-{v}/dbt_project.yml"),
                        &format!("name: dbt_utils\nversion: {v}\n"),
                    ),
                    (
                        &format!("dbt-utils-{v}/macros/star.sql"),
                        "{% macro star() %}*{% endmacro %}",
                    ),
                ]),
            );
            version("dbt_utils", v, "[]")
        })
        .collect();
    files.insert(
        "/api/v1/dbt-labs/dbt_utils.json".to_string(),
        format!(
            r#"{{"name": "dbt_utils", "namespace": "dbt-labs", "versions": {{{}}}}}"#,
            utils.join(", ")
        )
        .into_bytes(),
    );
    let needs = version(
        "needs_utils",
        "0.1.0",
        r#"[{"package": "dbt-labs/dbt_utils", "version": [">=1.0.0", "<1.2.0"]}]"#,
    );
    files.insert(
        "/api/v1/acme/needs_utils.json".to_string(),
        format!(r#"{{"name": "needs_utils", "namespace": "acme", "versions": {{{needs}}}}}"#)
            .into_bytes(),
    );
    files.insert(
        "/tarballs/needs_utils-0.1.0.tar.gz".to_string(),
        tarball(&[("needs-utils-0.1.0/dbt_project.yml", "name: needs_utils\n")]),
    );
    let evil = version("evil", "0.1.0", "[]");
    files.insert(
        "/api/v1/acme/evil.json".to_string(),
        format!(r#"{{"name": "evil", "namespace": "acme", "versions": {{{evil}}}}}"#).into_bytes(),
    );
    files.insert(
        "/tarballs/evil-0.1.0.tar.gz".to_string(),
        tarball(&[
            ("evil-0.1.0/dbt_project.yml", "name: evil\n"),
            ("evil-0.1.0/../../escaped.sql", "select 1"),
        ]),
    );
    files.insert(
        "/api/v1/index.json".to_string(),
        br#"["dbt-labs/dbt_utils", "acme/needs_utils", "acme/evil"]"#.to_vec(),
    );
    Hub::start(listener, files)
}

#[test]
fn hub_packages_are_resolved_with_what_they_need() {
    let hub = hub();
    let p = TempProject::new("name: shop\n");
    p.write(
        "packages.yml",
        "packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]\n  - package: acme/needs_utils\n    version: 0.1.0\n",
    );
    let run = p.jgt_env(&["deps"], &[("JGT_HUB_URL", &hub.url)]).ok();
    // needs_utils narrows dbt_utils to <1.2.0: the highest left is 1.1.0.
    assert!(
        run.stdout
            .contains("Installed dbt_utils 1.1.0 (dbt-labs/dbt_utils; 2.0.0 is available)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Installed needs_utils 0.1.0"),
        "{}",
        run.stdout
    );
    assert_eq!(
        read(&p, "dbt_packages/dbt_utils/dbt_project.yml"),
        "name: dbt_utils\nversion: 1.1.0\n"
    );
    assert!(read(&p, "dbt_packages/dbt_utils/macros/star.sql").contains("macro star"));
    assert_eq!(
        read(&p, "dbt_packages/needs_utils/dbt_project.yml"),
        "name: needs_utils\n"
    );
    insta::assert_snapshot!("deps_lock_hub", read(&p, "package-lock.yml"));

    // dbt's own variable works too, and the lock is followed as written.
    p.jgt_env(&["deps"], &[("DBT_PACKAGE_HUB_URL", &hub.url)])
        .ok();
    assert!(read(&p, "dbt_packages/dbt_utils/dbt_project.yml").contains("1.1.0"));
}

#[test]
fn prereleases_are_installed_only_when_allowed() {
    let hub = hub();
    let p = TempProject::new("name: shop\n");
    p.write(
        "packages.yml",
        "packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.3.0\", \"<2.0.0\"]\n    install_prerelease: true\n",
    );
    p.jgt_env(&["deps"], &[("JGT_HUB_URL", &hub.url)]).ok();
    assert!(read(&p, "dbt_packages/dbt_utils/dbt_project.yml").contains("1.4.0-rc1"));
}

#[test]
fn hub_failures_are_clear_refusals() {
    let hub = hub();
    let p = TempProject::new("name: shop\n");
    let deps = |packages: &str| {
        p.write("packages.yml", packages);
        p.jgt_env(&["deps"], &[("JGT_HUB_URL", &hub.url)])
    };
    deps("packages:\n  - package: dbt-labs/dbt_utils\n    version: \">=3.0.0\"\n")
        .refused("JGT7010")
        .refused("no version matches >=3.0.0; available versions: 1.0.0, 1.1.0, 1.3.0, 2.0.0");
    deps("packages:\n  - package: dbt-labs/dbt_utilz\n    version: 1.0.0\n")
        .refused("JGT7009")
        .refused("did you mean 'dbt-labs/dbt_utils'");
    deps("packages:\n  - package: dbt-labs/dbt_utils\n    version: \">=1.3.0\"\n  - package: acme/needs_utils\n    version: 0.1.0\n")
        .refused("JGT7007")
        .refused("\">=1.3.0\" (");
    deps("packages:\n  - package: dbt-labs/dbt_utils\n    version: \"~1.0\"\n")
        .refused("JGT7006")
        .refused("packages.yml:2:");
    let evil = deps("packages:\n  - package: acme/evil\n    version: 0.1.0\n").refused("JGT7012");
    assert!(evil.stderr.contains("escaped.sql"), "{}", evil.stderr);
    assert!(!p.path().join("escaped.sql").exists());
    assert!(!p.path().join("dbt_packages/evil").exists());
    p.write(
        "packages.yml",
        "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.0.0\n",
    );
    p.jgt_env(&["deps"], &[("JGT_HUB_URL", "http://127.0.0.1:9/")])
        .refused("JGT7011");
}

#[test]
fn bad_packages_files_are_refused_with_file_and_line() {
    let p = TempProject::new("name: shop\n");
    p.write(
        "packages.yml",
        "packages:\n  - local: vendor/a\n  - git: https://example.com/x.git\n    revison: v1\n",
    );
    p.jgt(&["deps"]).refused("JGT7003").refused(
        "packages.yml:3: unknown key 'revison' in a package entry (did you mean 'revision'?)",
    );
    p.write("packages.yml", "packages:\n  - local: vendor/missing\n");
    p.jgt(&["deps"])
        .refused("JGT7013")
        .refused("packages.yml:2: local package folder");
    p.write("packages.yml", "packages:\n  - local: [oops\n");
    p.jgt(&["deps"]).refused("JGT7002").refused("packages.yml:");
    p.write("dependencies.yml", "packages:\n  - local: vendor/a\n");
    p.jgt(&["deps"]).refused("JGT7002");
    p.write("packages.yml", "packages:\n  - local: vendor/a\n");
    p.jgt(&["deps"]).refused("JGT7004");
    p.remove("dependencies.yml");
    p.write(
        "packages.yml",
        "packages:\n  - git: \"file:///nonexistent/repo\"\n    revision: v1\n",
    );
    p.jgt(&["deps"])
        .refused("JGT7008")
        .refused("does not appear to be a git repository");
    // jgt deps replaces what is in the install folder: never the project itself.
    p.write("project.yml", "name: shop\npackages-install-path: .\n");
    p.write("packages.yml", "packages:\n  - local: vendor/a\n");
    p.write("vendor/a/dbt_project.yml", "name: a\n");
    p.jgt(&["deps"]).refused("JGT7018");
    p.write(
        "project.yml",
        "name: shop\npackages-install-path: vendored\n",
    );
    p.jgt(&["deps"]).ok();
    assert!(p.path().join("vendored/a/dbt_project.yml").exists());
}

#[test]
fn without_packages_nothing_is_installed() {
    let p = TempProject::new("name: shop\n");
    let run = p.jgt(&["deps"]).ok();
    assert!(run.stdout.contains("nothing to install"), "{}", run.stdout);
    p.write("packages.yml", "packages: []\n");
    let run = p.jgt(&["deps", "--lock"]).ok();
    assert!(
        run.stdout.contains("No packages found in"),
        "{}",
        run.stdout
    );
    assert!(!p.path().join("package-lock.yml").exists());
    assert!(!p.path().join("dbt_packages").exists());
}
