//! How an incremental model's new rows differ from its table: the
//! comparison every adapter makes before applying `on_schema_change`.

use crate::relation::Relation;
use crate::results::Column;

/// The columns the new rows add, lose and retype against the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDiff<'a> {
    /// In the new rows, not in the table.
    pub added: Vec<&'a Column>,
    /// In the table, not in the new rows.
    pub removed: Vec<&'a Column>,
    /// In both, with another type in the new rows.
    pub retyped: Vec<&'a Column>,
}

impl<'a> ColumnDiff<'a> {
    /// Compares `existing` (the table) with `incoming` (the new rows);
    /// `same` says whether two column names are one column (engines fold
    /// case differently).
    pub fn new(
        existing: &'a [Column],
        incoming: &'a [Column],
        same: fn(&str, &str) -> bool,
    ) -> Self {
        let has = |list: &[Column], name: &str| list.iter().any(|c| same(&c.name, name));
        ColumnDiff {
            added: incoming
                .iter()
                .filter(|c| !has(existing, &c.name))
                .collect(),
            removed: existing
                .iter()
                .filter(|c| !has(incoming, &c.name))
                .collect(),
            retyped: incoming
                .iter()
                .filter(|c| {
                    existing
                        .iter()
                        .any(|e| same(&e.name, &c.name) && e.data_type != c.data_type)
                })
                .collect(),
        }
    }

    /// Whether the columns are the same.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.retyped.is_empty()
    }

    /// The refusal of `on_schema_change: fail`, naming every difference.
    pub fn refusal(&self, relation: &Relation) -> String {
        let names = |list: &[&Column]| {
            list.iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "the new rows' columns differ from {} (on_schema_change: fail). New: [{}]; gone: [{}]; retyped: [{}]. \
             Run with --full-refresh, or choose on_schema_change append_new_columns or sync_all_columns",
            relation.display_name(),
            names(&self.added),
            names(&self.removed),
            names(&self.retyped)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
        }
    }

    #[test]
    fn added_gone_and_retyped_columns_are_named() {
        let table = [column("id", "INTEGER"), column("old", "VARCHAR")];
        let rows = [column("ID", "BIGINT"), column("new", "VARCHAR")];
        let diff = ColumnDiff::new(&table, &rows, |a, b| a.eq_ignore_ascii_case(b));
        let message = diff.refusal(&Relation::new("main", "t"));
        assert!(
            message.contains("New: [new]; gone: [old]; retyped: [ID]"),
            "{message}"
        );
        let exact = ColumnDiff::new(&table, &rows, |a, b| a == b);
        assert_eq!(exact.added.len(), 2);
    }
}
