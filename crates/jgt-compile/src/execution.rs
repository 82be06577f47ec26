//! dbt's second phase: rendering a node again when it runs.
//!
//! While compiling, `execute` is false and templates cannot query the
//! database. A model or singular test whose template (or a macro it calls)
//! reads `execute`, `run_query`, `statement`, `graph` or the adapter's
//! relation methods is rendered again just before it builds, with the
//! database holding everything upstream of it, as dbt does.

use std::sync::Arc;

use jgt_core::Introspect;
use jgt_graph::{NodeId, NodeKind};

use crate::compile::{check_one_statement, Compiled};
use crate::error::CompileError;

impl Compiled {
    /// Whether `id` must be rendered again when it runs: it, or an
    /// ephemeral model inlined into it, reads the database while rendering.
    pub fn needs_execution(&self, id: NodeId) -> bool {
        self.node(id).needs_execution
            || crate::ephemeral::inlined(&self.dag, &self.nodes, id)
                .iter()
                .any(|n| self.node(*n).needs_execution)
    }

    /// The SQL `id` runs, rendered now with `execute` true and `db` to
    /// query, ephemeral parents inlined as at compile time. An error names
    /// the node's file and line, like a compile error.
    pub fn sql_at_execution(
        &self,
        id: NodeId,
        db: &Arc<dyn Introspect>,
    ) -> Result<String, CompileError> {
        let own = self.render_at_execution(id, db)?;
        let sql_of = |n: NodeId| -> String {
            match self.render_at_execution(n, db) {
                Ok(sql) => sql,
                // Its own failure is reported when the dependent fails.
                Err(_) => self.own_sql(n),
            }
        };
        let inlined = crate::ephemeral::wrap(
            &self.dag,
            &self.nodes,
            id,
            &own,
            &sql_of,
            self.dialect.as_ref(),
        );
        Ok(inlined.unwrap_or(own))
    }

    /// A node's own SQL as compiled, without inlined ephemeral parents.
    fn own_sql(&self, id: NodeId) -> String {
        let node = self.node(id);
        node.before_inlining
            .clone()
            .or_else(|| node.sql.clone())
            .unwrap_or_default()
    }

    /// One node's own template rendered with `db`; a node that does not
    /// read the database keeps its compiled SQL.
    fn render_at_execution(
        &self,
        id: NodeId,
        db: &Arc<dyn Introspect>,
    ) -> Result<String, CompileError> {
        let node = self.node(id);
        if !node.needs_execution {
            return Ok(self.own_sql(id));
        }
        if let Some(call) = node.test.as_ref().and_then(|t| t.generic.as_ref()) {
            let test = jgt_render::GenericTest {
                node: &node.name,
                test_name: &call.test_name,
                model: call.model.clone(),
                relation: call.relation.as_ref(),
                column: call.column.as_deref(),
                args: &call.args,
                path: &call.path,
                store_failures: node.test.as_ref().and_then(|t| t.config.store_failures),
            };
            let out = self.renderer.render_generic_test_at_execution(
                &test,
                &self.catalog,
                Arc::clone(db),
            )?;
            check_one_statement(node, &out.sql)?;
            return Ok(out.sql);
        }
        let this = (node.kind == NodeKind::Model).then_some(&node.relation);
        let materialized = node.materialization.map(|m| m.to_string());
        let parents: Vec<String> = self
            .dag
            .parents(id)
            .iter()
            .map(|p| self.node(*p).name.clone())
            .collect();
        let out = self.renderer.render_with_db(
            &node.path,
            &node.name,
            &self.catalog,
            this,
            materialized.as_deref(),
            Arc::clone(db),
            Some(parents),
        )?;
        check_one_statement(node, &out.sql)?;
        Ok(out.sql)
    }

    /// Gives templates dbt's `graph` (nodes, sources and macros, in the
    /// manifest's shape) for rendering at execution time.
    pub fn load_graph(&mut self) {
        let graph = crate::artifacts::graph(self);
        self.renderer.set_graph(graph);
    }
}
