//! `loaded_at_field` and `freshness:` of sources and their tables, as a
//! schema file writes them.

use jgt_core::freshness::{FreshnessCriteria, FreshnessLevel, Period, Threshold};
use serde::{Deserialize, Deserializer};

/// `freshness: {warn_after, error_after, filter}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreshnessProperties {
    /// Older than this warns.
    #[serde(default)]
    pub warn_after: Option<ThresholdProperties>,
    /// Older than this is an error.
    #[serde(default)]
    pub error_after: Option<ThresholdProperties>,
    /// A `where` condition on the rows looked at.
    #[serde(default)]
    pub filter: Option<String>,
}

/// `{count: 12, period: hour}`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdProperties {
    /// How many periods.
    #[serde(default)]
    pub count: Option<u64>,
    /// `minute`, `hour` or `day`.
    #[serde(default)]
    pub period: Option<PeriodName>,
}

/// A period as written.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodName {
    /// `minute`.
    Minute,
    /// `hour`.
    Hour,
    /// `day`.
    Day,
}

/// Reads a key that may be absent (`None`), `null` (`Some(None)`) or set.
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// One level of `freshness:` as dbt merges them.
pub(crate) fn level(written: &Option<Option<FreshnessProperties>>) -> FreshnessLevel {
    match written {
        None => FreshnessLevel::Unset,
        Some(None) => FreshnessLevel::Off,
        Some(Some(props)) => FreshnessLevel::Set(FreshnessCriteria {
            warn_after: threshold(props.warn_after),
            error_after: threshold(props.error_after),
            filter: props.filter.clone(),
        }),
    }
}

fn threshold(written: Option<ThresholdProperties>) -> Threshold {
    let Some(written) = written else {
        return Threshold::default();
    };
    Threshold {
        count: written.count,
        period: written.period.map(|p| match p {
            PeriodName::Minute => Period::Minute,
            PeriodName::Hour => Period::Hour,
            PeriodName::Day => Period::Day,
        }),
    }
}

/// The line of table `table` of source `source` in a schema file's text
/// (1-based; 0 when not found), for messages.
pub fn line_of_source_table(text: &str, source: &str, table: &str) -> usize {
    let named = |line: &str, name: &str| {
        let line = line.trim_start().trim_start_matches("- ").trim();
        line.strip_prefix("name:").is_some_and(|value| {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            value == name
        })
    };
    let start = crate::config::line_of_key(text, "sources", 0);
    let lines: Vec<&str> = text.lines().collect();
    let Some(at_source) = (start..lines.len()).find(|&i| named(lines[i], source)) else {
        return 0;
    };
    (at_source + 1..lines.len())
        .find(|&i| named(lines[i], table))
        .map_or(0, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_is_found_under_its_source() {
        let text = "version: 2\nsources:\n  - name: a\n    tables:\n      - name: t\n  - name: b\n    tables:\n      - name: t\n";
        assert_eq!(line_of_source_table(text, "a", "t"), 5);
        assert_eq!(line_of_source_table(text, "b", "t"), 8);
        assert_eq!(line_of_source_table(text, "c", "t"), 0);
    }
}
