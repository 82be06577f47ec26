//! Installed packages: each folder under `packages-install-path` holding
//! a project file is read as part of the project, as dbt does after
//! `dbt deps`.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::config::ProjectConfig;
use crate::error::ProjectError;
use crate::{ConfigTree, TestTree, DBT_PROJECT_FILE, PROJECT_FILE};

/// The files that list the packages a project needs.
const PACKAGE_FILES: [&str; 2] = ["packages.yml", "dependencies.yml"];

/// One installed package.
pub(crate) struct Package {
    /// Its folder, relative to the root project.
    pub dir: PathBuf,
    /// Its project file, relative to the root project.
    pub file: PathBuf,
    /// Its parsed project file.
    pub config: ProjectConfig,
    /// Its own `models:` tree.
    pub models: ConfigTree,
    /// Its own `seeds:` tree.
    pub seeds: ConfigTree,
    /// Its own `data_tests:` tree.
    pub tests: TestTree,
}

/// Reads every installed package, sorted by folder, after checking that
/// each package the project lists is installed.
pub(crate) fn installed(root: &Path, config: &ProjectConfig) -> Result<Vec<Package>, ProjectError> {
    let install = Path::new(&config.packages_install_path);
    let mut packages = Vec::new();
    let base = root.join(install);
    if base.is_dir() {
        let mut dirs: Vec<_> = std::fs::read_dir(&base)
            .map_err(|err| ProjectError::io(&base, err))?
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .collect();
        dirs.sort();
        for name in dirs {
            let dir = install.join(&name);
            if let Some(package) = read_package(root, &dir)? {
                packages.push(package);
            }
        }
    }
    check_listed(root, config, &packages)?;
    Ok(packages)
}

fn read_package(root: &Path, dir: &Path) -> Result<Option<Package>, ProjectError> {
    let Some(file) = [DBT_PROJECT_FILE, PROJECT_FILE]
        .into_iter()
        .map(|name| dir.join(name))
        .find(|path| root.join(path).is_file())
    else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(root.join(&file))
        .map_err(|err| ProjectError::io(root.join(&file), err))?;
    let config = ProjectConfig::parse_package(&file, &text)?;
    let models = ConfigTree::new(&file, &text, "models", &config.name, config.models.clone())?;
    let seeds = ConfigTree::new(&file, &text, "seeds", &config.name, config.seeds.clone())?;
    let (key, tree) = config.data_test_tree();
    let tests = TestTree::new(&file, &text, key, &config.name, tree.clone())?;
    Ok(Some(Package {
        dir: dir.to_path_buf(),
        file,
        config,
        models,
        seeds,
        tests,
    }))
}

/// Stops when `packages.yml`/`dependencies.yml` (or `packages:` in the
/// project file) lists a package that is not installed. Hub packages are
/// checked by name; git, local and tarball entries (whose installed name
/// is only known after `deps`) need at least one installed package.
fn check_listed(
    root: &Path,
    config: &ProjectConfig,
    installed: &[Package],
) -> Result<(), ProjectError> {
    let mut listed: Vec<(PathBuf, Value)> = config
        .packages
        .iter()
        .map(|entry| (PathBuf::from(DBT_PROJECT_FILE), entry.clone()))
        .collect();
    for name in PACKAGE_FILES {
        let path = root.join(name);
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|err| ProjectError::io(&path, err))?;
        let value: Value =
            serde_yaml::from_str(&text).map_err(|err| ProjectError::yaml(name, &err))?;
        if let Some(Value::Sequence(entries)) = value.get("packages") {
            listed.extend(entries.iter().map(|e| (PathBuf::from(name), e.clone())));
        }
    }
    for (path, entry) in listed {
        let wanted = entry
            .get("name")
            .or_else(|| entry.get("package"))
            .and_then(Value::as_str)
            .map(|name| name.rsplit('/').next().unwrap_or(name).to_string());
        let found = match (&wanted, entry.get("package")) {
            (Some(name), Some(_)) => installed.iter().any(|p| &p.config.name == name),
            _ => !installed.is_empty(),
        };
        if !found {
            let package = wanted
                .or_else(|| {
                    ["git", "local", "tarball", "private"]
                        .iter()
                        .find_map(|k| entry.get(*k).and_then(Value::as_str).map(str::to_string))
                })
                .unwrap_or_else(|| "(unnamed)".into());
            return Err(ProjectError::PackageNotInstalled {
                path,
                package,
                install_path: config.packages_install_path.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::tests::write;
    use crate::Project;
    use std::path::Path;

    #[test]
    fn a_packages_quoting_is_left_to_the_root_project_as_in_dbt() {
        // dbt_date 0.10 ships `quoting: {identifier: false, schema: false}`.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "dbt_project.yml", "name: shop\n");
        write(
            root,
            "dbt_packages/dbt_date/dbt_project.yml",
            "name: dbt_date\nquoting:\n    identifier: false\n    schema: false\n",
        );
        write(root, "dbt_packages/dbt_date/models/d.sql", "select 1");
        let project = Project::load(root).unwrap();
        assert_eq!(project.packages, ["dbt_date"]);
        assert_eq!(
            project.package_path(&project.models[0].path),
            ("dbt_date", Path::new("models/d.sql"))
        );
        // The root project's own `quoting: false` is still refused.
        write(
            root,
            "dbt_project.yml",
            "name: shop\nquoting:\n  identifier: false\n",
        );
        let err = Project::load(root).unwrap_err().to_string();
        assert!(err.contains("quoting: identifier: false"), "{err}");
    }
}
