//! How DuckDB spells SQL.

use jgt_core::{Capabilities, Dialect};

/// Quotes one identifier with double quotes, doubling any quote inside it.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// DuckDB's dialect: `"double"."quoted"` names in the `main` schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct DuckDbDialect;

/// The schema DuckDB builds into when nothing else is configured.
const DEFAULT_SCHEMA: &str = "main";

impl Dialect for DuckDbDialect {
    fn adapter_type(&self) -> &'static str {
        "duckdb"
    }

    fn quote(&self, identifier: &str) -> String {
        quote_ident(identifier)
    }

    fn default_schema(&self) -> &str {
        DEFAULT_SCHEMA
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            merge: true,
            transactional_ddl: true,
            reads_local_files: true,
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
        assert_eq!(DuckDbDialect.relation(&rel), r#""main"."my ""odd"" name""#);
    }

    #[test]
    fn custom_schemas_follow_dbt() {
        assert_eq!(DuckDbDialect.schema_for(None), "main");
        assert_eq!(DuckDbDialect.schema_for(Some("staging")), "main_staging");
        assert_eq!(DuckDbDialect.test_audit_schema(), "main_dbt_test__audit");
    }
}
