//! Model contracts (`contract: {enforced: true}`): the columns and types
//! a model promises, the constraints it declares, and the comparison dbt
//! makes before building it.

use crate::relation::Relation;
use crate::results::Column;

/// What an enforced contract promises.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contract {
    /// The columns, in the contract's order (the table's order too).
    pub columns: Vec<ContractColumn>,
    /// Model-level constraints (over one or more columns).
    pub constraints: Vec<Constraint>,
}

/// One column of a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractColumn {
    /// The column's name.
    pub name: String,
    /// Its declared type, as written (`integer`, `decimal(10,2)`).
    pub data_type: String,
    /// Its column-level constraints.
    pub constraints: Vec<Constraint>,
}

/// The kinds of constraint dbt knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    /// `not null`.
    NotNull,
    /// `unique`.
    Unique,
    /// `primary key`.
    PrimaryKey,
    /// `check (<expression>)`.
    Check,
    /// `references <to> (<to_columns>)`.
    ForeignKey,
    /// The expression, written as it stands.
    Custom,
}

impl ConstraintKind {
    /// Parses dbt's constraint `type` names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "not_null" => Some(ConstraintKind::NotNull),
            "unique" => Some(ConstraintKind::Unique),
            "primary_key" => Some(ConstraintKind::PrimaryKey),
            "check" => Some(ConstraintKind::Check),
            "foreign_key" => Some(ConstraintKind::ForeignKey),
            "custom" => Some(ConstraintKind::Custom),
            _ => None,
        }
    }
}

/// One constraint of a column or a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// What it requires.
    pub kind: ConstraintKind,
    /// Its name, when it has one (`constraint <name> ...`).
    pub name: Option<String>,
    /// The columns (model-level constraints).
    pub columns: Vec<String>,
    /// The SQL expression (`check`, `custom`, or a foreign key written as
    /// `expression: "other_table (id)"`).
    pub expression: Option<String>,
    /// The referenced relation of a foreign key given with `to:`.
    pub to: Option<Relation>,
    /// The referenced columns of a foreign key given with `to:`.
    pub to_columns: Vec<String>,
}

/// Why a column breaks its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The column.
    pub column: String,
    /// Its type in the model's SQL (empty when the SQL lacks it).
    pub definition_type: String,
    /// Its type in the contract (empty when the contract lacks it).
    pub contract_type: String,
    /// dbt's words: `data type mismatch`, `missing in definition`,
    /// `missing in contract`.
    pub reason: &'static str,
}

/// Compares the columns a model's SQL gives with the contract's, both with
/// the database's own type names, sorted by column name as dbt lists them.
pub fn mismatches(definition: &[Column], contract: &[Column]) -> Vec<Mismatch> {
    let find = |list: &[Column], name: &str| {
        list.iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| c.data_type.clone())
    };
    let mut found = Vec::new();
    for column in contract {
        match find(definition, &column.name) {
            None => found.push(Mismatch {
                column: column.name.clone(),
                definition_type: String::new(),
                contract_type: column.data_type.clone(),
                reason: "missing in definition",
            }),
            Some(actual) if !actual.eq_ignore_ascii_case(&column.data_type) => {
                found.push(Mismatch {
                    column: column.name.clone(),
                    definition_type: actual,
                    contract_type: column.data_type.clone(),
                    reason: "data type mismatch",
                })
            }
            Some(_) => {}
        }
    }
    for column in definition {
        if find(contract, &column.name).is_none() {
            found.push(Mismatch {
                column: column.name.clone(),
                definition_type: column.data_type.clone(),
                contract_type: String::new(),
                reason: "missing in contract",
            });
        }
    }
    found.sort_by(|a, b| a.column.cmp(&b.column));
    found
}

/// dbt's message for a broken contract, with its table of mismatches.
pub fn failure_message(mismatches: &[Mismatch]) -> String {
    let header = [
        "column_name",
        "definition_type",
        "contract_type",
        "mismatch_reason",
    ];
    let rows: Vec<[&str; 4]> = mismatches
        .iter()
        .map(|m| {
            [
                m.column.as_str(),
                m.definition_type.as_str(),
                m.contract_type.as_str(),
                m.reason,
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 4]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    let rule = widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join(" | ");
    let mut out = String::from(
        "This model has an enforced contract that failed.\n\
         Please ensure the name, data_type, and number of columns in your contract \
         match the columns in your model's definition.\n\n",
    );
    out.push_str(&line(header));
    out.push_str(&format!("\n| {rule} |"));
    for row in rows {
        out.push('\n');
        out.push_str(&line(row));
    }
    out
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
    fn the_mismatch_table_reads_as_dbt_prints_it() {
        let definition = [column("id", "INTEGER"), column("amount", "DECIMAL(3,2)")];
        let contract = [
            column("id", "INTEGER"),
            column("amount", "INTEGER"),
            column("note", "VARCHAR"),
        ];
        let found = mismatches(&definition, &contract);
        assert_eq!(
            failure_message(&found),
            "This model has an enforced contract that failed.\n\
             Please ensure the name, data_type, and number of columns in your contract match the columns in your model's definition.\n\n\
             | column_name | definition_type | contract_type | mismatch_reason       |\n\
             | ----------- | --------------- | ------------- | --------------------- |\n\
             | amount      | DECIMAL(3,2)    | INTEGER       | data type mismatch    |\n\
             | note        |                 | VARCHAR       | missing in definition |"
        );
    }

    #[test]
    fn an_extra_column_is_missing_in_the_contract() {
        let found = mismatches(&[column("a", "INTEGER")], &[]);
        assert_eq!(found[0].reason, "missing in contract");
    }
}
