//! The DuckDB adapter: one embedded database file.

use std::path::Path;

use duckdb::Connection;
use jgt_core::{
    Column, Contract, Dialect, External, Hooks, Incremental, Materialization, QueryResult,
    Relation, SeedOptions, Snapshot,
};
use jgt_exec::{Adapter, ExecError, Interrupter};

use crate::catalog::{Catalog, Kind};
use crate::dialect::{quote_ident, DuckDbDialect};
use crate::options::OpenOptions;

/// An open DuckDB database.
pub struct DuckDbAdapter {
    pub(crate) conn: Connection,
    dialect: DuckDbDialect,
    /// What exists, so that a build need not ask before every node.
    pub(crate) catalog: Catalog,
    /// Whether DuckDB lacks ICU, so that every connection gets
    /// `current_date` and its kin from [`crate::clock`].
    without_icu: bool,
}

/// Gives `conn` today's date where DuckDB has no ICU ([`crate::clock`]);
/// whether it did.
fn with_clock(conn: &Connection) -> Result<bool, ExecError> {
    let without_icu = !crate::clock::has_icu(conn);
    if without_icu {
        crate::clock::define(conn)?;
    }
    Ok(without_icu)
}

/// A relation as DuckDB names it in SQL.
pub(crate) fn rel(relation: &Relation) -> String {
    // Quoting does not depend on the schema the dialect builds into.
    DuckDbDialect::default().relation(relation)
}

/// DuckDB's error as jgt's: the database's own message.
pub(crate) fn db(err: duckdb::Error) -> ExecError {
    let mut message = err.to_string();
    if let Some(hint) = crate::clock::hint(&message) {
        message = format!("{message}\n{hint}");
    }
    ExecError::Sql { message }
}

/// The `(name, type)` rows of `sql` as columns: `sql` selects exactly
/// those two, in that order (`describe ...`, catalog queries).
pub(crate) fn column_rows(
    conn: &Connection,
    sql: &str,
    params: &[&dyn duckdb::ToSql],
) -> Result<Vec<Column>, ExecError> {
    let mut stmt = conn.prepare(sql).map_err(db)?;
    let mut rows = stmt.query(params).map_err(db)?;
    let mut columns = Vec::new();
    while let Some(row) = rows.next().map_err(db)? {
        columns.push(Column {
            name: row.get(0).map_err(db)?,
            data_type: row.get(1).map_err(db)?,
        });
    }
    Ok(columns)
}

/// Quotes a string literal for SQL.
pub(crate) fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The one statement of a model, test or preview body, without the
/// trailing `;` and comments people leave; refuses a second statement, so
/// nothing the user did not mean to run reaches the database.
fn body(sql: &str) -> Result<&str, ExecError> {
    jgt_core::sql::single_statement(sql).map_err(|err| ExecError::Sql {
        message: format!("the SQL {err}"),
    })
}

impl DuckDbAdapter {
    /// Opens (creating if needed) the database file at `path`, building
    /// into `main`.
    pub fn open(path: &Path) -> Result<Self, ExecError> {
        Self::open_with(path, &OpenOptions::default())
    }

    /// Opens (creating if needed) the database file at `path` with a
    /// profile's schema, settings, extensions and attachments.
    pub fn open_with(path: &Path, options: &OpenOptions) -> Result<Self, ExecError> {
        crate::file::check_database_path(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|err| ExecError::Open {
                path: path.into(),
                message: err.to_string(),
            })?;
        }
        let new_file = !path.exists() && !crate::file::wal_of(path).exists();
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
        // Some paths (a `.csv` name, say) make this DuckDB open an
        // in-memory database: a build would then save nothing.
        let file: Option<String> = conn
            .query_row(
                "select file from pragma_database_list where name = current_database()",
                [],
                |row| row.get(0),
            )
            .ok()
            .flatten();
        if file.as_deref().is_none_or(str::is_empty) || !path.is_file() {
            return Err(ExecError::Open {
                path: path.into(),
                message: "DuckDB would not keep this database in a file on disk; \
                          pass --db with a path ending in .duckdb"
                    .into(),
            });
        }
        crate::options::apply(&conn, path, options)?;
        let without_icu = with_clock(&conn)?;
        let dialect = match options.schema.is_empty() {
            true => DuckDbDialect::default(),
            false => DuckDbDialect::new(&options.schema),
        };
        // What exists is read once, now, rather than before every node; in
        // a file just made, with nothing attached, nothing does.
        let catalog = Catalog::default();
        match new_file && options.attach.is_empty() {
            true => catalog.new_file(),
            false => catalog.read(&conn)?,
        }
        Ok(DuckDbAdapter {
            conn,
            dialect,
            catalog,
            without_icu,
        })
    }

    /// Opens an existing database file for reading only.
    pub fn open_read_only(path: &Path) -> Result<Self, ExecError> {
        Self::open_read_only_with(path, &OpenOptions::default())
    }

    /// Opens the existing database file at `path` read-only, with a
    /// profile's schema, settings, extensions and attachments (attached
    /// read-only too): what `show` and `compile` read through.
    pub fn open_read_only_with(path: &Path, options: &OpenOptions) -> Result<Self, ExecError> {
        crate::file::check_database_path(path)?;
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(db)?;
        let conn = Connection::open_with_flags(path, config).map_err(|err| ExecError::Open {
            path: path.into(),
            message: err.to_string(),
        })?;
        let mut options = options.clone();
        for attach in &mut options.attach {
            attach.read_only = true;
        }
        crate::options::apply(&conn, path, &options)?;
        let without_icu = with_clock(&conn)?;
        let dialect = match options.schema.is_empty() {
            true => DuckDbDialect::default(),
            false => DuckDbDialect::new(&options.schema),
        };
        Ok(DuckDbAdapter {
            conn,
            dialect,
            catalog: Catalog::default(),
            without_icu,
        })
    }

    /// An in-memory database, for tests and previews.
    pub fn in_memory() -> Result<Self, ExecError> {
        let conn = Connection::open_in_memory().map_err(db)?;
        let without_icu = with_clock(&conn)?;
        Ok(DuckDbAdapter {
            conn,
            dialect: DuckDbDialect::default(),
            catalog: Catalog::default(),
            without_icu,
        })
    }

    /// Runs `build` inside a transaction: committed when it succeeds, rolled
    /// back (leaving everything as it was) when it fails.
    ///
    /// The driver's transaction rolls back when dropped, so a panic inside
    /// `build` (caught by the runner) also leaves the database as it was.
    pub(crate) fn atomically<T>(
        &self,
        build: impl FnOnce() -> Result<T, ExecError>,
    ) -> Result<T, ExecError> {
        let transaction = self.conn.unchecked_transaction().map_err(db)?;
        self.catalog.began();
        let value = build().and_then(|value| {
            transaction.commit().map_err(db)?;
            Ok(value)
        });
        match value {
            Ok(_) => self.catalog.committed(),
            Err(_) => self.catalog.rolled_back(),
        }
        value
    }

    /// `TABLE`, `VIEW` or `None` for what `relation` is now.
    pub(crate) fn existing_kind(
        &self,
        relation: &Relation,
    ) -> Result<Option<&'static str>, ExecError> {
        if let Some(known) = self.catalog.kind(&self.conn, relation)? {
            return Ok(known.map(Kind::word));
        }
        let mut stmt = self.conn.prepare(
            "select table_type from information_schema.tables where table_schema = ? and table_name = ?",
        ).map_err(db)?;
        let mut rows = stmt
            .query([&relation.schema, &relation.identifier])
            .map_err(db)?;
        Ok(match rows.next().map_err(db)? {
            Some(row) => {
                let kind: String = row.get(0).map_err(db)?;
                Some(if kind == "VIEW" { "VIEW" } else { "TABLE" })
            }
            None => None,
        })
    }

    /// Makes room for a relation of `kind`: creates its schema, and drops
    /// what has its name when that is of the other kind.
    fn prepare_slot(&self, relation: &Relation, kind: Kind) -> Result<(), ExecError> {
        let rel = rel(relation);
        self.create_schema(&relation.schema)?;
        match self.existing_kind(relation)? {
            Some(existing) if existing != kind.word() => {
                self.conn
                    .execute_batch(&format!("drop {existing} {rel}"))
                    .map_err(db)?;
            }
            _ => {}
        }
        // Noted before it is created: a failure rolls the note back too.
        self.catalog.created(relation, kind);
        Ok(())
    }

    /// Runs `create ... as` and counts the rows it wrote. DuckDB reports
    /// that count as the statement's result, but only through a prepared
    /// statement, which binds the query twice (for a seed, `read_csv`
    /// sniffs the whole file twice: 20% slower than this on
    /// `raw_event.csv`); counting a table afterwards is cheap.
    fn create_counted(&self, sql: &str, relation: &Relation) -> Result<u64, ExecError> {
        self.conn.execute_batch(sql).map_err(db)?;
        self.count(relation)
    }

    fn count(&self, relation: &Relation) -> Result<u64, ExecError> {
        let rel = rel(relation);
        let rows: i64 = self
            .conn
            .query_row(&format!("select count(*) from {rel}"), [], |row| row.get(0))
            .map_err(db)?;
        Ok(rows as u64)
    }
}

impl Adapter for DuckDbAdapter {
    fn load_seed(
        &self,
        relation: &Relation,
        csv: &Path,
        options: &SeedOptions,
        hooks: &Hooks,
    ) -> Result<u64, ExecError> {
        let rel = rel(relation);
        let args = crate::seed::read_csv_arguments(csv, options);
        self.with_hooks(relation, hooks, || {
            self.prepare_slot(relation, Kind::Table)?;
            self.create_counted(
                &format!(
                    "create or replace table {rel} as select * from read_csv({})",
                    args.join(", ")
                ),
                relation,
            )
        })
    }

    fn materialize(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        let rel = rel(relation);
        // The body starts on the wrapper's first line, so the line numbers
        // in DuckDB's errors are the compiled file's own.
        let sql = body(sql)?;
        match materialization {
            Materialization::View => self.with_hooks(relation, hooks, || {
                self.prepare_slot(relation, Kind::View)?;
                self.conn
                    .execute_batch(&format!("create or replace view {rel} as {sql}\n"))
                    .map_err(db)?;
                Ok(None)
            }),
            Materialization::Table | Materialization::Incremental => {
                self.with_hooks(relation, hooks, || {
                    self.prepare_slot(relation, Kind::Table)?;
                    let sql = format!("create or replace table {rel} as {sql}\n");
                    Ok(Some(self.create_counted(&sql, relation)?))
                })
            }
            Materialization::Ephemeral | Materialization::External => {
                Err(ExecError::Unsupported(materialization.to_string()))
            }
        }
    }

    fn materialize_contracted(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
        hooks: &Hooks,
        contract: &Contract,
    ) -> Result<Option<u64>, ExecError> {
        let body = body(sql)?;
        crate::contract::check(&self.conn, body, contract)?;
        match materialization {
            Materialization::Table | Materialization::Incremental => {
                self.with_hooks(relation, hooks, || {
                    self.prepare_slot(relation, Kind::Table)?;
                    crate::contract::create_table(&self.conn, relation, body, contract)?;
                    Ok(Some(self.count(relation)?))
                })
            }
            // A view holds no constraints: its columns are what is checked.
            _ => self.materialize(relation, sql, materialization, hooks),
        }
    }

    fn materialize_external(
        &self,
        relation: &Relation,
        sql: &str,
        external: &External,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        let sql = body(sql)?;
        crate::external::check_format(&self.conn, &external.format)?;
        self.with_hooks(relation, hooks, || {
            self.prepare_slot(relation, Kind::View)?;
            crate::external::write(&self.conn, relation, sql, external)?;
            Ok(Some(self.count(relation)?))
        })
    }

    fn check_contract(&self, sql: &str, contract: &Contract) -> Result<(), ExecError> {
        crate::contract::check(&self.conn, body(sql)?, contract)
    }

    fn incremental(
        &self,
        relation: &Relation,
        sql: &str,
        how: &Incremental,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        // The SQL was rendered for one case (is_incremental() true or
        // false); build exactly that case, never re-decide here.
        if !how.is_incremental {
            return self.materialize(relation, sql, Materialization::Table, hooks);
        }
        let sql = body(sql)?;
        self.with_hooks(relation, hooks, || {
            let existing = match self.existing_kind(relation)? {
                Some("TABLE") => self.columns(relation)?,
                _ => None,
            };
            let Some(existing) = existing else {
                return Err(ExecError::Sql {
                    message: format!(
                        "{} was rendered with is_incremental() true but its table is gone; \
                         run again (or with --full-refresh)",
                        relation.display_name()
                    ),
                });
            };
            crate::incremental::merge_in(&self.conn, relation, sql, how, existing)?;
            Ok(Some(self.count(relation)?))
        })
    }

    fn snapshot(
        &self,
        relation: &Relation,
        sql: &str,
        snapshot: &Snapshot,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        let sql = body(sql)?;
        self.with_hooks(relation, hooks, || {
            let existing = self.existing_kind(relation)?;
            if existing == Some("VIEW") {
                return Err(ExecError::Sql {
                    message: format!(
                        "{} is a view; a snapshot records into a table (drop the view, or give the snapshot another name)",
                        relation.display_name()
                    ),
                });
            }
            let table = existing.and_then(|_| self.columns(relation).transpose());
            match table.transpose()? {
                None => {
                    self.prepare_slot(relation, Kind::Table)?;
                    crate::snapshot::create(&self.conn, relation, sql, snapshot)?;
                }
                Some(columns) => {
                    crate::snapshot::record(&self.conn, relation, sql, snapshot, &columns)?;
                }
            }
            Ok(Some(self.count(relation)?))
        })
    }

    fn create_schema(&self, schema: &str) -> Result<(), ExecError> {
        if self.catalog.has_schema(&self.conn, schema)? == Some(true) {
            return Ok(());
        }
        self.conn
            .execute_batch(&format!(
                "create schema if not exists {}",
                quote_ident(schema)
            ))
            .map_err(db)?;
        self.catalog.created_schema(schema);
        Ok(())
    }

    fn tables(&self) -> Result<Vec<Relation>, ExecError> {
        if self.catalog.holds_no_relation() {
            return Ok(Vec::new());
        }
        if let Some(tables) = self.catalog.tables_as_read() {
            return Ok(tables);
        }
        let mut stmt = self
            .conn
            .prepare(
                "select schema_name, table_name from duckdb_tables() \
                 where database_name = current_database()",
            )
            .map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        let mut relations = Vec::new();
        while let Some(row) = rows.next().map_err(db)? {
            relations.push(Relation::new(
                row.get::<_, String>(0).map_err(db)?,
                row.get::<_, String>(1).map_err(db)?,
            ));
        }
        Ok(relations)
    }

    fn try_clone(&self) -> Result<Box<dyn Adapter + Send>, ExecError> {
        let conn = self.conn.try_clone().map_err(db)?;
        if self.without_icu {
            crate::clock::define(&conn)?;
        }
        Ok(Box::new(DuckDbAdapter {
            conn,
            dialect: self.dialect.clone(),
            catalog: self.catalog.share(),
            without_icu: self.without_icu,
        }))
    }

    fn query(&self, sql: &str, limit: Option<usize>) -> Result<QueryResult, ExecError> {
        let sql = body(sql)?;
        let limit = limit.map(|n| format!(" limit {n}")).unwrap_or_default();
        let mut stmt = self
            .conn
            .prepare(&format!(
                "select columns(*)::varchar from ({sql}\n) as __jgt_query{limit}"
            ))
            .map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        let mut result = QueryResult::default();
        if let Some(stmt) = rows.as_ref() {
            result.columns = stmt.column_names();
        }
        let width = result.columns.len();
        while let Some(row) = rows.next().map_err(db)? {
            let values = (0..width)
                .map(|i| row.get::<_, Option<String>>(i))
                .collect::<Result<Vec<_>, _>>()
                .map_err(db)?;
            result.rows.push(values);
        }
        Ok(result)
    }

    fn execute(&self, sql: &str) -> Result<QueryResult, ExecError> {
        if jgt_core::sql::returns_rows(sql) {
            return self.query(sql, None);
        }
        // A statement jgt did not write may create or drop anything.
        let ran = self.conn.execute_batch(body(sql)?);
        self.catalog.forget();
        ran.map_err(db)?;
        Ok(QueryResult::default())
    }

    fn query_columns(&self, sql: &str) -> Result<Vec<Column>, ExecError> {
        let sql = body(sql)?;
        column_rows(
            &self.conn,
            &format!(
                "select column_name, column_type from (describe select * from ({sql}\n) as __jgt_query)"
            ),
            &[],
        )
    }

    fn freshness(
        &self,
        relation: &Relation,
        loaded_at_field: &str,
        filter: Option<&str>,
    ) -> Result<jgt_core::freshness::Measured, ExecError> {
        // epoch_us reads a naive timestamp as UTC, as dbt does, and a
        // timestamp with time zone at its instant.
        let filter = filter.map(|f| format!("\nwhere {f}\n")).unwrap_or_default();
        let sql = format!(
            "select epoch_us(max({loaded_at_field})), epoch_us(now())\nfrom {}{filter}",
            rel(relation)
        );
        self.conn
            .query_row(&sql, [], |row| {
                Ok(jgt_core::freshness::Measured {
                    max_loaded_at_us: row.get(0)?,
                    snapshotted_at_us: row.get(1)?,
                })
            })
            .map_err(db)
    }

    fn columns(&self, relation: &Relation) -> Result<Option<Vec<Column>>, ExecError> {
        let columns = column_rows(
            &self.conn,
            "select column_name, data_type from information_schema.columns \
             where table_schema = ? and table_name = ? order by ordinal_position",
            &[&relation.schema, &relation.identifier],
        )?;
        Ok((!columns.is_empty()).then_some(columns))
    }

    fn columns_of(&self, relations: &[&Relation]) -> Result<Vec<Option<Vec<Column>>>, ExecError> {
        crate::catalog::columns_of(&self.conn, relations)
    }

    fn interrupter(&self) -> Interrupter {
        let handle = self.conn.interrupt_handle();
        std::sync::Arc::new(move || handle.interrupt())
    }

    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn close_for_exit(self: Box<Self>) {
        crate::closing::close_for_exit(*self);
    }
}
