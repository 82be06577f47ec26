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
mod discover;
mod error;
mod node_config;
mod schema;
pub mod suggest;

use std::path::{Path, PathBuf};

pub use config::{DispatchConfig, ProjectConfig, PROJECT_KEYS};
pub use data_tests::{parse_test, threshold_met, Severity, TestConfig, TestSpec, TEST_CONFIG_KEYS};
pub use error::ProjectError;
pub use jgt_core::{Materialization, Relation};
pub use node_config::{ConfigTree, NodeConfig, CONFIG_KEYS};
pub use schema::{
    ColumnProperties, NodeProperties, SchemaFile, SourceProperties, SourceTable,
    SourceTableProperties,
};

/// The name of the file that marks a project folder.
pub const PROJECT_FILE: &str = "project.yml";

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
    /// Config from the `models:` tree of `project.yml` (before `config()`).
    pub config: NodeConfig,
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
    /// The file's text.
    pub text: String,
}

/// A schema file with where it was found.
#[derive(Debug, Clone)]
pub struct SchemaEntry {
    /// The file, relative to the project folder.
    pub path: PathBuf,
    /// Its parsed content.
    pub file: SchemaFile,
}

/// A whole project, read from disk.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project folder.
    pub root: PathBuf,
    /// The parsed `project.yml`.
    pub config: ProjectConfig,
    /// Enabled models, sorted by path.
    pub models: Vec<ModelFile>,
    /// Enabled seeds, sorted by path.
    pub seeds: Vec<SeedFile>,
    /// Macro files, sorted by path.
    pub macros: Vec<TemplateFile>,
    /// Singular test files, sorted by path.
    pub tests: Vec<TemplateFile>,
    /// Schema files found below the model and seed paths.
    pub schema_files: Vec<SchemaEntry>,
    /// Every source table the schema files declare.
    pub sources: Vec<SourceTable>,
    /// The `models:` config tree, for `config()` defaults.
    pub model_tree: ConfigTree,
}

impl Project {
    /// Reads the project in `root`.
    pub fn load(root: &Path) -> Result<Project, ProjectError> {
        let project_file = root.join(PROJECT_FILE);
        if !project_file.is_file() {
            return Err(ProjectError::NoProjectFile { dir: root.into() });
        }
        let text = std::fs::read_to_string(&project_file)
            .map_err(|err| ProjectError::io(&project_file, err))?;
        let display_path = Path::new(PROJECT_FILE);
        let config = ProjectConfig::parse(display_path, &text)?;
        let model_tree = ConfigTree::new(
            display_path,
            &text,
            "models",
            &config.name,
            config.models.clone(),
        )?;
        let seed_tree = ConfigTree::new(
            display_path,
            &text,
            "seeds",
            &config.name,
            config.seeds.clone(),
        )?;

        let config_name = config.name.clone();
        let mut models = Vec::new();
        let mut schema_files = Vec::new();
        for found in discover::find_files(root, &config.model_paths, &["sql", "yml", "yaml"])? {
            let text = discover::read_text(root, &found.path)?;
            if found.path.extension().is_some_and(|e| e == "sql") {
                let config = model_tree.resolve(&found.folders, &found.stem);
                if config.is_enabled() {
                    models.push(ModelFile {
                        package: config_name.clone(),
                        name: found.stem,
                        path: found.path,
                        folders: found.folders,
                        raw_sql: text,
                        config,
                    });
                }
            } else {
                let file = SchemaFile::parse(&found.path, &text)?;
                schema_files.push(SchemaEntry {
                    path: found.path,
                    file,
                });
            }
        }

        let mut seeds = Vec::new();
        for found in discover::find_files(root, &config.seed_paths, &["csv", "yml", "yaml"])? {
            if found.path.extension().is_some_and(|e| e == "csv") {
                let config = seed_tree.resolve(&found.folders, &found.stem);
                if config.is_enabled() {
                    seeds.push(SeedFile {
                        package: config_name.clone(),
                        name: found.stem,
                        path: found.path,
                        config,
                    });
                }
            } else {
                let text = discover::read_text(root, &found.path)?;
                let file = SchemaFile::parse(&found.path, &text)?;
                schema_files.push(SchemaEntry {
                    path: found.path,
                    file,
                });
            }
        }

        let mut macros = read_templates(root, &config.macro_paths, &config.name)?;
        // dbt keeps custom generic tests in tests/generic/: they are macros.
        let (generic, tests): (Vec<_>, Vec<_>) = read_templates(root, &config.test_paths, &config.name)?
            .into_iter()
            .partition(|t| is_generic_test_file(&t.path, &config.test_paths));
        macros.extend(generic);
        let sources = schema_files
            .iter()
            .flat_map(|entry| entry.file.source_tables(&entry.path))
            .collect();

        Ok(Project {
            root: root.to_path_buf(),
            config,
            models,
            seeds,
            macros,
            tests,
            schema_files,
            sources,
            model_tree,
        })
    }

    /// The folder for compiled SQL and artifacts (`target/` by default).
    pub fn target_dir(&self) -> PathBuf {
        self.root.join(&self.config.target_path)
    }
}

/// Whether `path` sits in a `generic/` folder right under a test path.
fn is_generic_test_file(path: &Path, test_paths: &[String]) -> bool {
    test_paths
        .iter()
        .any(|dir| path.starts_with(Path::new(dir).join("generic")))
}

fn read_templates(
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
                text,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
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
        assert!(err.contains("no project.yml"), "{err}");
    }
}
