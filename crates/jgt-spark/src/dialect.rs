//! How Spark SQL spells things.

use jgt_core::{Capabilities, Dialect, Incremental, Storage, Strategy};

/// Quotes one identifier with backticks, doubling any backtick inside it.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// `text` as a Spark SQL string literal. Spark's lexer reads a backslash
/// as an escape (`'\n'` is a line break), so backslashes are doubled. A
/// quote is written `\u0027`: Sail reads a doubled quote `''` as two
/// adjacent literals (dropping the quote), and jgt's statement splitter
/// does not know the `\'` escape; both engines read `\u0027` as `'`.
pub fn string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\u0027"))
}

/// The table formats that can update rows in place (`merge`).
const ROW_LEVEL_FORMATS: [&str; 3] = ["delta", "iceberg", "hudi"];

/// The table formats a model may ask for with `file_format`.
const FORMATS: [&str; 10] = [
    "parquet", "delta", "iceberg", "hudi", "orc", "csv", "json", "avro", "text", "hive",
];

/// The format tables get when a model does not choose one (dbt-spark's
/// default).
pub const DEFAULT_FORMAT: &str = "parquet";

/// The table format `storage` asks for, lower-cased, or the default.
pub fn file_format(storage: &Storage) -> String {
    storage
        .file_format
        .as_deref()
        .map_or(DEFAULT_FORMAT.into(), str::to_ascii_lowercase)
}

/// Whether tables of `format` can update rows (`merge into`, `delete`).
pub fn updates_rows(format: &str) -> bool {
    ROW_LEVEL_FORMATS.contains(&format)
}

/// Spark's dialect: `` `backtick`.`quoted` `` names; a schema is a Spark
/// database (`default` unless a profile sets another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkDialect {
    schema: String,
}

/// The database Spark builds into when nothing else is configured.
const DEFAULT_SCHEMA: &str = "default";

impl SparkDialect {
    /// The dialect building into `schema` (a Spark database).
    pub fn new(schema: impl Into<String>) -> Self {
        SparkDialect {
            schema: schema.into(),
        }
    }
}

impl Default for SparkDialect {
    fn default() -> Self {
        SparkDialect::new(DEFAULT_SCHEMA)
    }
}

impl Dialect for SparkDialect {
    fn adapter_type(&self) -> &'static str {
        "spark"
    }

    fn quote(&self, identifier: &str) -> String {
        quote_ident(identifier)
    }

    fn default_schema(&self) -> &str {
        &self.schema
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            merge: true,
            insert_overwrite: true,
            transactional_ddl: false,
            reads_local_files: false,
            snapshots: false,
            contracts: false,
        }
    }

    fn check_incremental(&self, how: &Incremental) -> Result<(), String> {
        self.check_storage(&how.storage)?;
        let format = file_format(&how.storage);
        if how.strategy == Strategy::Merge && !updates_rows(&format) {
            return Err(format!(
                "merge needs a table format that can update rows: set file_format to delta \
                 or iceberg; this table is {format}"
            ));
        }
        Ok(())
    }

    fn check_storage(&self, storage: &Storage) -> Result<(), String> {
        let format = file_format(storage);
        if !FORMATS.contains(&format.as_str()) {
            return Err(format!(
                "file_format '{format}' is not one Spark knows; use one of {}",
                FORMATS.join(", ")
            ));
        }
        match storage.partition_by.iter().find(|c| c.trim().is_empty()) {
            Some(_) => Err("partition_by names an empty column".into()),
            None => Ok(()),
        }
    }

    fn string_literal(&self, text: &str) -> String {
        string_literal(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jgt_core::Relation;

    #[test]
    fn relations_render_with_backticks() {
        let rel = Relation::new("my db", "odd `name`");
        let dialect = SparkDialect::default();
        assert_eq!(dialect.relation(&rel), "`my db`.`odd ``name```");
        assert_eq!(dialect.default_schema(), "default");
    }

    #[test]
    fn custom_schemas_follow_dbt() {
        let dialect = SparkDialect::new("analytics");
        assert_eq!(dialect.schema_for(Some("staging")), "analytics_staging");
        assert_eq!(dialect.test_audit_schema(), "analytics_dbt_test__audit");
    }

    #[test]
    fn literals_escape_backslashes_and_quotes() {
        assert_eq!(string_literal(r"a\b'c"), r"'a\\b\u0027c'");
    }

    #[test]
    fn merge_needs_a_row_level_format() {
        let dialect = SparkDialect::default();
        let mut how = Incremental {
            strategy: Strategy::Merge,
            ..Incremental::default()
        };
        let refused = dialect.check_incremental(&how).unwrap_err();
        assert_eq!(
            refused,
            "merge needs a table format that can update rows: set file_format to delta or \
             iceberg; this table is parquet"
        );
        how.storage.file_format = Some("Delta".into());
        assert!(dialect.check_incremental(&how).is_ok());
        how.strategy = Strategy::InsertOverwrite;
        how.storage.file_format = Some("parquet".into());
        how.storage.partition_by = vec!["day".into()];
        assert!(dialect.check_incremental(&how).is_ok());
    }

    #[test]
    fn unknown_formats_are_refused() {
        let storage = Storage {
            file_format: Some("excel".into()),
            partition_by: Vec::new(),
        };
        let refused = SparkDialect::default().check_storage(&storage).unwrap_err();
        assert!(refused.contains("'excel'"), "{refused}");
    }
}
