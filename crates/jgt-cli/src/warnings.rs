//! Warnings about a build that are not errors.

use std::collections::HashSet;
use std::path::Path;

use jgt_compile::Compiled;
use jgt_core::{NodeResult, PlannedNode, Relation, Status, Work};
use jgt_exec::Adapter;
use jgt_graph::NodeId;

/// The columns a schema file declares for one node.
pub struct Declared<'a> {
    /// The node's name.
    pub name: &'a str,
    /// The relation it builds.
    pub relation: &'a Relation,
    /// The file declaring the columns.
    pub file: &'a Path,
    /// The declared columns' names.
    pub columns: Vec<&'a str>,
}

/// Columns a schema file declares that the built relation lacks.
pub fn column_warnings(
    compiled: &Compiled,
    ids: &[NodeId],
    plan: &[PlannedNode],
    results: &[NodeResult],
    adapter: &dyn Adapter,
) -> Vec<String> {
    let declared: Vec<Declared> = ids
        .iter()
        .map(|&id| compiled.node(id))
        .filter(|node| !node.columns.is_empty())
        .map(|node| Declared {
            name: &node.name,
            relation: &node.relation,
            file: node.properties_path.as_deref().unwrap_or(&node.path),
            columns: node.columns.iter().map(|c| c.name.as_str()).collect(),
        })
        .collect();
    missing_columns(&declared, plan, results, adapter)
}

/// Of `declared`, the columns the relations this build made lack.
pub fn missing_columns(
    declared: &[Declared],
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
    let documented: Vec<&Declared> = declared
        .iter()
        .filter(|d| built.contains(d.relation))
        .collect();
    // One catalog query for all of them, where the engine can.
    let relations: Vec<&Relation> = documented.iter().map(|d| d.relation).collect();
    let Ok(found) = adapter.columns_of(&relations) else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    for (node, actual) in documented.into_iter().zip(found) {
        let Some(actual) = actual else {
            continue;
        };
        for declared in &node.columns {
            if !actual.iter().any(|c| c.name.eq_ignore_ascii_case(declared)) {
                warnings.push(format!(
                    "{} declares column '{}' of {}, but {} has no such column",
                    node.file.display(),
                    declared,
                    node.name,
                    node.relation.display_name()
                ));
            }
        }
    }
    warnings
}
