//! The configs of a data test, as the runner judges it.

/// How bad a failing test is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Severity {
    /// The run fails and everything downstream is skipped.
    #[default]
    Error,
    /// Reported, but the run carries on and succeeds.
    Warn,
}

/// The configs of one test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestConfig {
    /// `severity`.
    pub severity: Severity,
    /// `severity` as the project wrote it (`warn`, `Error`), which the
    /// manifest shows as dbt's does; `None` for the default.
    pub severity_written: Option<String>,
    /// `where`: a filter applied to the tested relation first.
    pub where_clause: Option<String>,
    /// `error_if`: a condition on the failure count, e.g. `!= 0` (dbt's
    /// default, written as dbt writes it) or `>10`.
    pub error_if: String,
    /// `warn_if`: likewise, for warnings.
    pub warn_if: String,
    /// `store_failures`: keep the failing rows in a table.
    pub store_failures: Option<bool>,
    /// `limit`: keep at most this many failing rows.
    pub limit: Option<u64>,
    /// `enabled`: false drops the test.
    pub enabled: bool,
    /// `tags`, for selection.
    pub tags: Vec<String>,
    /// `schema`: the custom schema stored failures go to, named as a
    /// model's custom schema is (`None`: dbt's `dbt_test__audit`).
    pub schema: Option<String>,
}

impl Default for TestConfig {
    fn default() -> Self {
        TestConfig {
            severity: Severity::Error,
            severity_written: None,
            where_clause: None,
            error_if: "!= 0".into(),
            warn_if: "!= 0".into(),
            store_failures: None,
            limit: None,
            enabled: true,
            tags: Vec::new(),
            schema: None,
        }
    }
}

/// Whether a failure count meets a condition such as `!=0`, `>10`, `>=5`.
pub fn threshold_met(condition: &str, failures: u64) -> Result<bool, InvalidValue> {
    let condition = condition.trim();
    let ops = [">=", "<=", "!=", "==", ">", "<", "="];
    let op = ops
        .iter()
        .find(|op| condition.starts_with(**op))
        .ok_or_else(|| {
            InvalidValue(format!(
                "'{condition}' is not a condition such as '!=0' or '>10'"
            ))
        })?;
    let number: u64 = condition[op.len()..].trim().parse().map_err(|_| {
        InvalidValue(format!(
            "'{condition}' is not a condition such as '!=0' or '>10'"
        ))
    })?;
    Ok(match *op {
        ">=" => failures >= number,
        "<=" => failures <= number,
        "!=" => failures != number,
        "==" | "=" => failures == number,
        ">" => failures > number,
        _ => failures < number,
    })
}

/// A value jgt cannot use: what is wrong and what is expected, for the
/// caller to place in its file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue(pub String);

impl std::fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidValue {}

impl From<&str> for InvalidValue {
    fn from(message: &str) -> Self {
        InvalidValue(message.to_string())
    }
}

impl From<String> for InvalidValue {
    fn from(message: String) -> Self {
        InvalidValue(message)
    }
}
