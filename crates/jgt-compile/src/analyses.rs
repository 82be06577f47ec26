//! Analyses: SQL files under `analysis-paths`, compiled as models are
//! (`ref`, `source`, macros) into `target/compiled/<project>/<path>`, and never run.
//! They are not nodes of the graph: a `ref` an analysis makes builds
//! nothing, and selection never reaches them.

use std::path::PathBuf;
use std::sync::Arc;

use jgt_project::Project;
use jgt_render::{Catalog, Renderer};

use crate::compile::{compiled_path, Compiled};
use crate::error::CompileError;

/// One compiled analysis.
#[derive(Debug, Clone)]
pub struct CompiledAnalysis {
    /// The analysis name: its file stem.
    pub name: String,
    /// Its file, relative to the project folder.
    pub path: PathBuf,
    /// Its rendered SQL.
    pub sql: String,
    /// Where the rendered SQL is written, relative to the project folder.
    pub compiled_path: PathBuf,
}

/// Renders every analysis against the project's catalog. An error in one
/// (an unknown `ref`, a Jinja mistake) stops, as in dbt, which parses
/// analyses with the project. `config(enabled=false)` leaves one out.
pub(crate) fn render(
    project: &Project,
    renderer: &Renderer,
    catalog: &Arc<Catalog>,
) -> Result<Vec<CompiledAnalysis>, CompileError> {
    let mut compiled = Vec::new();
    for file in &project.analyses {
        let out = renderer.render(&file.path, &file.name, catalog, None, None)?;
        let disabled = out
            .config
            .iter()
            .any(|(key, value)| key == "enabled" && value.as_bool() == Some(false));
        if disabled {
            continue;
        }
        compiled.push(CompiledAnalysis {
            name: file.name.clone(),
            path: file.path.clone(),
            sql: out.sql,
            compiled_path: compiled_path(project, &file.path),
        });
    }
    Ok(compiled)
}

/// Writes every analysis's SQL under `target/compiled/`, each file whole
/// or not at all; a file whose SQL did not change is left alone.
pub fn write_analyses(compiled: &Compiled) -> Result<(), CompileError> {
    for analysis in &compiled.analyses {
        let full = compiled.project.root.join(&analysis.compiled_path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(|source| CompileError::Write {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        if std::fs::read(&full).is_ok_and(|old| old == analysis.sql.as_bytes()) {
            continue;
        }
        crate::atomic::write_bytes(&full, analysis.sql.as_bytes())?;
    }
    Ok(())
}
