//! Templates that ask the database while they render (dbt's `run_query`,
//! `adapter.get_columns_in_relation`, ...) are rendered again just before
//! their node builds, through a connection of the worker that builds it.

use std::sync::{Arc, Mutex};

use jgt_core::{Column, Introspect, PlannedNode, QueryResult, Relation, RelationType};

use crate::adapter::Adapter;

/// Renders a node's SQL again at execution time, when the database holds
/// everything upstream of it (dbt's `execute` is then true).
pub trait Rerender: Send + Sync {
    /// The node's SQL rendered with `db`, or `None` when the node's SQL
    /// does not depend on the database and the compiled SQL stands. An
    /// error is the message to report for the node.
    fn sql_at_execution(
        &self,
        node: &PlannedNode,
        db: Arc<dyn Introspect>,
    ) -> Option<Result<String, String>>;

    /// Whether `node` is rendered again at execution time.
    fn wants(&self, node: &PlannedNode) -> bool;
}

/// An [`Introspect`] over a connection of its own to the adapter's
/// database, so a template may hold it however long it renders.
pub struct AdapterIntrospect {
    adapter: Mutex<Box<dyn Adapter + Send>>,
}

impl AdapterIntrospect {
    /// A new connection to `adapter`'s database, shareable with templates.
    pub fn connect(adapter: &dyn Adapter) -> Result<Arc<dyn Introspect>, String> {
        let adapter = adapter.try_clone().map_err(|err| err.to_string())?;
        Ok(Arc::new(AdapterIntrospect {
            adapter: Mutex::new(adapter),
        }))
    }

    fn with<T>(&self, f: impl FnOnce(&dyn Adapter) -> T) -> T {
        let guard = self.adapter.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.as_ref())
    }
}

impl Introspect for AdapterIntrospect {
    fn query(&self, sql: &str) -> Result<QueryResult, String> {
        self.with(|a| a.execute(sql)).map_err(|e| e.to_string())
    }

    fn relation_type(&self, relation: &Relation) -> Result<Option<RelationType>, String> {
        self.with(|a| {
            if a.columns(relation).map_err(|e| e.to_string())?.is_none() {
                return Ok(None);
            }
            let tables = a.tables().map_err(|e| e.to_string())?;
            Ok(Some(if tables.contains(relation) {
                RelationType::Table
            } else {
                RelationType::View
            }))
        })
    }

    fn columns(&self, relation: &Relation) -> Result<Vec<Column>, String> {
        self.with(|a| a.columns(relation))
            .map(Option::unwrap_or_default)
            .map_err(|e| e.to_string())
    }
}
