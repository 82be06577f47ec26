//! How PostgreSQL spells SQL.

use jgt_core::{Capabilities, Dialect};

/// Quotes one identifier with double quotes, doubling any quote inside it.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// PostgreSQL's dialect: `"double"."quoted"` names, built into the
/// profile's schema (`public` unless a profile sets another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresDialect {
    schema: String,
}

/// The schema PostgreSQL builds into when nothing else is configured.
const DEFAULT_SCHEMA: &str = "public";

impl PostgresDialect {
    /// The dialect building into `schema`.
    pub fn new(schema: impl Into<String>) -> Self {
        PostgresDialect {
            schema: schema.into(),
        }
    }
}

impl Default for PostgresDialect {
    fn default() -> Self {
        PostgresDialect::new(DEFAULT_SCHEMA)
    }
}

impl Dialect for PostgresDialect {
    fn adapter_type(&self) -> &'static str {
        "postgres"
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
            reads_local_files: false,
            snapshots: false,
            contracts: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jgt_core::Relation;

    #[test]
    fn relations_render_quoted() {
        let rel = Relation::new("public", "my \"odd\" name");
        let dialect = PostgresDialect::default();
        assert_eq!(dialect.relation(&rel), r#""public"."my ""odd"" name""#);
    }

    #[test]
    fn custom_schemas_follow_dbt() {
        let dialect = PostgresDialect::new("analytics");
        assert_eq!(dialect.schema_for(None), "analytics");
        assert_eq!(dialect.schema_for(Some("staging")), "analytics_staging");
        assert_eq!(dialect.test_audit_schema(), "analytics_dbt_test__audit");
    }

    #[test]
    fn what_is_not_there_yet_is_said() {
        let caps = PostgresDialect::default().capabilities();
        assert!(caps.merge && caps.transactional_ddl);
        assert!(!caps.reads_local_files && !caps.snapshots && !caps.contracts);
    }
}
