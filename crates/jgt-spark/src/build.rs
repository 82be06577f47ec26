//! Tables and views built under a temporary name and swapped into place.
//!
//! Spark has no transactions, so jgt orders the steps so that a failure
//! leaves the old relation readable: the new relation is built as
//! `<name>__jgt_tmp` (a failed query stops here, the old relation
//! untouched); the old one is renamed to `<name>__jgt_old`, the new one
//! renamed in; the post-hooks that dbt runs inside the transaction run
//! now, and when one fails the new relation is dropped and the old one
//! renamed back; only then is the old one dropped. Pre-hooks run before
//! anything is built; the other post-hooks after the old relation is gone.
//! Between the two renames (milliseconds) the name is missing.

use jgt_core::{Hooks, Relation, Storage};
use jgt_exec::ExecError;

use crate::catalog::{create_schema, drop_existing, kind, rel, rename, Kind};
use crate::client::{Client, Engine};
use crate::dialect::{file_format, quote_ident};

/// `relation`'s sibling named with `suffix` (`__jgt_tmp`, `__jgt_old`).
pub(crate) fn sibling(relation: &Relation, suffix: &str) -> Relation {
    Relation::new(
        relation.schema.clone(),
        format!("{}{suffix}", relation.identifier),
    )
}

/// Runs each hook, statement by statement, naming the hook on failure.
pub(crate) fn run_hooks<'a>(
    client: &Client,
    kind: &str,
    hooks: impl Iterator<Item = &'a str>,
) -> Result<(), ExecError> {
    for hook in hooks {
        for statement in jgt_core::sql::statements(hook) {
            let ran = match jgt_core::sql::returns_rows(statement) {
                true => client.query(statement).map(drop),
                false => client.command(statement),
            };
            ran.map_err(|err| ExecError::Sql {
                message: format!("{kind} failed: {}\n  {}", message(err), statement.trim()),
            })?;
        }
    }
    Ok(())
}

/// The text of an error, without its variant.
pub(crate) fn message(err: ExecError) -> String {
    match err {
        ExecError::Sql { message } => message,
        other => other.to_string(),
    }
}

/// The clause that stores a table as `storage` asks:
/// `using parquet partitioned by (`day`)`.
pub(crate) fn storage_clause(storage: &Storage) -> String {
    let mut clause = format!("using {}", file_format(storage));
    if !storage.partition_by.is_empty() {
        let columns: Vec<String> = storage
            .partition_by
            .iter()
            .map(|c| quote_ident(c))
            .collect();
        clause.push_str(&format!(" partitioned by ({})", columns.join(", ")));
    }
    clause
}

/// What is swapped in, for engines that cannot rename (Sail): a table is
/// copied from its temporary sibling, a view is created again.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Final<'a> {
    /// A table, stored so.
    Table(&'a Storage),
    /// A view of this SQL.
    View(&'a str),
}

/// Builds `relation` through a sibling `create` makes (given the
/// sibling's name), then swaps it in as this module's docs say, with the
/// node's hooks around it.
pub(crate) fn swapped(
    client: &Client,
    relation: &Relation,
    hooks: &Hooks,
    last: Final<'_>,
    create: impl FnOnce(&Relation) -> Result<(), ExecError>,
) -> Result<(), ExecError> {
    run_hooks(client, "pre-hook", hooks.pre.iter().map(|h| h.sql.as_str()))?;
    create_schema(client, &relation.schema)?;
    let tmp = sibling(relation, "__jgt_tmp");
    drop_existing(client, &tmp)?;
    if let Err(err) = create(&tmp) {
        let _ = drop_existing(client, &tmp);
        return Err(err);
    }
    match client.engine() {
        Engine::Spark => by_rename(client, relation, &tmp, hooks, last),
        Engine::Sail => by_replace(client, relation, &tmp, hooks, last),
    }
}

/// Swaps `tmp` in by renames (Spark).
fn by_rename(
    client: &Client,
    relation: &Relation,
    tmp: &Relation,
    hooks: &Hooks,
    last: Final<'_>,
) -> Result<(), ExecError> {
    let Some(built) = kind(client, tmp)? else {
        return Err(ExecError::Sql {
            message: format!("{} was not created", tmp.display_name()),
        });
    };
    let old = kind(client, relation)?;
    let backup = sibling(relation, "__jgt_old");
    if let Some(old) = old {
        drop_existing(client, &backup)?;
        rename(client, old, relation, &backup)?;
    }
    let restore = |err: ExecError| {
        if let Some(old) = old {
            let _ = drop_existing(client, relation);
            let _ = rename(client, old, &backup, relation);
        }
        let _ = drop_existing(client, tmp);
        err
    };
    rename(client, built, tmp, relation).map_err(restore)?;
    if matches!(last, Final::Table(storage) if !storage.partition_by.is_empty()) {
        // Spark (4.3, in-memory catalog) keeps a renamed table's
        // partitions at their old paths, and a dynamic `insert overwrite`
        // then empties the table; finding them again fixes that.
        client
            .command(&format!("alter table {} recover partitions", rel(relation)))
            .map_err(restore)?;
    }
    run_hooks(client, "post-hook", hooks.select(true, true)).map_err(restore)?;
    if let Some(old) = old {
        client.command(&format!("drop {} {}", old.keyword(), rel(&backup)))?;
    }
    run_hooks(client, "post-hook", hooks.select(true, false))
}

/// Puts the built relation in place where renames are not supported
/// (Sail): `create or replace` from the checked sibling. When post-hooks
/// that dbt runs inside the transaction follow, an old table is copied
/// aside first, so a failing hook can put its rows back.
fn by_replace(
    client: &Client,
    relation: &Relation,
    tmp: &Relation,
    hooks: &Hooks,
    last: Final<'_>,
) -> Result<(), ExecError> {
    let old = kind(client, relation)?;
    let backup = sibling(relation, "__jgt_old");
    let keep = old == Some(Kind::Table) && hooks.select(true, true).next().is_some();
    if keep {
        client.command(&format!(
            "create or replace table {} as select * from {}",
            rel(&backup),
            rel(relation)
        ))?;
    }
    let replaced = replace(client, relation, tmp, old, last);
    let _ = drop_existing(client, tmp);
    replaced?;
    if let Err(err) = run_hooks(client, "post-hook", hooks.select(true, true)) {
        if keep {
            let _ = drop_existing(client, relation);
            let _ = client.command(&format!(
                "create table {} as select * from {}",
                rel(relation),
                rel(&backup)
            ));
            let _ = drop_existing(client, &backup);
        }
        return Err(err);
    }
    if keep {
        drop_existing(client, &backup)?;
    }
    run_hooks(client, "post-hook", hooks.select(true, false))
}

fn replace(
    client: &Client,
    relation: &Relation,
    tmp: &Relation,
    old: Option<Kind>,
    last: Final<'_>,
) -> Result<(), ExecError> {
    match (last, old) {
        (Final::Table(_), Some(Kind::View)) | (Final::View(_), Some(Kind::Table)) => {
            drop_existing(client, relation)?;
        }
        _ => {}
    }
    client.command(&match last {
        Final::Table(storage) => format!(
            "create or replace table {} {} as select * from {}",
            rel(relation),
            storage_clause(storage),
            rel(tmp)
        ),
        Final::View(sql) => format!("create or replace view {} as {sql}\n", rel(relation)),
    })
}

/// Builds `relation` as a table of `sql`'s rows, stored as `storage` says.
pub(crate) fn table(
    client: &Client,
    relation: &Relation,
    sql: &str,
    storage: &Storage,
    hooks: &Hooks,
) -> Result<(), ExecError> {
    swapped(client, relation, hooks, Final::Table(storage), |tmp| {
        // The body starts on the wrapper's first line, so line numbers in
        // Spark's errors are the compiled file's own.
        client.command(&format!(
            "create table {} {} as {sql}\n",
            rel(tmp),
            storage_clause(storage)
        ))
    })
}

/// Builds `relation` as a view of `sql`. With no hooks and no table in
/// the way, `create or replace view` replaces it in one step (Spark
/// checks the query first, so a failing one leaves the old view).
pub(crate) fn view(
    client: &Client,
    relation: &Relation,
    sql: &str,
    hooks: &Hooks,
) -> Result<(), ExecError> {
    let simple = hooks.is_empty() && kind(client, relation)? != Some(Kind::Table);
    if simple {
        create_schema(client, &relation.schema)?;
        return client.command(&format!(
            "create or replace view {} as {sql}\n",
            rel(relation)
        ));
    }
    swapped(client, relation, hooks, Final::View(sql), |tmp| {
        client.command(&format!("create view {} as {sql}\n", rel(tmp)))
    })
}

/// The row count of `relation`.
pub(crate) fn count(client: &Client, relation: &Relation) -> Result<u64, ExecError> {
    let result = crate::catalog::text(client, &format!("select count(*) from {}", rel(relation)))?;
    result
        .rows
        .first()
        .and_then(|row| row.first().cloned().flatten())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| ExecError::Sql {
            message: format!("could not count the rows of {}", relation.display_name()),
        })
}
