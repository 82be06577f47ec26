//! Warnings about a build that are not errors.

use std::collections::HashSet;

use jgt_compile::Compiled;
use jgt_core::{NodeResult, PlannedNode, Relation, Status, Work};
use jgt_exec::Adapter;
use jgt_graph::NodeId;

/// Columns a schema file declares that the built relation lacks.
pub fn column_warnings(
    compiled: &Compiled,
    ids: &[NodeId],
    plan: &[PlannedNode],
    results: &[NodeResult],
    adapter: &dyn Adapter,
) -> Vec<String> {
    let built: HashSet<&Relation> = plan
        .iter()
        .zip(results)
        .filter(|(p, r)| r.status == Status::Success && !matches!(p.work, Work::Test { .. }))
        .map(|(p, _)| &p.relation)
        .collect();
    let documented: Vec<_> = ids
        .iter()
        .map(|&id| compiled.node(id))
        .filter(|node| !node.columns.is_empty() && built.contains(&node.relation))
        .collect();
    // One catalog query for all of them, where the engine can.
    let relations: Vec<&Relation> = documented.iter().map(|node| &node.relation).collect();
    let Ok(found) = adapter.columns_of(&relations) else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for (node, actual) in documented.into_iter().zip(found) {
        let Some(actual) = actual else {
            continue;
        };
        for declared in &node.columns {
            if !actual
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(&declared.name))
            {
                warnings.push(format!(
                    "{} declares column '{}' of {}, but {} has no such column",
                    node.properties_path
                        .as_deref()
                        .unwrap_or(&node.path)
                        .display(),
                    declared.name,
                    node.name,
                    node.relation.display_name()
                ));
            }
        }
    }
    warnings
}
