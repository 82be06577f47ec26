//! Groups and `access`, checked as dbt checks them once every model's
//! configs are known: a model's `group` must be declared under `groups:`;
//! a `private` model may be `ref`'d only from its own group; a `private`
//! or `protected` model of a package with `restrict-access: true` only
//! from that package.

use std::collections::HashMap;
use std::path::PathBuf;

use jgt_project::{ModelFile, NodeConfig, Project, ProjectError};
use jgt_render::{RenderError, Rendered};

use crate::error::CompileError;

/// One model as the check sees it.
struct Member<'a> {
    file: &'a ModelFile,
    config: &'a NodeConfig,
}

/// Checks every model's group, and every `ref` a model makes against the
/// access of the model it names.
pub(crate) fn check(
    project: &Project,
    models: &[ModelFile],
    configs: &[NodeConfig],
    rendered: &[Rendered],
) -> Result<(), CompileError> {
    let groups = declared_groups(project);
    let members: jgt_core::hash::Map<&str, Member> = models
        .iter()
        .zip(configs)
        .map(|(file, config)| (file.name.as_str(), Member { file, config }))
        .collect();
    for (member, out) in models.iter().zip(configs).zip(rendered) {
        let (file, config) = member;
        check_group(file, config, &groups)?;
        let referrer = Member { file, config };
        for name in &out.refs {
            if let Some(target) = members.get(name.as_str()) {
                check_ref(project, &referrer, target, name)?;
            }
        }
    }
    Ok(())
}

/// The groups every schema file declares, with the file declaring each.
fn declared_groups(project: &Project) -> HashMap<&str, &PathBuf> {
    project
        .schema_files
        .iter()
        .flat_map(|entry| {
            entry
                .file
                .groups
                .iter()
                .map(move |g| (g.name.as_str(), &entry.path))
        })
        .collect()
}

/// A model's group must be one the schema files declare.
fn check_group(
    file: &ModelFile,
    config: &NodeConfig,
    groups: &HashMap<&str, &PathBuf>,
) -> Result<(), CompileError> {
    let Some(group) = config.group() else {
        return Ok(());
    };
    if groups.contains_key(group) {
        return Ok(());
    }
    let mut known: Vec<&str> = groups.keys().copied().collect();
    known.sort_unstable();
    let hint = jgt_project::suggest::did_you_mean(&jgt_project::suggest::nearest(
        group,
        known.iter().copied(),
    ));
    Err(ProjectError::InvalidValue {
        path: file.path.clone(),
        line: line_of_word(&file.raw_sql, group),
        key: "group".into(),
        message: format!(
            "model '{}' is in group '{group}', which no schema file declares under groups: (declared: {}).{hint}",
            file.name,
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        ),
    }
    .into())
}

/// Refuses a `ref` the target's access does not allow, as dbt does.
fn check_ref(
    project: &Project,
    referrer: &Member,
    target: &Member,
    name: &str,
) -> Result<(), CompileError> {
    let other_package = referrer.file.package != target.file.package;
    let restricted = other_package && project.restricted_packages.contains(&target.file.package);
    let why = match target.config.access() {
        "private" if referrer.config.group() != target.config.group() || restricted => format!(
            "the referenced node is private to the '{}' group{}",
            target.config.group().unwrap_or_default(),
            match referrer.config.group() {
                Some(group) => format!(" and '{}' is in group '{group}'", referrer.file.name),
                None => format!(" and '{}' is in no group", referrer.file.name),
            }
        ),
        "protected" if restricted => format!(
            "the referenced node is protected and package '{}' sets restrict-access: true",
            target.file.package
        ),
        _ => return Ok(()),
    };
    Err(RenderError::AccessDenied {
        path: referrer.file.path.clone(),
        line: line_of_word(&referrer.file.raw_sql, name),
        message: format!(
            "node model.{}.{} attempted to reference node model.{}.{}, which is not allowed because {why}; \
             put both models in one group, or give '{}' access: public",
            referrer.file.package,
            referrer.file.name,
            target.file.package,
            target.file.name,
            target.file.name
        ),
        node: None,
    }
    .into())
}

/// The 1-based line of the first quoted `word` in `text` (0 when none).
fn line_of_word(text: &str, word: &str) -> usize {
    let quoted = [format!("'{word}'"), format!("\"{word}\"")];
    text.lines()
        .position(|line| quoted.iter().any(|q| line.contains(q.as_str())))
        .map_or(0, |n| n + 1)
}
