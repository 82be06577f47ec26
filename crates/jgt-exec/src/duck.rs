//! The DuckDB adapter: one embedded database file.

use std::path::Path;

use duckdb::Connection;
use jgt_project::{quote_ident, Materialization, Relation};

use crate::adapter::{Adapter, Column, Incremental, QueryResult, SeedOptions};
use crate::error::ExecError;

/// An open DuckDB database.
pub struct DuckDbAdapter {
    conn: Connection,
}

/// Quotes a string literal for SQL.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The SQL text of a model without the trailing `;` people often leave.
fn body(sql: &str) -> &str {
    sql.trim_end().trim_end_matches(';').trim_end()
}

impl DuckDbAdapter {
    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, ExecError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| ExecError::Open {
                path: path.into(),
                message: err.to_string(),
            })?;
        }
        let conn = Connection::open(path).map_err(|err| {
            let mut message = err.to_string();
            if message.contains("lock") {
                message.push_str(
                    "\nhint: another process has this database open; wait for it or close it",
                );
            }
            ExecError::Open {
                path: path.into(),
                message,
            }
        })?;
        Ok(DuckDbAdapter { conn })
    }

    /// Opens an existing database file for reading only.
    pub fn open_read_only(path: &Path) -> Result<Self, ExecError> {
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(ExecError::from)?;
        let conn = Connection::open_with_flags(path, config).map_err(|err| ExecError::Open {
            path: path.into(),
            message: err.to_string(),
        })?;
        Ok(DuckDbAdapter { conn })
    }

    /// An in-memory database, for tests and previews.
    pub fn in_memory() -> Result<Self, ExecError> {
        Ok(DuckDbAdapter {
            conn: Connection::open_in_memory()?,
        })
    }

    /// Runs `build` inside a transaction: committed when it succeeds, rolled
    /// back (leaving everything as it was) when it fails.
    fn atomically<T>(&self, build: impl FnOnce() -> Result<T, ExecError>) -> Result<T, ExecError> {
        self.conn.execute_batch("BEGIN TRANSACTION")?;
        match build() {
            Ok(value) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(value)
            }
            Err(err) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(err)
            }
        }
    }

    /// `TABLE`, `VIEW` or `None` for what `relation` is now.
    fn existing_kind(&self, relation: &Relation) -> Result<Option<&'static str>, ExecError> {
        let mut stmt = self.conn.prepare(
            "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
        )?;
        let mut rows = stmt.query([&relation.schema, &relation.identifier])?;
        Ok(match rows.next()? {
            Some(row) => {
                let kind: String = row.get(0)?;
                Some(if kind == "VIEW" { "VIEW" } else { "TABLE" })
            }
            None => None,
        })
    }

    /// Makes room for a relation of `kind`: creates its schema, and drops
    /// what has its name when that is of the other kind.
    fn prepare_slot(&self, relation: &Relation, kind: &str) -> Result<(), ExecError> {
        self.conn.execute_batch(&format!(
            "create schema if not exists {}",
            quote_ident(&relation.schema)
        ))?;
        match self.existing_kind(relation)? {
            Some(existing) if existing != kind => {
                self.conn
                    .execute_batch(&format!("drop {existing} {relation}"))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn count(&self, relation: &Relation) -> Result<u64, ExecError> {
        let rows: i64 =
            self.conn
                .query_row(&format!("select count(*) from {relation}"), [], |row| {
                    row.get(0)
                })?;
        Ok(rows as u64)
    }
}

impl Adapter for DuckDbAdapter {
    fn load_seed(
        &self,
        relation: &Relation,
        csv: &Path,
        options: &SeedOptions,
    ) -> Result<u64, ExecError> {
        let mut args = vec![
            quote_literal(&csv.to_string_lossy()),
            "header = true".to_string(),
            "sample_size = -1".to_string(),
        ];
        if let Some(delimiter) = &options.delimiter {
            args.push(format!("delim = {}", quote_literal(delimiter)));
        }
        if !options.column_types.is_empty() {
            let types: Vec<String> = options
                .column_types
                .iter()
                .map(|(column, ty)| format!("{}: {}", quote_literal(column), quote_literal(ty)))
                .collect();
            args.push(format!("types = {{{}}}", types.join(", ")));
        }
        self.atomically(|| {
            self.prepare_slot(relation, "TABLE")?;
            self.conn.execute_batch(&format!(
                "create or replace table {relation} as select * from read_csv({})",
                args.join(", ")
            ))?;
            self.count(relation)
        })
    }

    fn materialize(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
    ) -> Result<Option<u64>, ExecError> {
        let sql = body(sql);
        match materialization {
            Materialization::View => self.atomically(|| {
                self.prepare_slot(relation, "VIEW")?;
                self.conn
                    .execute_batch(&format!("create or replace view {relation} as\n{sql}\n"))?;
                Ok(None)
            }),
            Materialization::Table | Materialization::Incremental => self.atomically(|| {
                self.prepare_slot(relation, "TABLE")?;
                self.conn
                    .execute_batch(&format!("create or replace table {relation} as\n{sql}\n"))?;
                Ok(Some(self.count(relation)?))
            }),
            Materialization::Ephemeral => Err(ExecError::Unsupported("ephemeral".into())),
        }
    }

    fn incremental(
        &self,
        relation: &Relation,
        sql: &str,
        how: &Incremental,
    ) -> Result<Option<u64>, ExecError> {
        let existing = match self.existing_kind(relation)? {
            Some("TABLE") if !how.full_refresh => self.columns(relation)?,
            _ => None,
        };
        let Some(existing) = existing else {
            return self.materialize(relation, sql, Materialization::Table);
        };
        let sql = body(sql);
        self.atomically(|| {
            crate::incremental::merge_in(&self.conn, relation, sql, how, existing)?;
            Ok(Some(self.count(relation)?))
        })
    }

    fn create_schema(&self, schema: &str) -> Result<(), ExecError> {
        self.conn.execute_batch(&format!(
            "create schema if not exists {}",
            quote_ident(schema)
        ))?;
        Ok(())
    }

    fn tables(&self) -> Result<Vec<Relation>, ExecError> {
        let mut stmt = self.conn.prepare(
            "select table_schema, table_name from information_schema.tables \
             where table_catalog = current_database() and table_type = 'BASE TABLE'",
        )?;
        let mut rows = stmt.query([])?;
        let mut relations = Vec::new();
        while let Some(row) = rows.next()? {
            relations.push(Relation::new(
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
            ));
        }
        Ok(relations)
    }

    fn try_clone(&self) -> Result<Box<dyn Adapter + Send>, ExecError> {
        Ok(Box::new(DuckDbAdapter {
            conn: self.conn.try_clone()?,
        }))
    }

    fn query(&self, sql: &str, limit: Option<usize>) -> Result<QueryResult, ExecError> {
        let sql = body(sql);
        let limit = limit.map(|n| format!(" limit {n}")).unwrap_or_default();
        let mut stmt = self.conn.prepare(&format!(
            "select columns(*)::varchar from (\n{sql}\n){limit}"
        ))?;
        let mut rows = stmt.query([])?;
        let mut result = QueryResult::default();
        if let Some(stmt) = rows.as_ref() {
            result.columns = stmt.column_names();
        }
        let width = result.columns.len();
        while let Some(row) = rows.next()? {
            let values = (0..width)
                .map(|i| row.get::<_, Option<String>>(i))
                .collect::<Result<Vec<_>, _>>()?;
            result.rows.push(values);
        }
        Ok(result)
    }

    fn columns(&self, relation: &Relation) -> Result<Option<Vec<Column>>, ExecError> {
        let mut stmt = self.conn.prepare(
            "select column_name, data_type from information_schema.columns \
             where table_schema = ? and table_name = ? order by ordinal_position",
        )?;
        let mut rows = stmt.query([&relation.schema, &relation.identifier])?;
        let mut columns = Vec::new();
        while let Some(row) = rows.next()? {
            columns.push(Column {
                name: row.get(0)?,
                data_type: row.get(1)?,
            });
        }
        Ok((!columns.is_empty()).then_some(columns))
    }
}
