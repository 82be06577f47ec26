//! How DuckDB spells SQL.

use jgt_core::{Capabilities, Dialect};

/// Quotes one identifier with double quotes, doubling any quote inside it.
pub fn quote_ident(name: &str) -> String {
    // One allocation: every `ref()` and manifest entry quotes names.
    let mut quoted = String::with_capacity(name.len() + 2);
    quoted.push('"');
    for (i, part) in name.split('"').enumerate() {
        if i > 0 {
            quoted.push_str("\"\"");
        }
        quoted.push_str(part);
    }
    quoted.push('"');
    quoted
}

/// DuckDB's dialect: `"double"."quoted"` names, built into the profile's
/// schema (`main` unless a profile sets another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuckDbDialect {
    schema: String,
}

/// The schema DuckDB builds into when nothing else is configured.
const DEFAULT_SCHEMA: &str = "main";

impl DuckDbDialect {
    /// The dialect building into `schema`.
    pub fn new(schema: impl Into<String>) -> Self {
        DuckDbDialect {
            schema: schema.into(),
        }
    }
}

impl Default for DuckDbDialect {
    fn default() -> Self {
        DuckDbDialect::new(DEFAULT_SCHEMA)
    }
}

impl Dialect for DuckDbDialect {
    fn adapter_type(&self) -> &'static str {
        "duckdb"
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
            insert_overwrite: false,
            transactional_ddl: true,
            reads_local_files: true,
            snapshots: true,
            contracts: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jgt_core::Relation;

    #[test]
    fn relations_render_quoted() {
        let rel = Relation::new("main", "my \"odd\" name");
        let dialect = DuckDbDialect::default();
        assert_eq!(dialect.relation(&rel), r#""main"."my ""odd"" name""#);
    }

    #[test]
    fn custom_schemas_follow_dbt() {
        let dialect = DuckDbDialect::default();
        assert_eq!(dialect.schema_for(None), "main");
        assert_eq!(dialect.schema_for(Some("staging")), "main_staging");
        assert_eq!(dialect.test_audit_schema(), "main_dbt_test__audit");
        let profiled = DuckDbDialect::new("analytics");
        assert_eq!(profiled.schema_for(Some("staging")), "analytics_staging");
    }
}
