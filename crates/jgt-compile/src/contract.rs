//! Enforced model contracts read from schema files: each column's
//! `data_type` and `constraints`, the model's own `constraints`, and a
//! foreign key's `to: ref(...)` resolved (the referenced model builds
//! first, as in dbt).

use std::path::Path;

use jgt_core::{Constraint, ConstraintKind, Contract, ContractColumn, Relation};
use jgt_graph::{DagBuilder, NodeKind};
use jgt_project::{NodeProperties, Project};
use jgt_render::Catalog;
use serde_yaml::Value;

use crate::compile::CompiledNode;
use crate::error::CompileError;

type Result<T> = std::result::Result<T, CompileError>;

/// Gives every model whose `contract: {enforced: true}` is set its
/// [`Contract`], from the schema file that describes it.
pub(crate) fn attach(
    project: &Project,
    catalog: &Catalog,
    builder: &mut DagBuilder,
    nodes: &mut [CompiledNode],
) -> Result<()> {
    for entry in &project.schema_files {
        for properties in &entry.file.models {
            let Some(id) = builder.find(&properties.name) else {
                continue;
            };
            let node = &nodes[id.index()];
            if node.kind != NodeKind::Model || !enforced(&node.config.other) {
                continue;
            }
            let contract = read(properties, &entry.path, catalog)?;
            for to in contract_parents(&contract) {
                if let Some(parent) = nodes
                    .iter()
                    .position(|n| n.kind != NodeKind::Source && n.relation == to)
                {
                    builder.add_edge(jgt_graph::NodeId::new(parent), id);
                }
            }
            nodes[id.index()].contract = Some(contract);
        }
    }
    for node in nodes.iter() {
        if node.kind == NodeKind::Model && enforced(&node.config.other) && node.contract.is_none() {
            return Err(CompileError::Config {
                path: node.path.clone(),
                message: format!(
                    "'{}' has an enforced contract but no schema file lists its columns; \
                     describe it under models: with a data_type for each column",
                    node.name
                ),
            });
        }
    }
    Ok(())
}

/// Whether `contract: {enforced: true}` is set.
fn enforced(config: &std::collections::BTreeMap<String, Value>) -> bool {
    config
        .get("contract")
        .and_then(|c| c.get("enforced"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The relations a contract's foreign keys point at.
fn contract_parents(contract: &Contract) -> Vec<Relation> {
    contract
        .columns
        .iter()
        .flat_map(|c| &c.constraints)
        .chain(&contract.constraints)
        .filter_map(|c| c.to.clone())
        .collect()
}

/// Reads one model's contract.
fn read(properties: &NodeProperties, path: &Path, catalog: &Catalog) -> Result<Contract> {
    let fail = |message: String| CompileError::Config {
        path: path.to_path_buf(),
        message: format!("model '{}': {message}", properties.name),
    };
    let mut columns = Vec::new();
    for column in &properties.columns {
        let data_type = column.data_type.clone().ok_or_else(|| {
            fail(format!(
                "the enforced contract needs a data_type for column '{}'",
                column.name
            ))
        })?;
        let constraints = column
            .constraints
            .iter()
            .map(|c| constraint(c, catalog))
            .collect::<std::result::Result<_, _>>()
            .map_err(&fail)?;
        columns.push(ContractColumn {
            name: column.name.clone(),
            data_type,
            constraints,
        });
    }
    let constraints = properties
        .constraints
        .iter()
        .map(|c| constraint(c, catalog))
        .collect::<std::result::Result<_, _>>()
        .map_err(&fail)?;
    Ok(Contract {
        columns,
        constraints,
    })
}

/// One constraint entry: `{type: check, expression: ..., name: ...}`.
fn constraint(value: &Value, catalog: &Catalog) -> std::result::Result<Constraint, String> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
    let list = |key: &str| -> Vec<String> {
        match value.get(key) {
            Some(Value::Sequence(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        }
    };
    let kind_name = text("type").ok_or(
        "a constraint needs a type (not_null, unique, primary_key, check, foreign_key, custom)",
    )?;
    let kind = ConstraintKind::parse(&kind_name).ok_or(format!(
        "constraint type '{kind_name}' is not one of not_null, unique, primary_key, check, foreign_key, custom"
    ))?;
    let to = match text("to") {
        Some(to) => Some(resolve(&to, catalog)?),
        None => None,
    };
    if kind == ConstraintKind::Check && text("expression").is_none() {
        return Err("a check constraint needs an expression".into());
    }
    if kind == ConstraintKind::ForeignKey && to.is_none() && text("expression").is_none() {
        return Err(
            "a foreign_key constraint needs to: ref('...') and to_columns (or an expression)"
                .into(),
        );
    }
    Ok(Constraint {
        kind,
        name: text("name"),
        columns: list("columns"),
        expression: text("expression"),
        to,
        to_columns: list("to_columns"),
    })
}

/// The relation `ref('name')` or `source('source', 'table')` names.
fn resolve(to: &str, catalog: &Catalog) -> std::result::Result<Relation, String> {
    let args = |call: &str| -> Option<Vec<String>> {
        let inner = to.trim().strip_prefix(call)?.trim().strip_prefix('(')?;
        let inner = inner.strip_suffix(')')?;
        Some(
            inner
                .split(',')
                .map(|a| a.trim().trim_matches(['\'', '"']).to_string())
                .collect(),
        )
    };
    let found = match (args("ref"), args("source")) {
        (Some(name), _) => name.last().and_then(|n| catalog.nodes.get(n)).cloned(),
        (_, Some(parts)) if parts.len() == 2 => catalog
            .sources
            .get(&(parts[0].clone(), parts[1].clone()))
            .cloned(),
        _ => None,
    };
    found.ok_or(format!(
        "the foreign key's to: {to} names no model, seed or source of this project"
    ))
}
