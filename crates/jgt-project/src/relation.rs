//! Names of database relations and the ways a node becomes one.

use std::fmt;

/// A relation (table or view) in the database, as `schema.identifier`.
///
/// Rendering a relation in SQL quotes both parts, so identifiers that are
/// keywords or hold capitals still work: `"main"."stg_users"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Relation {
    /// The schema that holds the relation (`main` unless configured).
    pub schema: String,
    /// The relation's own name inside its schema.
    pub identifier: String,
}

impl Relation {
    /// Builds a relation from its schema and identifier.
    pub fn new(schema: impl Into<String>, identifier: impl Into<String>) -> Self {
        Relation {
            schema: schema.into(),
            identifier: identifier.into(),
        }
    }

    /// The relation in the unquoted form people read: `main.stg_users`.
    pub fn display_name(&self) -> String {
        format!("{}.{}", self.schema, self.identifier)
    }
}

/// Quotes one SQL identifier with double quotes, doubling any quote inside it.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A relation without a schema is a CTE (an ephemeral model).
        if self.schema.is_empty() {
            return f.write_str(&quote_ident(&self.identifier));
        }
        write!(
            f,
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.identifier)
        )
    }
}

/// The schema jgt builds into when nothing else is configured.
pub const DEFAULT_SCHEMA: &str = "main";

/// The schema for a node with an optional custom `schema` config.
///
/// Like dbt's default `generate_schema_name`, a custom schema is appended to
/// the target schema: `schema: staging` builds into `main_staging`.
pub fn schema_for(custom: Option<&str>) -> String {
    match custom {
        Some(custom) if !custom.is_empty() => format!("{DEFAULT_SCHEMA}_{custom}"),
        _ => DEFAULT_SCHEMA.to_string(),
    }
}

/// How a model is built in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Materialization {
    /// `create view`: nothing stored, the query runs when read.
    View,
    /// `create table as`: the result is stored.
    Table,
    /// Built like a table today; `is_incremental()` is always false for now.
    Incremental,
    /// Inlined into its dependents, never created.
    Ephemeral,
}

impl Materialization {
    /// Every name accepted in `materialized`.
    pub const NAMES: [&'static str; 4] = ["view", "table", "incremental", "ephemeral"];

    /// Parses a `materialized` value, `None` when it names no materialization.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "view" => Some(Materialization::View),
            "table" => Some(Materialization::Table),
            "incremental" => Some(Materialization::Incremental),
            "ephemeral" => Some(Materialization::Ephemeral),
            _ => None,
        }
    }

    /// The name as written in configs.
    pub fn as_str(self) -> &'static str {
        match self {
            Materialization::View => "view",
            Materialization::Table => "table",
            Materialization::Incremental => "incremental",
            Materialization::Ephemeral => "ephemeral",
        }
    }
}

impl fmt::Display for Materialization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relations_render_quoted() {
        let rel = Relation::new("main", "my \"odd\" name");
        assert_eq!(rel.to_string(), r#""main"."my ""odd"" name""#);
        assert_eq!(rel.display_name(), "main.my \"odd\" name");
    }

    #[test]
    fn custom_schemas_follow_dbt() {
        assert_eq!(schema_for(None), "main");
        assert_eq!(schema_for(Some("staging")), "main_staging");
    }
}
