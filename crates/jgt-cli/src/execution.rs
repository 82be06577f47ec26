//! The runner's hook for dbt's second phase: nodes whose templates read
//! the database are rendered again as they build (see
//! [`Compiled::sql_at_execution`]), and the SQL that ran replaces the
//! compile-time SQL under `target/compiled/`.

use std::collections::HashMap;
use std::sync::Arc;

use jgt_compile::Compiled;
use jgt_core::{Introspect, PlannedNode};
use jgt_graph::NodeId;

/// Renders a compiled project's nodes again at execution time.
pub struct AtExecution<'a> {
    compiled: &'a Compiled,
    /// The nodes rendered again, by name.
    wanted: HashMap<&'a str, NodeId>,
}

impl<'a> AtExecution<'a> {
    /// The hook for `compiled`, or `None` when no node reads the database
    /// while rendering (the common case costs nothing).
    pub fn new(compiled: &'a Compiled) -> Option<Self> {
        let wanted: HashMap<&str, NodeId> = compiled
            .dag
            .order()
            .iter()
            .filter(|id| compiled.needs_execution(**id))
            .map(|&id| (compiled.node(id).name.as_str(), id))
            .collect();
        (!wanted.is_empty()).then_some(AtExecution { compiled, wanted })
    }
}

impl jgt_exec::Rerender for AtExecution<'_> {
    fn wants(&self, node: &PlannedNode) -> bool {
        self.wanted.contains_key(node.name.as_str())
    }

    fn sql_at_execution(
        &self,
        node: &PlannedNode,
        db: Arc<dyn Introspect>,
    ) -> Option<Result<String, String>> {
        let id = *self.wanted.get(node.name.as_str())?;
        let sql = self
            .compiled
            .sql_at_execution(id, &db)
            .map_err(|err| err.to_string());
        if let (Ok(sql), Some(path)) = (&sql, &self.compiled.node(id).compiled_path) {
            // What ran is what the compiled file shows; failing to write
            // it does not fail the build.
            let full = self.compiled.project.root.join(path);
            let _ = jgt_compile::atomic::write_bytes(&full, sql.as_bytes());
        }
        Some(sql)
    }
}

/// Renders the nodes of `ids` that read the database against the built
/// database, opened read-only, as dbt's `compile` and `show` do. Without a
/// database file their compile-time SQL (`execute` false) stands, and a
/// warning says so.
pub fn render_now(compiled: &mut Compiled, ids: &[NodeId]) -> anyhow::Result<()> {
    let wanted: Vec<NodeId> = ids
        .iter()
        .copied()
        .filter(|id| compiled.needs_execution(*id))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let path = std::path::PathBuf::from(&compiled.target.path);
    if !crate::profile::is_built(&path, &compiled.project) {
        errln!(
            "{} {} is not built yet: {} node(s) that query the database while rendering keep their SQL rendered with `execute` false",
            console::style("warning:").yellow().bold(),
            path.display(),
            wanted.len()
        );
        return Ok(());
    }
    let adapter = crate::profile::open_read_only(&path, &compiled.project)?;
    let adapter = adapter.as_ref();
    let db = jgt_exec::AdapterIntrospect::connect(adapter).map_err(anyhow::Error::msg)?;
    for id in wanted {
        let sql = compiled.sql_at_execution(id, &db)?;
        compiled.nodes[id.index()].sql = Some(sql);
    }
    Ok(())
}
