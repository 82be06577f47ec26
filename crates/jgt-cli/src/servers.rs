//! Connecting to a target that is a server: PostgreSQL or Spark Connect.
//! Each engine's client is compiled in only with its cargo feature
//! (`postgres`, `spark`); without it the target is refused with the
//! command that builds it in.

use anyhow::Result;
use jgt_exec::Adapter;
use jgt_project::{Connection, Project};

/// Connects to the target's server. Secrets (password, token) go to the
/// client only; no message prints them.
pub fn connect(project: &Project) -> Result<Box<dyn Adapter + Send>> {
    let profile = project.profile.as_ref();
    match profile.map(|p| (p, &p.connection)) {
        Some((p, Connection::Postgres(server))) => postgres(&p.target_name, server, &p.schema),
        Some((p, Connection::Spark(server))) => spark(&p.target_name, server, &p.schema),
        // DuckDB is opened by its file (profile::open), never here.
        _ => anyhow::bail!("internal error: a DuckDB target is opened by its file"),
    }
}

#[cfg(feature = "postgres")]
fn postgres(
    _target: &str,
    server: &jgt_project::PostgresOutput,
    schema: &str,
) -> Result<Box<dyn Adapter + Send>> {
    let options = jgt_postgres::ConnectOptions {
        host: server.host.clone(),
        port: server.port,
        user: server.user.clone(),
        password: server.password.as_ref().map(|p| p.0.clone()),
        dbname: server.dbname.clone(),
        schema: schema.to_string(),
    };
    Ok(Box::new(jgt_postgres::PostgresAdapter::connect(&options)?))
}

#[cfg(not(feature = "postgres"))]
fn postgres(
    target: &str,
    _server: &jgt_project::PostgresOutput,
    _schema: &str,
) -> Result<Box<dyn Adapter + Send>> {
    Err(crate::error::CliError::EngineNotBuilt {
        target: target.to_string(),
        kind: "postgres",
    }
    .into())
}

#[cfg(feature = "spark")]
fn spark(
    _target: &str,
    server: &jgt_project::SparkOutput,
    schema: &str,
) -> Result<Box<dyn Adapter + Send>> {
    let options = jgt_spark::ConnectOptions {
        host: server.host.clone(),
        port: server.port,
        schema: schema.to_string(),
        token: server.token.as_ref().map(|t| t.0.clone()),
        user: server.user.clone(),
        use_ssl: server.use_ssl,
        connect_timeout: std::time::Duration::from_secs(server.connect_timeout.unwrap_or(5)),
    };
    Ok(Box::new(jgt_spark::SparkAdapter::connect(&options)?))
}

#[cfg(not(feature = "spark"))]
fn spark(
    target: &str,
    _server: &jgt_project::SparkOutput,
    _schema: &str,
) -> Result<Box<dyn Adapter + Send>> {
    Err(crate::error::CliError::EngineNotBuilt {
        target: target.to_string(),
        kind: "spark",
    }
    .into())
}
