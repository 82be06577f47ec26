//! Attaching what schema files say (descriptions, columns) to nodes.

use jgt_graph::DagBuilder;
use jgt_project::{NodeProperties, Project};

use crate::compile::CompiledNode;

/// Copies descriptions and columns from the schema files onto the nodes
/// they describe, and returns a warning for every entry that describes a
/// node the project does not have (dbt says nothing; a typo hides there).
pub fn attach(project: &Project, builder: &DagBuilder, nodes: &mut [CompiledNode]) -> Vec<String> {
    let mut warnings = Vec::new();
    for entry in &project.schema_files {
        for unread in &entry.file.unread {
            warnings.push(format!(
                "{}:{}: '{}': {}",
                entry.path.display(),
                unread.line,
                unread.key,
                unread.why
            ));
        }
        let described = entry
            .file
            .models
            .iter()
            .map(|p| (p, "model"))
            .chain(entry.file.seeds.iter().map(|p| (p, "seed")))
            .chain(entry.file.snapshots.iter().map(|p| (&p.node, "snapshot")));
        for (properties, kind) in described {
            match builder.find(&properties.name) {
                Some(id) if nodes[id.index()].kind.as_str() == kind => {
                    describe(&mut nodes[id.index()], properties, entry.path.clone());
                }
                // A disabled node's description and tests are left out with it.
                _ if project
                    .disabled
                    .iter()
                    .any(|d| d.kind == kind && d.name == properties.name) => {}
                _ => {
                    let suggestion = jgt_project::suggest::nearest(
                        &properties.name,
                        nodes.iter().map(|n| n.name.as_str()),
                    );
                    warnings.push(format!(
                        "{} describes {kind} '{}', which the project does not have.{}",
                        entry.path.display(),
                        properties.name,
                        jgt_project::suggest::did_you_mean(&suggestion)
                    ));
                }
            }
        }
        for source in &entry.file.sources {
            for table in &source.tables {
                let name = format!("{}.{}", source.name, table.name);
                if let Some(id) = builder.find(&name) {
                    let node = &mut nodes[id.index()];
                    node.columns = table.columns.clone();
                    node.properties_path = Some(entry.path.clone());
                }
            }
        }
    }
    warnings
}

fn describe(node: &mut CompiledNode, properties: &NodeProperties, path: std::path::PathBuf) {
    node.description = properties.description.clone();
    node.columns = properties.columns.clone();
    node.properties_path = Some(path);
}
