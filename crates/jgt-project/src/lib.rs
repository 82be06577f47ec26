//! Loading a jgt project folder.
//!
//! This crate owns everything jgt knows before it renders a line of Jinja:
//! `project.yml` (checked strictly, with the nearest valid key suggested for
//! a typo), the folder-level config trees under `models:` and `seeds:`, and
//! the files found below the configured paths: models, macros, seeds,
//! singular tests and the schema files that declare sources and describe
//! nodes. Files are read at run time, so editing a model never needs a
//! rebuild of jgt.

mod config;
mod data_tests;
mod disabled;
mod discover;
mod error;
mod freshness;
pub mod keys;
mod load;
mod node_config;
mod packages;
pub mod profiles;
pub mod render;
mod schema;
mod snapshots;
pub mod suggest;
mod test_tree;
mod unit_tests;
mod versions;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use config::{DispatchConfig, ProjectConfig, PROJECT_KEYS};
pub use data_tests::{
    parse_test, set_test_config, threshold_met, Severity, TestConfig, TestSpec, TEST_CONFIG_KEYS,
};
pub use discover::FileStamp;
pub use error::ProjectError;
pub use freshness::{line_of_source_table, FreshnessProperties, ThresholdProperties};
pub use jgt_core::{Materialization, Relation};
pub use node_config::{scalar, ConfigTree, HookConfig, NodeConfig, CONFIG_KEYS};
pub use profiles::{
    Attachment, Connection, PostgresOutput, ProfileError, ProfileRequest, ProfileTarget, Secret,
    SparkOutput,
};
pub use schema::{
    ColumnProperties, GroupProperties, NodeProperties, SchemaFile, SnapshotProperties,
    SourceProperties, SourceTable, SourceTableProperties, VersionProperties,
};
pub use test_tree::{TestTree, TestTrees};
pub use unit_tests::{
    find_fixture, FixtureProperties, GivenProperties, OverridesProperties,
    UnitTestConfigProperties, UnitTestProperties, FIXTURES_DIR,
};
pub use versions::{version_value, VersionedModel};

/// jgt's own name for the file that marks a project folder.
pub const PROJECT_FILE: &str = "project.yml";

/// dbt's name for it; jgt reads either (never both).
pub const DBT_PROJECT_FILE: &str = "dbt_project.yml";

/// What loading takes from the command line and the environment.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--vars`, for `var()` in the project file.
    pub vars: std::collections::BTreeMap<String, serde_yaml::Value>,
    /// The environment, for `env_var()` and `DBT_PROFILES_DIR`.
    pub env: std::collections::BTreeMap<String, String>,
    /// Which `profiles.yml`, profile and target.
    pub profiles: ProfileRequest,
    /// Read only what rendering an already known model needs: the
    /// project file, the profile, the installed packages and every macro
    /// (generic tests included). Models, seeds, singular tests, analyses,
    /// snapshots and schema files are left unread and their lists empty.
    pub templates_only: bool,
}

/// A model file: Jinja SQL that becomes a view or a table.
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// The project or installed package the file belongs to (its `name:`).
    pub package: String,
    /// The model's name: the file stem, as `ref()` names it.
    pub name: String,
    /// The file, relative to the project folder.
    pub path: PathBuf,
    /// The folders between the model path and the file.
    pub folders: Vec<String>,
    /// The raw Jinja SQL.
    pub raw_sql: String,
    /// Config from the `models:` tree of `project.yml` (before `config()`),
    /// or the `snapshots:` tree for a snapshot.
    pub config: NodeConfig,
    /// Whether this is a snapshot (a `{% snapshot %}` block under
    /// `snapshot-paths`, whose body is `raw_sql`) rather than a model.
    pub snapshot: bool,
}

/// A seed: a CSV file loaded as a table.
#[derive(Debug, Clone)]
pub struct SeedFile {
    /// The project or installed package the file belongs to (its `name:`).
    pub package: String,
    /// The seed's name: the file stem, as `ref()` names it.
    pub name: String,
    /// The CSV file, relative to the project folder.
    pub path: PathBuf,
    /// Config from the `seeds:` tree of `project.yml`.
    pub config: NodeConfig,
}

/// A Jinja file that is not a model: a macro file or a singular test.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// The project or installed package the file belongs to (its `name:`).
    pub package: String,
    /// The file stem.
    pub name: String,
    /// The file, relative to the project folder.
    pub path: PathBuf,
    /// The folders between its configured folder and the file.
    pub folders: Vec<String>,
    /// The file's text.
    pub text: String,
}

/// A schema file with where it was found.
#[derive(Debug, Clone)]
pub struct SchemaEntry {
    /// The project or installed package the file belongs to.
    pub package: String,
    /// The file, relative to the project folder.
    pub path: PathBuf,
    /// The folders between its model (or seed, snapshot) path and the
    /// file: where its tests sit in the `data_tests:` tree.
    pub folders: Vec<String>,
    /// The file's text, to find the line of what a message is about.
    pub text: String,
    /// Its parsed content.
    pub file: SchemaFile,
}

/// A node `enabled: false` leaves out of the project: nothing builds it,
/// and a `ref()` or `source()` naming it is an error, as in dbt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisabledNode {
    /// `model`, `seed` or `source`.
    pub kind: &'static str,
    /// The project or installed package it belongs to.
    pub package: String,
    /// Its name: a model or seed name, or `source.table` for a source.
    pub name: String,
    /// The file that declares it, relative to the project folder.
    pub path: PathBuf,
}

impl DisabledNode {
    /// dbt's unique id: `model.shop.orders`, `source.shop.raw.users`.
    pub fn unique_id(&self) -> String {
        format!("{}.{}.{}", self.kind, self.package, self.name)
    }
}

/// An installed package's run hooks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageHooks {
    /// The package's project file, relative to the root project.
    pub file: PathBuf,
    /// Its `on-run-start` hooks, as Jinja.
    pub on_run_start: Vec<String>,
    /// Its `on-run-end` hooks, as Jinja.
    pub on_run_end: Vec<String>,
}

/// A whole project, read from disk.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project folder.
    pub root: PathBuf,
    /// The project file's name (`dbt_project.yml` or `project.yml`).
    pub project_file: PathBuf,
    /// The `profiles.yml` target, when there is a profiles file.
    pub profile: Option<ProfileTarget>,
    /// The names of the installed packages read with the project.
    pub packages: Vec<String>,
    /// Each installed package's name and folder (relative to the project
    /// folder): where its files' paths start.
    pub package_dirs: Vec<(String, PathBuf)>,
    /// The installed packages (and the root project) that set
    /// `restrict-access: true`.
    pub restricted_packages: Vec<String>,
    /// The installed packages' own `on-run-start` / `on-run-end` hooks,
    /// by package name (the root project's are in `config`).
    pub package_hooks: BTreeMap<String, PackageHooks>,
    /// Each installed package's own `vars:`, by package name: what its
    /// nodes see after the root project's vars.
    pub package_vars: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
    /// The parsed project file.
    pub config: ProjectConfig,
    /// Enabled models, sorted by path, then enabled snapshots (their
    /// `snapshot` flag set).
    pub models: Vec<ModelFile>,
    /// Enabled seeds, sorted by path.
    pub seeds: Vec<SeedFile>,
    /// Macro files, sorted by path.
    pub macros: Vec<TemplateFile>,
    /// Singular test files, sorted by path.
    pub tests: Vec<TemplateFile>,
    /// Analyses: SQL under `analysis-paths`, compiled, never run.
    pub analyses: Vec<TemplateFile>,
    /// Schema files found below the model and seed paths.
    pub schema_files: Vec<SchemaEntry>,
    /// Every enabled source table the schema files declare.
    pub sources: Vec<SourceTable>,
    /// Models, seeds and source tables that `enabled: false` leaves out
    /// (from the config trees or the schema files; a model's own
    /// `config(enabled=false)` is found while compiling).
    pub disabled: Vec<DisabledNode>,
    /// Versioned models, for `ref(name)` and `ref(name, v=...)`; each
    /// version is a model named `<name>_v<v>` in `models`.
    pub versions: Vec<VersionedModel>,
    /// Warnings found while loading: configs of the project file's trees
    /// that jgt does not apply yet.
    pub warnings: Vec<String>,
    /// The `models:` config tree, for `config()` defaults.
    pub model_tree: ConfigTree,
    /// The `data_tests:` trees of the project file and the packages'.
    pub test_trees: TestTrees,
    /// The files under the model paths (models and schema files), each
    /// by its path relative to the project folder with its stamp when it
    /// was read: what an up-to-date check compares without looking at
    /// each file again.
    pub stamps: Vec<(PathBuf, FileStamp)>,
}

impl Project {
    /// Reads the project in `root` with no `--vars`, no environment and
    /// no profile flags (tests and tools).
    pub fn load(root: &Path) -> Result<Project, ProjectError> {
        Project::load_with(root, &LoadOptions::default())
    }

    /// Reads the project in `root`: its project file (Jinja in values
    /// rendered), its profile target, its files and its installed packages.
    pub fn load_with(root: &Path, options: &LoadOptions) -> Result<Project, ProjectError> {
        let (display_path, text) = read_project_file(root)?;
        let profile = load::profile_target(root, &display_path, &text, options)?;
        let config = load::parse_config(&display_path, &text, options, profile.as_ref())?;
        let model_tree = ConfigTree::new(
            &display_path,
            &text,
            "models",
            &config.name,
            config.models.clone(),
        )?;
        let seed_tree = ConfigTree::new(
            &display_path,
            &text,
            "seeds",
            &config.name,
            config.seeds.clone(),
        )?;
        let snapshot_tree = ConfigTree::new(
            &display_path,
            &text,
            "snapshots",
            &config.name,
            config.snapshots.clone(),
        )?;
        let (key, tree) = config.data_test_tree();
        let test_tree = TestTree::new(&display_path, &text, key, &config.name, tree.clone())?;
        let trees = load::Trees {
            models: &model_tree,
            seeds: &seed_tree,
            snapshots: &snapshot_tree,
            root: None,
        };
        let mut part = load::read_part(root, Path::new(""), &config, &trees, options)?;
        let packages = packages::installed(root, &config)?;
        let restricted_packages = packages
            .iter()
            .map(|p| &p.config)
            .chain([&config])
            .filter(|c| c.restrict_access)
            .map(|c| c.name.clone())
            .collect();
        let package_vars = packages
            .iter()
            .map(|p| (p.config.name.clone(), p.config.vars.clone()))
            .collect();
        let package_hooks = packages
            .iter()
            .filter(|p| !p.config.on_run_start.is_empty() || !p.config.on_run_end.is_empty())
            .map(|p| {
                let hooks = PackageHooks {
                    file: p.file.clone(),
                    on_run_start: p.config.on_run_start.clone(),
                    on_run_end: p.config.on_run_end.clone(),
                };
                (p.config.name.clone(), hooks)
            })
            .collect();
        for package in &packages {
            let trees = load::Trees {
                models: &package.models,
                seeds: &package.seeds,
                snapshots: &ConfigTree::default(),
                root: Some((&model_tree, &seed_tree)),
            };
            let found = load::read_part(root, &package.dir, &package.config, &trees, options)?;
            part.extend(found);
        }
        let versions = versions::expand(&mut part)?;
        disabled::apply_schema_configs(&mut part)?;
        let mut disabled = disabled::split_disabled(&mut part);
        let (sources, off): (Vec<_>, Vec<_>) = part
            .schema_files
            .iter()
            .flat_map(|entry| {
                let package = entry.package.clone();
                entry
                    .file
                    .source_tables(&entry.path)
                    .into_iter()
                    .map(move |table| (package.clone(), table))
            })
            .partition(|(_, table)| table.enabled);
        disabled.extend(off.into_iter().map(|(package, table)| DisabledNode {
            kind: "source",
            package,
            name: format!("{}.{}", table.source_name, table.table_name),
            path: table.path,
        }));
        let sources = sources.into_iter().map(|(_, table)| table).collect();
        Ok(Project {
            root: root.to_path_buf(),
            project_file: display_path,
            config,
            models: part.models,
            seeds: part.seeds,
            macros: part.macros,
            tests: part.tests,
            analyses: part.analyses,
            schema_files: part.schema_files,
            stamps: part.stamps,
            sources,
            disabled,
            versions,
            warnings: [&model_tree, &seed_tree]
                .iter()
                .flat_map(|tree| tree.unapplied.iter().cloned())
                .chain(part.warnings)
                .collect(),
            model_tree,
            test_trees: TestTrees {
                root: test_tree,
                packages: packages
                    .iter()
                    .map(|p| (p.config.name.clone(), p.tests.clone()))
                    .collect(),
            },
            profile,
            package_dirs: packages
                .iter()
                .map(|p| (p.config.name.clone(), p.dir.clone()))
                .collect(),
            packages: packages.into_iter().map(|p| p.config.name).collect(),
            package_hooks,
            package_vars,
            restricted_packages,
        })
    }

    /// The folder for compiled SQL and artifacts (`target/` by default).
    pub fn target_dir(&self) -> PathBuf {
        self.root.join(&self.config.target_path)
    }

    /// The package a file belongs to and the file's path inside that
    /// package, from its path relative to the project folder:
    /// `dbt_packages/shop_utils/models/a.sql` is `models/a.sql` of
    /// `shop_utils`, and a file of the root project is its own under the
    /// project's name. dbt lays out `target/compiled/` by these two.
    pub fn package_path<'a>(&'a self, path: &'a Path) -> (&'a str, &'a Path) {
        self.package_dirs
            .iter()
            .find_map(|(name, dir)| Some((name.as_str(), path.strip_prefix(dir).ok()?)))
            .unwrap_or((&self.config.name, path))
    }
}

/// Finds and reads the project file in `root`: `dbt_project.yml` or
/// `project.yml`, never both. Returns its name (relative to `root`) and
/// its text.
pub fn read_project_file(root: &Path) -> Result<(PathBuf, String), ProjectError> {
    let found: Vec<_> = [DBT_PROJECT_FILE, PROJECT_FILE]
        .into_iter()
        .filter(|name| root.join(name).is_file())
        .collect();
    let name = match found.as_slice() {
        [] => return Err(ProjectError::NoProjectFile { dir: root.into() }),
        [one] => *one,
        _ => return Err(ProjectError::BothProjectFiles { dir: root.into() }),
    };
    let file = root.join(name);
    let text = std::fs::read_to_string(&file).map_err(|err| ProjectError::io(&file, err))?;
    Ok((PathBuf::from(name), text))
}

/// Whether `path` sits in a `generic/` folder right under a test path.
pub(crate) fn is_generic_test_file(path: &Path, test_paths: &[String]) -> bool {
    test_paths
        .iter()
        .any(|dir| path.starts_with(Path::new(dir).join("generic")))
}

pub(crate) fn read_templates(
    root: &Path,
    dirs: &[String],
    package: &str,
) -> Result<Vec<TemplateFile>, ProjectError> {
    discover::find_files(root, dirs, &["sql"])?
        .into_iter()
        .map(|found| {
            let text = discover::read_text(root, &found.path)?;
            Ok(TemplateFile {
                package: package.to_string(),
                name: found.stem,
                path: found.path,
                folders: found.folders,
                text,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `text` to `path` under `root`, making its folders.
    pub(crate) fn write(root: &Path, path: &str, text: &str) {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    #[test]
    fn loads_models_with_folder_configs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "project.yml",
            "name: demo\nmodels:\n  demo:\n    staging:\n      +materialized: view\n",
        );
        write(root, "models/staging/stg_a.sql", "select 1 as a");
        write(root, "models/b.sql", "select * from {{ ref('stg_a') }}");
        write(root, "seeds/raw.csv", "a\n1\n");
        write(root, "macros/m.sql", "{% macro m() %}1{% endmacro %}");
        let project = Project::load(root).unwrap();
        let names: Vec<_> = project.models.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["b", "stg_a"]);
        assert_eq!(
            project.models[1].config.materialized.as_deref(),
            Some("view")
        );
        assert_eq!(
            project.models[1].path,
            Path::new("models/staging/stg_a.sql")
        );
        assert_eq!(project.seeds[0].name, "raw");
        assert_eq!(project.macros.len(), 1);
    }

    #[test]
    fn a_folder_without_project_yml_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Project::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("no project.yml or dbt_project.yml"), "{err}");
    }

    #[test]
    fn dbt_project_yml_is_read_and_both_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "dbt_project.yml",
            "name: shop\nconfig-version: 2\nanalysis-paths: [analyses]\ndbt-cloud: {project-id: 1}\nflags: {send_anonymous_usage_stats: false}\n",
        );
        write(root, "models/a.sql", "select 1");
        let project = Project::load(root).unwrap();
        assert_eq!(project.project_file, Path::new("dbt_project.yml"));
        assert_eq!(project.models[0].package, "shop");
        write(root, "project.yml", "name: shop\n");
        let err = Project::load(root).unwrap_err();
        assert_eq!(err.code(), "JGT1003");
        assert!(
            err.to_string()
                .contains("both project.yml and dbt_project.yml"),
            "{err}"
        );
    }

    #[test]
    fn jinja_in_config_values_is_rendered_with_vars() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "dbt_project.yml",
            "name: shop\nmodels:\n  shop:\n    extra:\n      +enabled: \"{{ var('load_extra', false) }}\"\n",
        );
        write(root, "models/a.sql", "select 1");
        write(root, "models/extra/b.sql", "select 2");
        let project = Project::load(root).unwrap();
        assert_eq!(project.models.len(), 1);
        let mut options = LoadOptions::default();
        options.vars.insert("load_extra".into(), true.into());
        let project = Project::load_with(root, &options).unwrap();
        assert_eq!(project.models.len(), 2);
    }

    #[test]
    fn snapshot_blocks_are_read_with_their_tree_config() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "dbt_project.yml",
            "name: shop\nsnapshots:\n  shop:\n    +strategy: check\n",
        );
        write(
            root,
            "snapshots/orders.sql",
            "{%- snapshot orders_snapshot -%}\nselect 1\n{% endsnapshot %}",
        );
        let project = Project::load(root).unwrap();
        let snapshot = &project.models[0];
        assert!(snapshot.snapshot);
        assert_eq!(snapshot.name, "orders_snapshot");
        assert_eq!(snapshot.raw_sql, "\nselect 1\n");
        assert_eq!(
            snapshot.config.other.get("strategy"),
            Some(&serde_yaml::Value::from("check"))
        );
    }

    #[test]
    fn a_python_model_is_refused_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "dbt_project.yml", "name: shop\n");
        write(
            root,
            "models/scores.py",
            "def model(dbt, session):\n    return None\n",
        );
        let err = Project::load(root).unwrap_err();
        assert_eq!(err.code(), "JGT1004");
        let message = err.to_string();
        assert!(message.starts_with("models/scores.py:1:"), "{message}");
        assert!(
            message.contains("Python models are not supported"),
            "{message}"
        );
    }

    #[test]
    fn a_snapshot_file_without_a_block_is_skipped_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "dbt_project.yml", "name: shop\n");
        write(root, "snapshots/orders.sql", "select 1\n");
        let project = Project::load(root).unwrap();
        assert!(project.models.is_empty());
        assert_eq!(project.warnings.len(), 1, "{:?}", project.warnings);
        let warning = &project.warnings[0];
        assert!(
            warning.starts_with("snapshots/orders.sql: no {% snapshot name %}"),
            "{warning}"
        );
    }

    #[test]
    fn installed_packages_are_read_with_root_configs_on_top() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "dbt_project.yml",
            "name: shop\nmodels:\n  helpers:\n    +materialized: table\n",
        );
        write(
            root,
            "packages.yml",
            "packages:\n  - package: acme/helpers\n    version: 1.0.0\n",
        );
        write(
            root,
            "dbt_packages/helpers/dbt_project.yml",
            "name: helpers\nvars:\n  depth: 3\nmodels:\n  helpers:\n    +materialized: view\n    +tags: [pkg]\n",
        );
        write(root, "dbt_packages/helpers/models/h.sql", "select 1");
        write(
            root,
            "dbt_packages/helpers/macros/m.sql",
            "{% macro m() %}1{% endmacro %}",
        );
        let project = Project::load(root).unwrap();
        let model = &project.models[0];
        assert_eq!(model.package, "helpers");
        assert_eq!(model.path, Path::new("dbt_packages/helpers/models/h.sql"));
        assert_eq!(model.config.materialized.as_deref(), Some("table"));
        assert_eq!(model.config.tags, ["pkg"]);
        assert_eq!(project.macros[0].package, "helpers");
        assert_eq!(
            project.package_vars["helpers"]["depth"],
            serde_yaml::Value::from(3)
        );
        assert!(
            !project.config.vars.contains_key("depth"),
            "the root keeps its own vars"
        );
        assert_eq!(project.packages, ["helpers"]);
    }

    #[test]
    fn listed_packages_that_are_not_installed_ask_for_deps() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "dbt_project.yml", "name: shop\n");
        write(
            root,
            "packages.yml",
            "packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n",
        );
        let err = Project::load(root).unwrap_err();
        assert_eq!(err.code(), "JGT1006");
        assert!(err.to_string().contains("run `jgt deps`"), "{err}");
    }
}
