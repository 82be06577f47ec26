//! `state:modified`: what changed since a saved manifest.
//!
//! A node is modified when it is new, when its compiled SQL or its config
//! differs from the saved manifest's, when its file's checksum differs
//! (seeds), or when a macro it calls has changed, even if the SQL it
//! produced did not. A change that renders to the same SQL (a Jinja
//! comment, say) is not a modification.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::error::CompileError;
use jgt_graph::NodeKind;
use serde::Deserialize;

use crate::artifacts::{manifest_node, unique_id, MacroEntry, ManifestNode};
use crate::compile::Compiled;

/// The parts of an earlier manifest that `state:modified` compares.
#[derive(Deserialize)]
struct Recorded {
    #[serde(default)]
    nodes: BTreeMap<String, ManifestNode<'static>>,
    #[serde(default)]
    macros: BTreeMap<String, MacroEntry>,
}

/// The names of the nodes that differ from `state_dir/manifest.json`.
pub fn modified(compiled: &Compiled, state_dir: &Path) -> Result<HashSet<String>, CompileError> {
    let path = state_dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|err| CompileError::State {
        path: path.clone(),
        message: format!(
            "--state {}: cannot read {} ({err}); point --state at a folder holding an \
             earlier run's manifest.json (copy target/ aside before changing things)",
            state_dir.display(),
            path.display()
        ),
    })?;
    let old: Recorded = serde_json::from_str(&text).map_err(|err| CompileError::State {
        path: path.clone(),
        message: format!("{} is not a manifest.json: {err}", path.display()),
    })?;
    let project = &compiled.project.config.name;
    let mut changed = HashSet::new();
    for &id in compiled.dag.order() {
        let node = compiled.node(id);
        if node.kind == NodeKind::Source {
            continue;
        }
        let Some(before) = old.nodes.get(&unique_id(compiled, node)) else {
            changed.insert(node.name.clone());
            continue;
        };
        let now = manifest_node(compiled, id);
        // Seeds have no SQL: their file's checksum stands for their content.
        let differs = before.config != now.config
            || match node.kind {
                NodeKind::Seed => before.checksum != now.checksum,
                _ => before.compiled_code != now.compiled_code,
            };
        let macro_changed = node.macros.iter().any(|name| {
            let key = format!("macro.{project}.{name}");
            let current = compiled
                .project
                .macros
                .iter()
                .find(|f| jgt_render::macro_names(&f.text).iter().any(|m| m == name))
                .map(|f| f.text.as_str());
            old.macros.get(&key).map(|m| m.macro_sql.as_str()) != current
        });
        if differs || macro_changed {
            changed.insert(node.name.clone());
        }
    }
    Ok(changed)
}
