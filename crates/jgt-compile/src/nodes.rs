//! The graph's nodes as compiling adds them: seeds, sources, rendered
//! models and snapshots, with an edge from each `ref` and `source`.

use std::borrow::Cow;

use jgt_graph::{DagBuilder, Node, NodeId, NodeKind};
use jgt_project::{Materialization, NodeConfig, Project, Relation};
use jgt_render::{Catalog, Rendered, Renderer};

use crate::compile::{
    compiled_path, relation_of, CompileOptions, CompiledNode, RenderedModels, Result,
};

/// The graph being built and the details of its nodes, side by side
/// (`nodes[i]` describes the node with id `i`).
pub(crate) struct Graph {
    pub(crate) builder: DagBuilder,
    pub(crate) nodes: Vec<CompiledNode>,
}

impl Graph {
    /// Adds one node with its details.
    fn add(&mut self, node: Node, details: CompiledNode) -> Result<NodeId> {
        let id = self.builder.add_node(node)?;
        self.nodes.push(details);
        Ok(id)
    }

    /// Adds every seed, and its relation to the catalog.
    pub(crate) fn add_seeds(
        &mut self,
        project: &Project,
        catalog: &mut Catalog,
        renderer: &Renderer,
    ) -> Result<()> {
        for seed in &project.seeds {
            let relation = relation_of(renderer, "seed", seed, &seed.config)?;
            catalog.nodes.insert(seed.name.clone(), relation.clone());
            catalog
                .packages
                .insert(seed.name.clone(), seed.package.clone());
            let node = Node {
                name: seed.name.clone(),
                kind: NodeKind::Seed,
                path: seed.path.clone(),
                tags: seed.config.tags.clone(),
                materialized: Some("seed".into()),
            };
            let details = CompiledNode {
                config: seed.config.clone(),
                package: seed.package.clone(),
                ..CompiledNode::new(&seed.name, NodeKind::Seed, &seed.path, relation)
            };
            self.add(node, details)?;
        }
        Ok(())
    }

    /// Adds every declared source table, and its relation to the catalog.
    pub(crate) fn add_sources(&mut self, project: &Project, catalog: &mut Catalog) -> Result<()> {
        for source in &project.sources {
            let relation = Relation::new(&source.schema, &source.identifier);
            let key = (source.source_name.clone(), source.table_name.clone());
            if let Some(location) = &source.external_location {
                catalog
                    .external_sources
                    .insert(key.clone(), location.clone());
            }
            catalog.sources.insert(key, relation.clone());
            let name = format!("{}.{}", source.source_name, source.table_name);
            let node = Node {
                name: name.clone(),
                kind: NodeKind::Source,
                path: source.path.clone(),
                tags: Vec::new(),
                materialized: None,
            };
            let details = CompiledNode {
                description: source.description.clone(),
                ..CompiledNode::new(&name, NodeKind::Source, &source.path, relation)
            };
            self.add(node, details)?;
        }
        Ok(())
    }

    /// Adds every rendered model, with an edge from each `ref` and
    /// `source`, and gives each model's node in the models' order.
    ///
    /// Each model's node is made on its own (its config checked, its SQL
    /// copied), spread over the cores; they are added in the models' order.
    pub(crate) fn add_models(
        &mut self,
        project: &Project,
        models: &RenderedModels,
        catalog: &Catalog,
        options: &CompileOptions,
    ) -> Result<Vec<NodeId>> {
        let indexes: Vec<usize> = (0..project.models.len()).collect();
        let made = jgt_core::parallel::map(&indexes, |&i| {
            let model = &project.models[i];
            let relation = catalog.nodes[&model.name].clone();
            model_node(
                project,
                model,
                &models.configs[i],
                &models.rendered[i],
                relation,
                options,
            )
        });
        let mut ids = Vec::with_capacity(made.len());
        self.nodes.reserve(made.len());
        for pair in made {
            let (node, details) = pair?;
            ids.push(self.add(node, details)?);
        }
        for (&child, out) in ids.iter().zip(&models.rendered) {
            let sources = out.sources.iter().map(|(s, t)| format!("{s}.{t}"));
            let parents = out
                .refs
                .iter()
                .map(|r| r.as_str().into())
                .chain(sources.map(Cow::Owned));
            for name in parents {
                // ref() and source() accept only names the catalog holds.
                if let Some(parent) = self.builder.find(&name) {
                    self.builder.add_edge(parent, child);
                }
            }
        }
        Ok(ids)
    }

    /// Makes a source that names a relation this project builds wait for
    /// the seed or model that builds it.
    pub(crate) fn wait_for_producers(&mut self) {
        let producers: jgt_core::hash::Map<&Relation, usize> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                matches!(
                    n.kind,
                    NodeKind::Seed | NodeKind::Model | NodeKind::Snapshot
                )
            })
            .map(|(i, n)| (&n.relation, i))
            .collect();
        let feeds: Vec<(NodeId, NodeId)> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| node.kind == NodeKind::Source)
            .filter_map(|(i, node)| {
                let producer = producers.get(&node.relation)?;
                Some((NodeId::new(*producer), NodeId::new(i)))
            })
            .collect();
        for (producer, source) in feeds {
            self.builder.add_edge(producer, source);
        }
    }
}

/// A rendered model's (or snapshot's) graph node and details.
fn model_node(
    project: &Project,
    model: &jgt_project::ModelFile,
    config: &NodeConfig,
    out: &Rendered,
    relation: Relation,
    options: &CompileOptions,
) -> Result<(Node, CompiledNode)> {
    if model.snapshot {
        let snapshot = crate::snapshot::spec(config, &model.path)?;
        return Ok(snapshot_node(
            project, model, config, out, relation, snapshot,
        ));
    }
    let materialization = config.materialization(Materialization::View);
    let incremental = match materialization {
        Materialization::Incremental => {
            let mut spec = crate::incremental::spec(
                config,
                &model.path,
                options.full_refresh,
                options.dialect.as_ref(),
            )?;
            spec.is_incremental = !options.full_refresh && options.existing.contains(&relation);
            Some(spec)
        }
        _ => None,
    };
    let external = match materialization {
        Materialization::External => Some(crate::external::spec(
            project,
            config,
            &model.path,
            &relation.identifier,
        )?),
        _ => None,
    };
    let storage = match materialization {
        Materialization::Table | Materialization::Incremental => {
            let storage = crate::incremental::storage(config, &model.path)?;
            options.dialect.check_storage(&storage).map_err(|message| {
                crate::error::CompileError::Config {
                    path: model.path.clone(),
                    message,
                }
            })?;
            storage
        }
        _ => jgt_core::Storage::default(),
    };
    let node = Node {
        name: model.name.clone(),
        kind: NodeKind::Model,
        path: model.path.clone(),
        tags: config.tags.clone(),
        materialized: Some(materialization.to_string()),
    };
    let details = CompiledNode {
        config: config.clone(),
        incremental,
        external: external.map(Box::new),
        storage,
        macros: out.macros.clone(),
        package: model.package.clone(),
        needs_execution: out.needs_execution,
        materialization: Some(materialization),
        sql: Some(out.sql.clone()),
        raw_sql: Some(model.raw_sql.clone()),
        compiled_path: Some(compiled_path(project, &model.path)),
        shape: out.shape(),
        ..CompiledNode::new(&model.name, NodeKind::Model, &model.path, relation)
    };
    Ok((node, details))
}

/// A rendered snapshot's graph node and details.
fn snapshot_node(
    project: &Project,
    model: &jgt_project::ModelFile,
    config: &NodeConfig,
    out: &Rendered,
    relation: Relation,
    snapshot: jgt_core::Snapshot,
) -> (Node, CompiledNode) {
    let node = Node {
        name: model.name.clone(),
        kind: NodeKind::Snapshot,
        path: model.path.clone(),
        tags: config.tags.clone(),
        materialized: Some("snapshot".into()),
    };
    let details = CompiledNode {
        config: config.clone(),
        macros: out.macros.clone(),
        package: model.package.clone(),
        needs_execution: out.needs_execution,
        sql: Some(out.sql.clone()),
        raw_sql: Some(model.raw_sql.clone()),
        compiled_path: Some(compiled_path(project, &model.path)),
        snapshot: Some(Box::new(snapshot)),
        ..CompiledNode::new(&model.name, NodeKind::Snapshot, &model.path, relation)
    };
    (node, details)
}
