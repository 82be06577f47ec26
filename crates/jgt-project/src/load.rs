//! The steps of loading: the profile target, the rendered project file,
//! and the files of the root project or of one installed package.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::config::ProjectConfig;
use crate::error::ProjectError;
use crate::profiles::{find_profiles_file, read_target, ProfileError, ProfileTarget};
use crate::render::{environment, is_template, render_one, render_tree, RenderInputs};
use crate::{
    discover, is_generic_test_file, read_templates, ConfigTree, LoadOptions, ModelFile,
    SchemaEntry, SchemaFile, SeedFile, TemplateFile,
};

/// Reads the profile target the project (or `--profile`) names, when a
/// `profiles.yml` is found. `None` keeps jgt's defaults.
pub(crate) fn profile_target(
    root: &Path,
    display_path: &Path,
    text: &str,
    options: &LoadOptions,
) -> Result<Option<ProfileTarget>, ProjectError> {
    let request = &options.profiles;
    let Some(file) = find_profiles_file(request, &options.env, root)? else {
        if request.profile.is_some() || request.target.is_some() {
            return Err(ProfileError::Missing {
                dir: root.into(),
                from: "--profile/--target: no profiles.yml in the project folder or ~/.dbt/".into(),
            }
            .into());
        }
        return Ok(None);
    };
    let inputs = RenderInputs {
        vars: options.vars.clone(),
        env: options.env.clone(),
        ..RenderInputs::default()
    };
    let name = match &request.profile {
        Some(name) => Some(name.clone()),
        None => profile_key(display_path, text, &inputs)?,
    };
    let Some(name) = name else {
        return Ok(None);
    };
    let profiles_text =
        std::fs::read_to_string(&file).map_err(|err| ProjectError::io(&file, err))?;
    Ok(Some(read_target(
        &file,
        &profiles_text,
        &name,
        request,
        &inputs,
    )?))
}

/// The project's `profile:`, rendered (it may use `env_var()`).
fn profile_key(
    path: &Path,
    text: &str,
    inputs: &RenderInputs,
) -> Result<Option<String>, ProjectError> {
    let value: Value = serde_yaml::from_str(text).map_err(|err| ProjectError::yaml(path, &err))?;
    let Some(Value::String(profile)) = value.get("profile") else {
        return Ok(None);
    };
    if !is_template(profile) {
        return Ok(Some(profile.clone()));
    }
    let rendered =
        render_one(&environment(inputs), profile).map_err(|err| ProjectError::Render {
            path: path.into(),
            line: crate::render::line_of_text(text, profile),
            template: profile.clone(),
            message: err.to_string(),
        })?;
    Ok(match rendered {
        Value::String(name) => Some(name),
        other => serde_yaml::to_string(&other)
            .ok()
            .map(|s| s.trim().to_string()),
    })
}

/// `{{ target }}` while rendering the project file.
fn target_value(profile: Option<&ProfileTarget>) -> Value {
    let mut map = serde_yaml::Mapping::new();
    let mut put = |key: &str, value: Value| {
        map.insert(key.into(), value);
    };
    put("type", "duckdb".into());
    match profile {
        Some(p) => {
            put("name", p.target_name.as_str().into());
            put("profile_name", p.profile_name.as_str().into());
            put("schema", p.schema.as_str().into());
            let path = p.path.clone().unwrap_or_else(|| "target/jgt.duckdb".into());
            let stem = Path::new(&path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            put("database", p.database.clone().unwrap_or(stem).into());
            put("path", path.into());
            put(
                "threads",
                p.threads.map_or(Value::Null, |t| (t as u64).into()),
            );
        }
        None => {
            put("name", "dev".into());
            put("schema", "main".into());
        }
    }
    Value::Mapping(map)
}

/// Parses the project file, rendering Jinja in its values first.
pub(crate) fn parse_config(
    path: &Path,
    text: &str,
    options: &LoadOptions,
    profile: Option<&ProfileTarget>,
) -> Result<ProjectConfig, ProjectError> {
    if !is_template(text) {
        return ProjectConfig::parse(path, text);
    }
    let mut value: Value =
        serde_yaml::from_str(text).map_err(|err| ProjectError::yaml(path, &err))?;
    let inputs = RenderInputs {
        vars: options.vars.clone(),
        env: options.env.clone(),
        target: Some(target_value(profile)),
        allow_secrets: false,
    };
    render_tree(&mut value, &inputs, path, text)?;
    ProjectConfig::from_rendered(path, text, value)
}

/// The config trees a part of the project resolves its nodes with.
pub(crate) struct Trees<'a> {
    /// The part's own `models:` tree.
    pub models: &'a ConfigTree,
    /// The part's own `seeds:` tree.
    pub seeds: &'a ConfigTree,
    /// The part's own `snapshots:` tree.
    pub snapshots: &'a ConfigTree,
    /// For a package: the root project's model and seed trees, on top.
    pub root: Option<(&'a ConfigTree, &'a ConfigTree)>,
}

/// The files of the root project or of one package.
#[derive(Default)]
pub(crate) struct Part {
    pub models: Vec<ModelFile>,
    pub seeds: Vec<SeedFile>,
    pub macros: Vec<TemplateFile>,
    pub tests: Vec<TemplateFile>,
    pub analyses: Vec<TemplateFile>,
    pub schema_files: Vec<SchemaEntry>,
    pub stamps: Vec<(PathBuf, crate::FileStamp)>,
    /// What loading the part warns about (files dbt skips too).
    pub warnings: Vec<String>,
}

impl Part {
    /// Adds another part's files.
    pub fn extend(&mut self, other: Part) {
        self.models.extend(other.models);
        self.seeds.extend(other.seeds);
        self.macros.extend(other.macros);
        self.tests.extend(other.tests);
        self.analyses.extend(other.analyses);
        self.schema_files.extend(other.schema_files);
        self.stamps.extend(other.stamps);
        self.warnings.extend(other.warnings);
    }
}

/// Reads the files of the project part in folder `base` (relative to
/// `root`; empty for the root project). Paths stay relative to `root`.
/// A file under a model path, read.
enum ModelPathFile {
    Model(ModelFile),
    Schema(SchemaEntry),
}

pub(crate) fn read_part(
    root: &Path,
    base: &Path,
    config: &ProjectConfig,
    trees: &Trees,
    options: &LoadOptions,
) -> Result<Part, ProjectError> {
    let under = |dirs: &[String]| -> Vec<String> {
        dirs.iter()
            .map(|dir| base.join(dir).to_string_lossy().into_owned())
            .collect()
    };
    let package = &config.name;
    let mut part = Part::default();
    if options.templates_only {
        part.macros = read_macros(root, &under, config)?.0;
        return Ok(part);
    }
    // One walk of the model paths finds the models, their schema files
    // and any Python model.
    let found = discover::find_files(
        root,
        &under(&config.model_paths),
        &["sql", "yml", "yaml", "py"],
    )?;
    refuse_python_models(&found)?;
    // Reading and parsing files is independent work per file: spread it
    // over the cores, keep the files' order.
    let read = jgt_core::parallel::map(&found, |found| -> Result<_, ProjectError> {
        let (text, stamp) = discover::read_stamped(root, &found.path)?;
        if found.path.extension().is_none_or(|e| e != "sql") {
            let entry = schema_entry(package, found, text)?;
            return Ok((ModelPathFile::Schema(entry), stamp));
        }
        let mut node = trees.models.resolve(&found.folders, &found.stem);
        if let Some((models, _)) = trees.root {
            node = models.overlay_package(node, package, &found.folders, &found.stem);
        }
        // Disabled models are kept until the schema files' configs
        // are applied: `ref()` to them must say they are disabled.
        let model = ModelPathFile::Model(ModelFile {
            package: package.clone(),
            name: found.stem.clone(),
            path: found.path.clone(),
            folders: found.folders.clone(),
            raw_sql: text,
            config: node,
            snapshot: false,
        });
        Ok((model, stamp))
    });
    // Room for every file at once: grown by doubling, the lists were
    // copied into fresh memory again and again (9 ms at 10,000 models,
    // most of it the kernel clearing pages, with the other core idle).
    part.stamps.reserve(found.len());
    part.models.reserve(found.len());
    for (file, found) in read.into_iter().zip(&found) {
        let (file, stamp) = file?;
        part.stamps.push((found.path.clone(), stamp));
        match file {
            ModelPathFile::Model(model) => part.models.push(model),
            ModelPathFile::Schema(entry) => part.schema_files.push(entry),
        }
    }
    for found in discover::find_files(root, &under(&config.seed_paths), &["csv", "yml", "yaml"])? {
        if found.path.extension().is_some_and(|e| e == "csv") {
            let mut node = trees.seeds.resolve(&found.folders, &found.stem);
            if let Some((_, seeds)) = trees.root {
                node = seeds.overlay_package(node, package, &found.folders, &found.stem);
            }
            part.seeds.push(SeedFile {
                package: package.clone(),
                name: found.stem,
                path: found.path,
                config: node,
            });
        } else {
            let text = discover::read_text(root, &found.path)?;
            part.schema_files.push(schema_entry(package, &found, text)?);
        }
    }
    (part.macros, part.tests) = read_macros(root, &under, config)?;
    part.analyses = read_templates(root, &under(&config.analysis_paths), package)?;
    let snapshot_paths = under(&config.snapshot_paths);
    let (snapshots, skipped) =
        crate::snapshots::read(root, &snapshot_paths, package, trees.snapshots)?;
    part.models.extend(snapshots);
    part.warnings.extend(skipped);
    for found in discover::find_files(root, &snapshot_paths, &["yml", "yaml"])? {
        let text = discover::read_text(root, &found.path)?;
        part.schema_files.push(schema_entry(package, &found, text)?);
    }
    let defined = crate::snapshots::from_yaml(&part.schema_files, package, trees.snapshots);
    part.models.extend(defined);
    Ok(part)
}

/// The macro files of a project part (generic tests under the test paths
/// included: dbt keeps them in `tests/generic/`, and they are macros),
/// and its singular tests. Files under `tests/fixtures/` are unit test
/// rows, neither.
fn read_macros(
    root: &Path,
    under: &dyn Fn(&[String]) -> Vec<String>,
    config: &ProjectConfig,
) -> Result<(Vec<TemplateFile>, Vec<TemplateFile>), ProjectError> {
    let package = &config.name;
    let mut macros = read_templates(root, &under(&config.macro_paths), package)?;
    let test_paths = under(&config.test_paths);
    let (generic, tests): (Vec<_>, Vec<_>) = read_templates(root, &test_paths, package)?
        .into_iter()
        .filter(|t| !crate::unit_tests::is_fixture_file(&t.path, &test_paths))
        .partition(|t| is_generic_test_file(&t.path, &test_paths));
    macros.extend(generic);
    Ok((macros, tests))
}

/// Stops on a Python model (a `.py` file under the model paths, which
/// dbt runs as one): jgt cannot build it, and must not skip it.
fn refuse_python_models(found: &[discover::Found]) -> Result<(), ProjectError> {
    match found
        .iter()
        .find(|f| f.path.extension().is_some_and(|e| e == "py"))
    {
        Some(found) => Err(ProjectError::Unsupported {
            path: found.path.clone(),
            line: 1,
            message: "Python models are not supported by jgt: dbt would run this file as a \
                      model; rewrite it in SQL, or move it out of the model paths"
                .into(),
        }),
        None => Ok(()),
    }
}

fn schema_entry(
    package: &str,
    found: &discover::Found,
    text: String,
) -> Result<SchemaEntry, ProjectError> {
    let file = SchemaFile::parse(&found.path, &text)?;
    Ok(SchemaEntry {
        package: package.to_string(),
        path: found.path.clone(),
        folders: found.folders.clone(),
        text,
        file,
    })
}
