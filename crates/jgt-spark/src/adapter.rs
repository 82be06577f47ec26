//! The Spark adapter: one Spark Connect session.

use std::path::Path;
use std::time::Duration;

use jgt_core::{
    Column, Contract, Dialect, External, Hooks, Incremental, Materialization, QueryResult,
    Relation, SeedOptions, Snapshot, Storage,
};
use jgt_exec::{Adapter, ExecError, Interrupter};

use crate::build;
use crate::catalog::{self, rel, Kind};
use crate::client::{Client, Target};
use crate::dialect::SparkDialect;

/// Where and as whom to connect, as a profile's `spark` output
/// (`method: connect`) says.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// The Spark Connect server's host name or IP address.
    pub host: String,
    /// Its port (Spark Connect's default is 15002).
    pub port: u16,
    /// The Spark database nodes build into (`default` when empty).
    pub schema: String,
    /// A bearer token, sent as `authorization: Bearer …` (never printed).
    pub token: Option<String>,
    /// The user name the session runs as (`jgt` when `None`).
    pub user: Option<String>,
    /// TLS to the server (not supported yet: refused with a clear error).
    pub use_ssl: bool,
    /// How long to wait for the server to accept the connection.
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("schema", &self.schema)
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .field("user", &self.user)
            .field("use_ssl", &self.use_ssl)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// The session configuration jgt sets when it connects: dynamic partition
/// overwrite, as dbt-spark's `insert_overwrite` expects.
const SESSION_CONF: [(&str, &str); 1] = [("spark.sql.sources.partitionOverwriteMode", "DYNAMIC")];

/// An open Spark Connect session.
///
/// Clones ([`Adapter::try_clone`], one per worker thread) share the
/// session: Sail keeps catalogs per session, and temporary views must be
/// seen by every thread; jgt's threads are concurrent operations in it.
#[derive(Debug)]
pub struct SparkAdapter {
    client: Client,
    dialect: SparkDialect,
}

impl SparkAdapter {
    /// Connects with `options`. A server that does not answer fails
    /// within `connect_timeout` with one line naming the host and port.
    pub fn connect(options: &ConnectOptions) -> Result<Self, ExecError> {
        if options.use_ssl {
            return Err(ExecError::Unsupported(
                "TLS to Spark Connect (use_ssl: true); connect without it, through a tunnel if \
                 the server is remote"
                    .into(),
            ));
        }
        let target = Target {
            host: options.host.clone(),
            port: options.port,
            token: options.token.clone(),
            user: options.user.clone().unwrap_or_else(|| "jgt".into()),
            connect_timeout: options.connect_timeout,
        };
        let client = Client::connect(&target, &SESSION_CONF)?;
        let dialect = match options.schema.is_empty() {
            true => SparkDialect::default(),
            false => SparkDialect::new(&options.schema),
        };
        Ok(SparkAdapter { client, dialect })
    }

    /// The version the server reports (Sail reports the Spark version it
    /// is compatible with).
    pub fn server_version(&self) -> Result<String, ExecError> {
        self.client.version()
    }

    fn table_rows(&self, relation: &Relation) -> Result<Option<u64>, ExecError> {
        build::count(&self.client, relation).map(Some)
    }
}

/// The one statement of a model, test or preview body, without the
/// trailing `;` and comments people leave; refuses a second statement.
fn body(sql: &str) -> Result<&str, ExecError> {
    jgt_core::sql::single_statement(sql).map_err(|err| ExecError::Sql {
        message: format!("the SQL {err}"),
    })
}

fn refuse_docs(hooks: &Hooks) -> Result<(), ExecError> {
    match hooks.docs {
        // Refused, never skipped: a user must not think comments were written.
        Some(_) => Err(ExecError::Unsupported(
            "persist_docs on Spark (not written yet; remove persist_docs for this target)".into(),
        )),
        None => Ok(()),
    }
}

impl Adapter for SparkAdapter {
    fn load_seed(
        &self,
        relation: &Relation,
        csv: &Path,
        options: &SeedOptions,
        hooks: &Hooks,
    ) -> Result<u64, ExecError> {
        refuse_docs(hooks)?;
        crate::seed::load(&self.client, relation, csv, options, hooks)
    }

    fn materialize(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
        hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        self.materialize_stored(relation, sql, materialization, hooks, &Storage::default())
    }

    fn materialize_stored(
        &self,
        relation: &Relation,
        sql: &str,
        materialization: Materialization,
        hooks: &Hooks,
        storage: &Storage,
    ) -> Result<Option<u64>, ExecError> {
        refuse_docs(hooks)?;
        let sql = body(sql)?;
        match materialization {
            Materialization::View => {
                build::view(&self.client, relation, sql, hooks)?;
                Ok(None)
            }
            Materialization::Table | Materialization::Incremental => {
                build::table(&self.client, relation, sql, storage, hooks)?;
                self.table_rows(relation)
            }
            Materialization::Ephemeral | Materialization::External => Err(ExecError::Unsupported(
                format!("{materialization} on Spark"),
            )),
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
        Err(ExecError::Unsupported("enforced contracts on Spark".into()))
    }

    fn materialize_external(
        &self,
        _relation: &Relation,
        _sql: &str,
        _external: &External,
        _hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        Err(ExecError::Unsupported("external on Spark".into()))
    }

    fn check_contract(&self, _sql: &str, _contract: &Contract) -> Result<(), ExecError> {
        Err(ExecError::Unsupported("enforced contracts on Spark".into()))
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
            return self.materialize_stored(
                relation,
                sql,
                Materialization::Table,
                hooks,
                &how.storage,
            );
        }
        refuse_docs(hooks)?;
        let sql = body(sql)?;
        let existing = match catalog::kind(&self.client, relation)? {
            Some(Kind::Table) => catalog::columns(&self.client, relation)?.unwrap_or_default(),
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
        crate::incremental::merge_in(&self.client, relation, sql, how, existing, hooks)?;
        self.table_rows(relation)
    }

    fn snapshot(
        &self,
        _relation: &Relation,
        _sql: &str,
        _snapshot: &Snapshot,
        _hooks: &Hooks,
    ) -> Result<Option<u64>, ExecError> {
        Err(ExecError::Unsupported("snapshot on Spark".into()))
    }

    fn create_schema(&self, schema: &str) -> Result<(), ExecError> {
        catalog::create_schema(&self.client, schema)
    }

    fn tables(&self) -> Result<Vec<Relation>, ExecError> {
        catalog::tables(&self.client)
    }

    fn try_clone(&self) -> Result<Box<dyn Adapter + Send>, ExecError> {
        Ok(Box::new(SparkAdapter {
            client: self.client.clone().retagged(),
            dialect: self.dialect.clone(),
        }))
    }

    fn query(&self, sql: &str, limit: Option<usize>) -> Result<QueryResult, ExecError> {
        let sql = body(sql)?;
        let mut result = match limit {
            // Unwrapped when there is no limit, so an `order by` is the
            // outermost clause and its order holds.
            None => catalog::text(&self.client, sql)?,
            Some(n) => catalog::text(
                &self.client,
                &format!("select * from ({sql}\n) as __jgt_query limit {n}"),
            )?,
        };
        if let Some(n) = limit {
            result.rows.truncate(n);
        }
        Ok(result)
    }

    fn execute(&self, sql: &str) -> Result<QueryResult, ExecError> {
        if jgt_core::sql::returns_rows(sql) {
            return self.query(sql, None);
        }
        self.client.command(body(sql)?)?;
        Ok(QueryResult::default())
    }

    fn query_columns(&self, sql: &str) -> Result<Vec<Column>, ExecError> {
        let schema = self.client.schema(body(sql)?)?;
        Ok(crate::types::columns(&schema))
    }

    fn freshness(
        &self,
        relation: &Relation,
        loaded_at_field: &str,
        filter: Option<&str>,
    ) -> Result<jgt_core::freshness::Measured, ExecError> {
        // A timestamp without time zone is read as UTC (the session's zone
        // on a server running in UTC), as dbt does.
        let filter = filter.map(|f| format!("\nwhere {f}\n")).unwrap_or_default();
        let sql = format!(
            "select unix_micros(cast(max({loaded_at_field}) as timestamp)), \
             unix_micros(current_timestamp())\nfrom {}{filter}",
            rel(relation)
        );
        let result = catalog::text(&self.client, &sql)?;
        let row = result.rows.first().cloned().unwrap_or_default();
        let number = |i: usize| -> Result<Option<i64>, ExecError> {
            match row.get(i).cloned().flatten() {
                None => Ok(None),
                Some(text) => text.parse().map(Some).map_err(|_| ExecError::Sql {
                    message: format!("freshness: '{text}' is not a number of microseconds"),
                }),
            }
        };
        Ok(jgt_core::freshness::Measured {
            max_loaded_at_us: number(0)?,
            snapshotted_at_us: number(1)?.unwrap_or_default(),
        })
    }

    fn columns(&self, relation: &Relation) -> Result<Option<Vec<Column>>, ExecError> {
        catalog::columns(&self.client, relation)
    }

    fn interrupter(&self) -> Interrupter {
        let client = self.client.clone();
        std::sync::Arc::new(move || client.interrupt())
    }

    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }
}
