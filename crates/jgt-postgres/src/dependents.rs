//! Views on a table that is being replaced, kept across the swap.
//!
//! A view in PostgreSQL follows its table by identity, not by name: when
//! the old table is renamed aside and dropped with `cascade` (as
//! dbt-postgres drops it), every view on it goes too, selected in the run
//! or not, and a jgt killed before those views are rebuilt would leave
//! them missing. So before the swap their definitions are read, and after
//! it they are created again on the new table, in the same transaction:
//! nobody ever sees them missing. A definition the new table cannot serve
//! (a column it no longer has) is left dropped, as dbt-postgres leaves it;
//! the view's own build, in this run or the next, brings it back.

use jgt_core::Relation;
use jgt_exec::ExecError;
use postgres::Transaction;

use crate::client::{pg, rel};

/// A view that depends, directly or through other views, on a table.
pub(crate) struct DependentView {
    relation: Relation,
    /// Its `select`, as `pg_get_viewdef` prints it (names qualified).
    definition: String,
}

/// Every view on `table`, those on views on it too, each after the views
/// it reads.
pub(crate) fn capture(
    tx: &mut Transaction<'_>,
    table: &Relation,
) -> Result<Vec<DependentView>, ExecError> {
    let rows = tx
        .query(
            "with recursive deps(oid, depth) as ( \
                 select r.ev_class, 1 \
                 from pg_catalog.pg_depend d \
                 join pg_catalog.pg_rewrite r on r.oid = d.objid \
                 where d.classid = 'pg_catalog.pg_rewrite'::regclass \
                   and d.refobjid = $1::text::regclass \
                   and r.ev_class <> $1::text::regclass \
               union all \
                 select r.ev_class, deps.depth + 1 \
                 from deps \
                 join pg_catalog.pg_depend d on d.refobjid = deps.oid \
                 join pg_catalog.pg_rewrite r on r.oid = d.objid \
                 where d.classid = 'pg_catalog.pg_rewrite'::regclass \
                   and r.ev_class <> deps.oid and deps.depth < 64 \
             ) \
             select n.nspname::text, c.relname::text, pg_catalog.pg_get_viewdef(c.oid), \
                    max(deps.depth) \
             from deps \
             join pg_catalog.pg_class c on c.oid = deps.oid \
             join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
             where c.relkind = 'v' \
             group by n.nspname, c.relname, c.oid \
             order by max(deps.depth), n.nspname, c.relname",
            &[&rel(table)],
        )
        .map_err(pg)?;
    rows.iter()
        .map(|row| {
            let schema: String = row.try_get(0).map_err(pg)?;
            let name: String = row.try_get(1).map_err(pg)?;
            let definition: String = row.try_get(2).map_err(pg)?;
            Ok(DependentView {
                relation: Relation::new(schema, name),
                definition: definition.trim_end().trim_end_matches(';').to_string(),
            })
        })
        .collect()
}

/// Creates `views` again, each in a savepoint: one that no longer fits
/// the new table stays dropped.
pub(crate) fn restore(tx: &mut Transaction<'_>, views: &[DependentView]) -> Result<(), ExecError> {
    for view in views {
        let mut attempt = tx.savepoint("jgt_restore_view").map_err(pg)?;
        let created = attempt.batch_execute(&format!(
            "create or replace view {} as {}",
            rel(&view.relation),
            view.definition
        ));
        match created {
            Ok(()) => attempt.commit().map_err(pg)?,
            Err(_) => attempt.rollback().map_err(pg)?,
        }
    }
    Ok(())
}
