//! Hooks and `persist_docs` around a DuckDB build: pre- and post-hooks
//! inside the build's transaction (or outside it, for `transaction:
//! false`), and descriptions written as comments once it has committed.

use jgt_core::{Hooks, PersistDocs, Relation};
use jgt_exec::{Adapter, ExecError};

use crate::adapter::{quote_literal, rel, DuckDbAdapter};
use crate::dialect::quote_ident;

impl DuckDbAdapter {
    /// Runs `build` as [`atomically`](Self::atomically) does, with the
    /// node's hooks around it: those that run inside the transaction
    /// (dbt's default) inside it, so a failing hook rolls the build back;
    /// the others (`before_begin`, `after_commit`) before it begins and
    /// after it commits.
    pub(crate) fn with_hooks<T>(
        &self,
        relation: &Relation,
        hooks: &Hooks,
        build: impl FnOnce() -> Result<T, ExecError>,
    ) -> Result<T, ExecError> {
        self.run_hooks("pre-hook", hooks.select(false, false))?;
        let value = self.atomically(|| {
            self.run_hooks("pre-hook", hooks.select(false, true))?;
            let value = build()?;
            self.run_hooks("post-hook", hooks.select(true, true))?;
            Ok(value)
        })?;
        if let Some(docs) = &hooks.docs {
            self.persist_docs(relation, docs)?;
        }
        self.run_hooks("post-hook", hooks.select(true, false))?;
        Ok(value)
    }

    /// Writes descriptions as comments on the relation and its columns,
    /// as dbt-duckdb's `persist_docs` does; columns the relation lacks are
    /// passed over.
    fn persist_docs(&self, relation: &Relation, docs: &PersistDocs) -> Result<(), ExecError> {
        let rel = rel(relation);
        let kind = self.existing_kind(relation)?.unwrap_or("TABLE");
        let mut statements = Vec::new();
        if let Some(text) = &docs.relation {
            statements.push(format!(
                "comment on {kind} {rel} is {}",
                quote_literal(text)
            ));
        }
        let existing = self.columns(relation)?.unwrap_or_default();
        for (column, text) in &docs.columns {
            if existing.iter().any(|c| &c.name == column) {
                statements.push(format!(
                    "comment on column {rel}.{} is {}",
                    quote_ident(column),
                    quote_literal(text)
                ));
            }
        }
        for statement in statements {
            self.conn
                .execute_batch(&statement)
                .map_err(|err| ExecError::Sql {
                    message: format!("persist_docs failed: {err}"),
                })?;
        }
        Ok(())
    }

    /// Runs hooks in order, each statement by statement.
    fn run_hooks<'a>(
        &self,
        kind: &str,
        hooks: impl Iterator<Item = &'a str>,
    ) -> Result<(), ExecError> {
        for hook in hooks {
            for statement in jgt_core::sql::statements(hook) {
                // A hook may create or drop anything.
                self.catalog.forget();
                self.conn
                    .execute_batch(statement)
                    .map_err(|err| ExecError::Sql {
                        message: format!("{kind} failed: {err}\n  {}", statement.trim()),
                    })?;
            }
        }
        Ok(())
    }
}
