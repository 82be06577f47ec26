//! Source freshness as dbt judges it: how old a source's newest row may
//! be before it warns or errors, and how a table's thresholds merge with
//! its source's.

/// A unit of time in a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// 60 seconds.
    Minute,
    /// 3,600 seconds.
    Hour,
    /// 86,400 seconds.
    Day,
}

impl Period {
    /// Its length in seconds.
    pub fn seconds(self) -> f64 {
        match self {
            Period::Minute => 60.0,
            Period::Hour => 3_600.0,
            Period::Day => 86_400.0,
        }
    }

    /// dbt's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Minute => "minute",
            Period::Hour => "hour",
            Period::Day => "day",
        }
    }
}

/// `warn_after` or `error_after`: `count` periods; unset parts leave the
/// threshold off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Threshold {
    /// How many periods.
    pub count: Option<u64>,
    /// Which period.
    pub period: Option<Period>,
}

impl Threshold {
    /// Whether both parts are set.
    pub fn is_set(&self) -> bool {
        self.count.is_some() && self.period.is_some()
    }

    /// Whether `age` seconds is more than the threshold allows.
    pub fn exceeded(&self, age: f64) -> bool {
        match (self.count, self.period) {
            (Some(count), Some(period)) => age > count as f64 * period.seconds(),
            _ => false,
        }
    }

    /// This threshold with the parts `other` sets taken from it.
    fn merged(self, other: Threshold) -> Threshold {
        Threshold {
            count: other.count.or(self.count),
            period: other.period.or(self.period),
        }
    }
}

/// A source table's freshness criteria.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FreshnessCriteria {
    /// Older than this warns.
    pub warn_after: Threshold,
    /// Older than this is an error.
    pub error_after: Threshold,
    /// A `where` condition on the rows looked at.
    pub filter: Option<String>,
}

/// A level of `freshness:`: not written, written as `null` (which turns
/// freshness off from there on), or criteria.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FreshnessLevel {
    /// The key is absent.
    Unset,
    /// `freshness: null`.
    Off,
    /// `freshness: {...}`.
    Set(FreshnessCriteria),
}

/// How fresh a source table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreshnessStatus {
    /// Within every threshold.
    Pass,
    /// Past `warn_after`.
    Warn,
    /// Past `error_after`.
    Error,
}

impl FreshnessStatus {
    /// dbt's word for it in `sources.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            FreshnessStatus::Pass => "pass",
            FreshnessStatus::Warn => "warn",
            FreshnessStatus::Error => "error",
        }
    }
}

impl FreshnessCriteria {
    /// Whether any threshold is set.
    pub fn is_set(&self) -> bool {
        self.warn_after.is_set() || self.error_after.is_set()
    }

    /// The status of a source whose newest row is `age` seconds old.
    pub fn status(&self, age: f64) -> FreshnessStatus {
        if self.error_after.exceeded(age) {
            FreshnessStatus::Error
        } else if self.warn_after.exceeded(age) {
            FreshnessStatus::Warn
        } else {
            FreshnessStatus::Pass
        }
    }

    /// Merges the levels from the source's down to the table's, as dbt
    /// does: a later level overrides the parts it sets, `null` turns
    /// freshness off (until a later level sets thresholds again), and no
    /// threshold at all means no freshness check.
    pub fn merge(levels: &[FreshnessLevel]) -> Option<FreshnessCriteria> {
        let mut merged: Option<FreshnessCriteria> = Some(FreshnessCriteria::default());
        for level in levels {
            let update = match level {
                FreshnessLevel::Unset => FreshnessCriteria::default(),
                FreshnessLevel::Off => {
                    merged = None;
                    continue;
                }
                FreshnessLevel::Set(criteria) => criteria.clone(),
            };
            merged = match merged {
                Some(base) => Some(FreshnessCriteria {
                    warn_after: base.warn_after.merged(update.warn_after),
                    error_after: base.error_after.merged(update.error_after),
                    filter: update.filter.or(base.filter),
                }),
                None if update.is_set() => Some(update),
                None => None,
            };
        }
        merged.filter(FreshnessCriteria::is_set)
    }
}

/// What measuring a source gave: its newest `loaded_at_field` value and
/// the database's clock, as microseconds since 1970 UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measured {
    /// The newest value; `None` when the table (or filter) has no row.
    pub max_loaded_at_us: Option<i64>,
    /// The database's `now()`.
    pub snapshotted_at_us: i64,
}

impl Measured {
    /// Seconds between the newest row and now; an empty table is as old
    /// as the year 1, as dbt takes it.
    pub fn age_seconds(&self) -> f64 {
        /// 0001-01-01T00:00:00Z, in microseconds since 1970.
        const YEAR_ONE_US: i64 = -62_135_596_800_000_000;
        let newest = self.max_loaded_at_us.unwrap_or(YEAR_ONE_US);
        (self.snapshotted_at_us - newest) as f64 / 1_000_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(count: u64) -> Threshold {
        Threshold {
            count: Some(count),
            period: Some(Period::Hour),
        }
    }

    fn criteria(warn: Option<u64>, error: Option<u64>) -> FreshnessLevel {
        FreshnessLevel::Set(FreshnessCriteria {
            warn_after: warn.map(hours).unwrap_or_default(),
            error_after: error.map(hours).unwrap_or_default(),
            filter: None,
        })
    }

    #[test]
    fn a_table_overrides_the_thresholds_it_sets_and_keeps_the_others() {
        let merged =
            FreshnessCriteria::merge(&[criteria(Some(1), Some(24)), criteria(Some(3), None)])
                .unwrap();
        assert_eq!(merged.warn_after, hours(3));
        assert_eq!(merged.error_after, hours(24));
        assert_eq!(merged.status(2.0 * 3600.0), FreshnessStatus::Pass);
        assert_eq!(merged.status(4.0 * 3600.0), FreshnessStatus::Warn);
        assert_eq!(merged.status(25.0 * 3600.0), FreshnessStatus::Error);
    }

    #[test]
    fn null_turns_freshness_off_and_nothing_set_means_no_check() {
        let source = criteria(Some(1), None);
        assert_eq!(
            FreshnessCriteria::merge(&[source.clone(), FreshnessLevel::Off]),
            None
        );
        assert_eq!(
            FreshnessCriteria::merge(&[FreshnessLevel::Unset, FreshnessLevel::Unset]),
            None
        );
        let again = FreshnessCriteria::merge(&[FreshnessLevel::Off, source]).unwrap();
        assert_eq!(again.warn_after, hours(1));
    }

    #[test]
    fn an_empty_table_is_very_old() {
        let measured = Measured {
            max_loaded_at_us: None,
            snapshotted_at_us: 0,
        };
        assert!(measured.age_seconds() > 6.2e10);
    }
}
