//! Outputs that name a database server instead of a DuckDB file:
//! `type: postgres` (dbt-postgres's keys) and `type: spark` with
//! `method: connect` (dbt-spark's keys, spoken over Spark Connect).
//!
//! Each type has three lists of keys: those jgt reads, those that would
//! change what a build reads or writes (refused, never ignored), and
//! connection tuning jgt does not need (a warning names them).

use serde_yaml::Mapping;

use crate::node_config::scalar;

/// A secret from the profile (a password or token): shown as `***` by
/// `Debug`, so no log or error prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How to reach the target's database, by its output's `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// `type: duckdb`: jgt's embedded engine, in the file `path` names.
    DuckDb,
    /// `type: postgres`.
    Postgres(PostgresOutput),
    /// `type: spark`, `method: connect`.
    Spark(SparkOutput),
}

impl Connection {
    /// The adapter type, as `type:` spells it.
    pub fn adapter_type(&self) -> &'static str {
        match self {
            Connection::DuckDb => "duckdb",
            Connection::Postgres(_) => "postgres",
            Connection::Spark(_) => "spark",
        }
    }
}

/// A `type: postgres` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresOutput {
    /// The server's host name or address.
    pub host: String,
    /// Its port (5432 unless set).
    pub port: u16,
    /// The role to log in as.
    pub user: String,
    /// `password` (or dbt's older `pass`).
    pub password: Option<Secret>,
    /// `dbname` (or `database`).
    pub dbname: String,
}

/// A `type: spark`, `method: connect` output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkOutput {
    /// The Spark Connect server's host name or address.
    pub host: String,
    /// Its port (15002, Spark Connect's own, unless set).
    pub port: u16,
    /// A bearer token, sent with every call.
    pub token: Option<Secret>,
    /// The user name the session runs as.
    pub user: Option<String>,
    /// Whether to speak TLS.
    pub use_ssl: bool,
    /// Seconds to wait for the server to answer when connecting.
    pub connect_timeout: Option<u64>,
}

/// Keys of a PostgreSQL output that jgt reads.
pub(super) const POSTGRES_KEYS: [&str; 9] = [
    "type", "host", "port", "user", "password", "pass", "dbname", "database", "schema",
];

/// dbt-postgres keys that change where or how a build writes.
pub(super) const POSTGRES_REFUSED: [&str; 6] = [
    "search_path",
    "role",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslmode",
];

/// Keys of a Spark output that jgt reads.
pub(super) const SPARK_KEYS: [&str; 10] = [
    "type",
    "method",
    "host",
    "port",
    "schema",
    "database",
    "token",
    "user",
    "use_ssl",
    "connect_timeout",
];

/// dbt-spark keys that change what a build reads or writes, or ask for a
/// way of connecting other than Spark Connect.
pub(super) const SPARK_REFUSED: [&str; 7] = [
    "server_side_parameters",
    "cluster",
    "endpoint",
    "organization",
    "auth",
    "kerberos_service_name",
    "driver",
];

/// Reads the output of `type: postgres`; `Err` holds the key at fault
/// and what is wrong with it.
pub(super) fn postgres(output: &Mapping) -> Result<PostgresOutput, (&'static str, String)> {
    if let Some(mode) =
        text(output, "sslmode").filter(|m| !["disable", "prefer", "allow"].contains(&m.as_str()))
    {
        return Err((
            "sslmode",
            format!("sslmode '{mode}' needs TLS, which jgt's PostgreSQL client does not speak yet; use disable or prefer against a server that allows plain connections"),
        ));
    }
    Ok(PostgresOutput {
        host: required(output, "host")?,
        port: port(output, 5432)?,
        user: required(output, "user")?,
        password: text(output, "password")
            .or_else(|| text(output, "pass"))
            .map(Secret),
        dbname: match text(output, "dbname").or_else(|| text(output, "database")) {
            Some(name) => name,
            None => return Err(("dbname", "a postgres target needs dbname".into())),
        },
    })
}

/// Reads the output of `type: spark`, which must say `method: connect`.
pub(super) fn spark(output: &Mapping) -> Result<SparkOutput, (&'static str, String)> {
    match text(output, "method").as_deref() {
        Some("connect") => {}
        Some(other) => {
            return Err((
                "method",
                format!("method '{other}' is not one jgt speaks: jgt reaches Spark through Spark Connect; set method: connect and the Connect server's host and port (15002 by default)"),
            ))
        }
        None => {
            return Err((
                "type",
                "a spark target needs method: connect (jgt reaches Spark through Spark Connect)"
                    .into(),
            ))
        }
    }
    let schema = required(output, "schema")?;
    if let Some(database) = text(output, "database").filter(|d| *d != schema) {
        return Err((
            "database",
            format!("database '{database}' differs from schema '{schema}'; on Spark both name the same thing: remove database or make it equal"),
        ));
    }
    let connect_timeout = match output.get("connect_timeout") {
        None => None,
        Some(value) => Some(value.as_u64().filter(|n| *n > 0).ok_or((
            "connect_timeout",
            "connect_timeout must be a whole number of seconds above 0".to_string(),
        ))?),
    };
    Ok(SparkOutput {
        host: required(output, "host")?,
        port: port(output, 15002)?,
        token: text(output, "token").filter(|t| !t.is_empty()).map(Secret),
        user: text(output, "user"),
        use_ssl: match output.get("use_ssl") {
            None => false,
            Some(value) => value.as_bool().ok_or((
                "use_ssl",
                "use_ssl must be true or false (unquoted)".to_string(),
            ))?,
        },
        connect_timeout,
    })
}

fn text(map: &Mapping, key: &str) -> Option<String> {
    map.get(key).and_then(scalar)
}

fn required(map: &Mapping, key: &'static str) -> Result<String, (&'static str, String)> {
    text(map, key)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ("type", format!("this target needs {key}")))
}

fn port(map: &Mapping, default: u16) -> Result<u16, (&'static str, String)> {
    match map.get("port") {
        None => Ok(default),
        Some(value) => value
            .as_u64()
            .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| *n > 0)
            .ok_or(("port", "port must be a whole number from 1 to 65535".into())),
    }
}
