//! The PostgreSQL adapter: one connection to a server.

use std::cell::RefCell;
use std::path::Path;

use jgt_core::{
    Column, Contract, Dialect, External, Hooks, Incremental, Materialization, QueryResult,
    Relation, SeedOptions, Snapshot,
};
use jgt_exec::{Adapter, ExecError, Interrupter};
use postgres::{Client, NoTls, Transaction};

use crate::client::{body, columns_of, create_schema, kind, pg, rel, text_rows, Kind};
use crate::dialect::PostgresDialect;

/// Where and as whom to connect, as a profile's `postgres` output says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// The server's host name, IP address or Unix socket folder.
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// The role to log in as.
    pub user: String,
    /// Its password, if the server asks for one.
    pub password: Option<String>,
    /// The database to connect to.
    pub dbname: String,
    /// The schema nodes build into.
    pub schema: String,
}

/// An open connection to a PostgreSQL database.
///
/// The client sits in a `RefCell` because the [`Adapter`] methods take
/// `&self`; each method borrows it once, so a second borrow (which would
/// be a bug) is an error, never a panic.
pub struct PostgresAdapter {
    client: RefCell<Client>,
    config: postgres::Config,
    dialect: PostgresDialect,
}

/// The error for a connection already in use by this same adapter.
fn busy() -> ExecError {
    ExecError::Sql {
        message: "the PostgreSQL connection is already running a statement".into(),
    }
}

impl PostgresAdapter {
    /// Connects with `options` (no TLS yet: `sslmode` `disable` or
    /// `prefer` against a server that allows plain connections).
    pub fn connect(options: &ConnectOptions) -> Result<Self, ExecError> {
        let mut config = postgres::Config::new();
        config
            .host(&options.host)
            .port(options.port)
            .user(&options.user)
            .dbname(&options.dbname)
            .application_name("jgt");
        if let Some(password) = &options.password {
            config.password(password);
        }
        Self::with_config(config, &options.schema)
    }

    /// Connects with a client configuration, building into `schema`.
    pub fn with_config(config: postgres::Config, schema: &str) -> Result<Self, ExecError> {
        let client = config.connect(NoTls).map_err(|err| ExecError::Open {
            path: format!(
                "postgres://{}/{}",
                config
                    .get_hosts()
                    .first()
                    .map_or(String::new(), |host| match host {
                        postgres::config::Host::Tcp(name) => name.clone(),
                        postgres::config::Host::Unix(path) => path.display().to_string(),
                    }),
                config.get_dbname().unwrap_or_default()
            )
            .into(),
            message: match pg(err) {
                ExecError::Sql { message } => message,
                other => other.to_string(),
            },
        })?;
        let dialect = match schema.is_empty() {
            true => PostgresDialect::default(),
            false => PostgresDialect::new(schema),
        };
        Ok(PostgresAdapter {
            client: RefCell::new(client),
            config,
            dialect,
        })
    }

    /// Runs `build` in one transaction with the node's hooks around it:
    /// those that run inside the transaction (dbt's default) inside it, so
    /// a failing hook rolls the build back; the others (`before_begin`,
    /// `after_commit`) before it begins and after it commits. When
    /// anything fails the transaction rolls back (the driver's transaction
    /// does so when dropped).
    fn with_hooks<T>(
        &self,
        hooks: &Hooks,
        build: impl FnOnce(&mut Transaction<'_>) -> Result<T, ExecError>,
    ) -> Result<T, ExecError> {
        if hooks.docs.is_some() {
            // Refused, never skipped: a user must not think the comments
            // were written.
            return Err(ExecError::Unsupported(
                "persist_docs on PostgreSQL (not written yet; remove persist_docs for this target)"
                    .into(),
            ));
        }
        let mut client = self.client.try_borrow_mut().map_err(|_| busy())?;
        run_hooks(&mut *client, "pre-hook", hooks.select(false, false))?;
        let mut tx = client.transaction().map_err(pg)?;
        run_hooks(&mut tx, "pre-hook", hooks.select(false, true))?;
        let value = build(&mut tx)?;
        run_hooks(&mut tx, "post-hook", hooks.select(true, true))?;
        tx.commit().map_err(pg)?;
        run_hooks(&mut *client, "post-hook", hooks.select(true, false))?;
        Ok(value)
    }

    fn count(tx: &mut Transaction<'_>, relation: &Relation) -> Result<u64, ExecError> {
        let row = tx
            .query_one(&format!("select count(*) from {}", rel(relation)), &[])
            .map_err(pg)?;
        let rows: i64 = row.try_get(0).map_err(pg)?;
        Ok(rows.unsigned_abs())
    }
}

/// Runs hooks in order, each statement by statement.
fn run_hooks<'a>(
    client: &mut impl postgres::GenericClient,
    kind: &str,
    hooks: impl Iterator<Item = &'a str>,
) -> Result<(), ExecError> {
    for hook in hooks {
        for statement in jgt_core::sql::statements(hook) {
            client
                .batch_execute(statement)
                .map_err(|err| ExecError::Sql {
                    message: format!(
                        "{kind} failed: {}\n  {}",
                        message(pg(err)),
                        statement.trim()
                    ),
                })?;
        }
    }
    Ok(())
}

/// The text of an error, without its variant.
fn message(err: ExecError) -> String {
    match err {
        ExecError::Sql { message } => message,
        other => other.to_string(),
    }
}

impl Adapter for PostgresAdapter {
    fn load_seed(
        &self,
        relation: &Relation,
        csv: &Path,
        options: &SeedOptions,
        hooks: &Hooks,
    ) -> Result<u64, ExecError> {
        self.with_hooks(hooks, |tx| crate::seed::load(tx, relation, csv, options))
    }

    fn materialize(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        let sql = body(sql)?;
        match materialization {
            Materialization::View => self.with_hooks(hooks, |tx| {
                crate::build::view(tx, relation, sql)?;
                Ok(None)
            }),
            Materialization::Table | Materialization::Incremental => self.with_hooks(hooks, |tx| {
                Ok(Some(crate::build::table(tx, relation, sql)?))
            }),
            Materialization::Ephemeral | Materialization::External => {
                Err(ExecError::Unsupported(materialization.to_string()))
            }
        }
    }

    fn materialize_contracted(
        &self,
        _relation: &Relation,
        _sql: &str,
        _materialization: Materialization,
        _hooks: &Hooks,
        _contract: &Contract,
    ) -> Result<Option<u64>, ExecError> {
        Err(ExecError::Unsupported(
            "enforced contracts on PostgreSQL".into(),
        ))
    }

    fn materialize_external(
        &self,
        _relation: &Relation,
        _sql: &str,
        _external: &External,
        _hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        Err(ExecError::Unsupported("external on PostgreSQL".into()))
    }

    fn check_contract(&self, _sql: &str, _contract: &Contract) -> Result<(), ExecError> {
        Err(ExecError::Unsupported(
            "enforced contracts on PostgreSQL".into(),
        ))
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
        self.with_hooks(hooks, |tx| {
            let existing = match kind(tx, relation)? {
                Some(Kind::Table) => columns_of(tx, &rel(relation))?,
                _ => Vec::new(),
            };
            if existing.is_empty() {
                return Err(ExecError::Sql {
                    message: format!(
                        "{} was rendered with is_incremental() true but its table is gone; \
                         run again (or with --full-refresh)",
                        relation.display_name()
                    ),
                });
            }
            crate::incremental::merge_in(tx, relation, sql, how, existing)?;
            Ok(Some(Self::count(tx, relation)?))
        })
    }

    fn snapshot(
        &self,
        _relation: &Relation,
        _sql: &str,
        _snapshot: &Snapshot,
        _hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        Err(ExecError::Unsupported("snapshot on PostgreSQL".into()))
    }

    fn create_schema(&self, schema: &str) -> Result<(), ExecError> {
        let mut client = self.client.try_borrow_mut().map_err(|_| busy())?;
        create_schema(&mut *client, schema)
    }

    fn tables(&self) -> Result<Vec<Relation>, ExecError> {
        let mut client = self.client.try_borrow_mut().map_err(|_| busy())?;
        let rows = client
            .query(
                "select table_schema::text, table_name::text from information_schema.tables \
                 where table_type = 'BASE TABLE' \
                 and table_schema not in ('pg_catalog', 'information_schema') \
                 and table_schema not like 'pg\\_temp\\_%'",
                &[],
            )
            .map_err(pg)?;
        rows.iter()
            .map(|row| {
                Ok(Relation::new(
                    row.try_get::<_, String>(0).map_err(pg)?,
                    row.try_get::<_, String>(1).map_err(pg)?,
                ))
            })
            .collect()
    }

    fn try_clone(&self) -> Result<Box<dyn Adapter + Send>, ExecError> {
        Ok(Box::new(Self::with_config(
            self.config.clone(),
            self.dialect.default_schema(),
        )?))
    }

    fn query(&self, sql: &str, limit: Option<usize>) -> Result<QueryResult, ExecError> {
        let sql = body(sql)?;
        let limit_clause = limit.map(|n| format!(" limit {n}")).unwrap_or_default();
        let mut client = self.client.try_borrow_mut().map_err(|_| busy())?;
        text_rows(
            &mut *client,
            &format!("select * from ({sql}\n) as __jgt_query{limit_clause}"),
            limit,
        )
    }

    fn execute(&self, sql: &str) -> Result<QueryResult, ExecError> {
        if jgt_core::sql::returns_rows(sql) {
            return self.query(sql, None);
        }
        let sql = body(sql)?;
        let mut client = self.client.try_borrow_mut().map_err(|_| busy())?;
        client.batch_execute(sql).map_err(pg)?;
        Ok(QueryResult::default())
    }

    fn query_columns(&self, sql: &str) -> Result<Vec<Column>, ExecError> {
        let sql = body(sql)?;
        let mut client = self.client.try_borrow_mut().map_err(|_| busy())?;
        let statement = client
            .prepare(&format!("select * from ({sql}\n) as __jgt_query"))
            .map_err(pg)?;
        let mut columns = Vec::new();
        for column in statement.columns() {
            let row = client
                .query_one(
                    "select pg_catalog.format_type($1, null)",
                    &[&column.type_().oid()],
                )
                .map_err(pg)?;
            columns.push(Column {
                name: column.name().to_string(),
                data_type: row.try_get(0).map_err(pg)?,
            });
        }
        Ok(columns)
    }

    fn freshness(
        &self,
        relation: &Relation,
        loaded_at_field: &str,
        filter: Option<&str>,
    ) -> Result<jgt_core::freshness::Measured, ExecError> {
        // A timestamp without time zone is read as UTC, as dbt does; one
        // with a time zone at its instant.
        let filter = filter.map(|f| format!("\nwhere {f}\n")).unwrap_or_default();
        let sql = format!(
            "select (extract(epoch from max({loaded_at_field})) * 1000000)::bigint, \
             (extract(epoch from now()) * 1000000)::bigint\nfrom {}{filter}",
            rel(relation)
        );
        let mut client = self.client.try_borrow_mut().map_err(|_| busy())?;
        let row = client.query_one(&sql, &[]).map_err(pg)?;
        Ok(jgt_core::freshness::Measured {
            max_loaded_at_us: row.try_get(0).map_err(pg)?,
            snapshotted_at_us: row.try_get(1).map_err(pg)?,
        })
    }

    fn columns(&self, relation: &Relation) -> Result<Option<Vec<Column>>, ExecError> {
        let mut client = self.client.try_borrow_mut().map_err(|_| busy())?;
        let columns = columns_of(&mut *client, &rel(relation))?;
        Ok((!columns.is_empty()).then_some(columns))
    }

    fn interrupter(&self) -> Interrupter {
        let token = self.client.try_borrow().ok().map(|c| c.cancel_token());
        std::sync::Arc::new(move || {
            if let Some(token) = &token {
                let _ = token.cancel_query(NoTls);
            }
        })
    }

    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }
}
