//! Tables and views built under a temporary name and renamed into place,
//! all in the caller's transaction: PostgreSQL's DDL is transactional, so
//! when any step fails the transaction rolls back and the old relation is
//! as it was.

use jgt_core::Relation;
use jgt_exec::ExecError;
use postgres::Transaction;

use crate::client::{create_schema, drop_existing, kind, pg, rel, sqlstate, Kind};
use crate::dialect::quote_ident;

/// PostgreSQL keeps the first 63 bytes of a name.
const MAX_NAME: usize = 63;

/// `relation`'s sibling named with `suffix` (`__dbt_tmp`, `__dbt_backup`),
/// its name shortened so the suffix survives PostgreSQL's 63-byte limit.
pub(crate) fn sibling(relation: &Relation, suffix: &str) -> Relation {
    let mut stem = relation.identifier.as_str();
    while stem.len() + suffix.len() > MAX_NAME {
        let mut end = stem.len() - 1;
        while !stem.is_char_boundary(end) {
            end -= 1;
        }
        stem = &stem[..end];
    }
    Relation::new(relation.schema.clone(), format!("{stem}{suffix}"))
}

/// Renames `from` (in `relation`'s schema) to `to`'s name.
fn rename(tx: &mut Transaction<'_>, from: &Relation, to: &Relation) -> Result<(), ExecError> {
    let Some(kind) = kind(tx, from)? else {
        return Ok(());
    };
    tx.batch_execute(&format!(
        "alter {} {} rename to {}",
        kind.keyword(),
        rel(from),
        quote_ident(&to.identifier)
    ))
    .map_err(pg)
}

/// Puts the freshly built `built` in `relation`'s place: the old relation
/// is renamed aside, the new one renamed in, the old one dropped. A table
/// build drops the old one with `cascade`, as dbt-postgres does, and then
/// creates the views that were on it again on the new table (see
/// [`crate::dependents`]); a view build never cascades, so a relation
/// others depend on makes it fail instead.
fn swap_in(
    tx: &mut Transaction<'_>,
    relation: &Relation,
    built: &Relation,
    cascade: bool,
) -> Result<(), ExecError> {
    let backup = sibling(relation, "__dbt_backup");
    let old = kind(tx, relation)?;
    let dependents = match (old, cascade) {
        (Some(_), true) => crate::dependents::capture(tx, relation)?,
        _ => Vec::new(),
    };
    if let Some(old) = old {
        drop_existing(tx, &backup)?;
        tx.batch_execute(&format!(
            "alter {} {} rename to {}",
            old.keyword(),
            rel(relation),
            quote_ident(&backup.identifier)
        ))
        .map_err(pg)?;
    }
    rename(tx, built, relation)?;
    if let Some(old) = old {
        let cascade = if cascade { " cascade" } else { "" };
        tx.batch_execute(&format!("drop {} {}{cascade}", old.keyword(), rel(&backup)))
            .map_err(pg)?;
    }
    crate::dependents::restore(tx, &dependents)
}

/// Builds `relation` as a table of `sql`'s rows, returning their count.
pub(crate) fn table(
    tx: &mut Transaction<'_>,
    relation: &Relation,
    sql: &str,
) -> Result<u64, ExecError> {
    create_schema(tx, &relation.schema)?;
    let tmp = sibling(relation, "__dbt_tmp");
    drop_existing(tx, &tmp)?;
    // The body starts on the wrapper's first line, so the positions in
    // PostgreSQL's errors are the compiled file's own.
    let rows = tx
        .execute(&format!("create table {} as {sql}\n", rel(&tmp)), &[])
        .map_err(pg)?;
    swap_in(tx, relation, &tmp, true)?;
    Ok(rows)
}

/// Puts the freshly built table `built` in `relation`'s place.
pub(crate) fn swap_table(
    tx: &mut Transaction<'_>,
    relation: &Relation,
    built: &Relation,
) -> Result<(), ExecError> {
    swap_in(tx, relation, built, true)
}

/// Builds `relation` as a view of `sql`. An existing view is replaced in
/// place (`create or replace view`), so views that depend on it stay;
/// when its columns changed in a way PostgreSQL cannot replace, it is
/// swapped like a table, which fails rather than drop its dependents.
pub(crate) fn view(
    tx: &mut Transaction<'_>,
    relation: &Relation,
    sql: &str,
) -> Result<(), ExecError> {
    create_schema(tx, &relation.schema)?;
    if kind(tx, relation)? == Some(Kind::View) {
        let mut attempt = tx.savepoint("jgt_replace_view").map_err(pg)?;
        let replaced = attempt.batch_execute(&format!(
            "create or replace view {} as {sql}\n",
            rel(relation)
        ));
        match replaced {
            Ok(()) => return attempt.commit().map_err(pg),
            // 42P16: columns dropped or renamed; 42804: a column's type changed.
            Err(err) if matches!(sqlstate(&err), Some("42P16" | "42804")) => {}
            Err(err) => return Err(pg(err)),
        }
    }
    let tmp = sibling(relation, "__dbt_tmp");
    drop_existing(tx, &tmp)?;
    tx.batch_execute(&format!("create view {} as {sql}\n", rel(&tmp)))
        .map_err(pg)?;
    swap_in(tx, relation, &tmp, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_fit_postgres_names() {
        let short = sibling(&Relation::new("s", "orders"), "__dbt_tmp");
        assert_eq!(short.identifier, "orders__dbt_tmp");
        let long = "é".repeat(40);
        let cut = sibling(&Relation::new("s", long), "__dbt_backup");
        assert!(cut.identifier.len() <= MAX_NAME);
        assert!(cut.identifier.ends_with("__dbt_backup"));
    }
}
