//! The second half of a compile: the rendered models become graph nodes,
//! properties, hooks and contracts are attached, the tests are added and
//! the graph is checked and built.

use std::sync::Arc;

use jgt_graph::{Dag, NodeId};
use jgt_project::Project;
use jgt_render::{Catalog, Renderer, Target};

use crate::compile::{check_one_statement, CompileOptions, CompiledNode, RenderedModels};
use crate::error::CompileError;

/// What assembling gives.
type Result<T> = std::result::Result<T, CompileError>;

/// What the first half of a compile made, borrowed.
pub(crate) struct Parts<'a> {
    pub(crate) project: &'a Project,
    pub(crate) renderer: &'a Renderer,
    pub(crate) target: &'a Target,
    pub(crate) models: &'a RenderedModels,
    pub(crate) options: &'a CompileOptions<'a>,
}

/// A compiled project's graph and nodes, before they join the project.
pub(crate) struct Assembled {
    pub(crate) dag: Dag,
    pub(crate) nodes: Vec<CompiledNode>,
    pub(crate) warnings: Vec<String>,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) analyses: Vec<crate::analyses::CompiledAnalysis>,
    /// Each model's node, in the order of `project.models`.
    pub(crate) model_ids: Vec<NodeId>,
}

impl Parts<'_> {
    /// Adds the models to `graph` (which holds the seeds and sources),
    /// then everything that hangs on them, and builds the graph.
    pub(crate) fn assemble(
        &self,
        mut graph: crate::nodes::Graph,
        catalog: Catalog,
    ) -> Result<Assembled> {
        let Parts {
            project,
            renderer,
            target,
            models,
            options,
        } = *self;
        let dialect = options.dialect.as_ref();
        let model_ids = graph.add_models(project, models, &catalog, options)?;
        graph.wait_for_producers();
        let crate::nodes::Graph {
            mut builder,
            mut nodes,
        } = graph;
        let mut warnings = crate::properties::attach(project, &builder, &mut nodes);
        warnings.extend(project.warnings.iter().cloned());
        warnings.extend(crate::reported::sql_configs(
            &project.models,
            &models.rendered,
        ));
        warnings.sort();
        let catalog = Arc::new(catalog);
        crate::hooks::render(renderer, &catalog, &mut nodes)?;
        crate::contract::attach(project, &catalog, &mut builder, &mut nodes)?;
        warnings.extend(crate::testnodes::add_tests(
            project,
            renderer,
            &catalog,
            dialect,
            &mut builder,
            &mut nodes,
        )?);
        crate::unittests::add_unit_tests(project, renderer, &catalog, &mut builder, &mut nodes)?;
        // A node rendered again as it runs is checked then: while parsing
        // its SQL may be empty (`{% if not execute %}{{ return('') }}`).
        let checked = jgt_core::parallel::map(&nodes, |node| match &node.sql {
            Some(sql) if !node.needs_execution => check_one_statement(node, sql),
            _ => Ok(()),
        });
        checked.into_iter().collect::<Result<()>>()?;
        warnings.extend(crate::unapplied::warnings(&nodes));
        let analyses = crate::analyses::render(project, renderer, &catalog)?;
        warnings.extend(database_name_warning(project, target));
        let dag = builder.build()?;
        crate::ephemeral::inline(&dag, &mut nodes, dialect);
        Ok(Assembled {
            dag,
            nodes,
            warnings,
            catalog,
            analyses,
            model_ids,
        })
    }
}

/// profiles.yml's `database` when it is not the DuckDB file's name.
fn database_name_warning(project: &Project, target: &Target) -> Option<String> {
    let configured = project.profile.as_ref()?.database.as_deref()?;
    (target.adapter_type == "duckdb" && configured != target.database).then(|| {
        format!(
            "profiles.yml: database '{configured}' is not the database file's name '{}'; \
             DuckDB names the catalog after the file, so jgt uses '{}' (dbt-duckdb refuses the mismatch)",
            target.database, target.database
        )
    })
}
