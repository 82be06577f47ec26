//! Hub version ranges, read as dbt reads them: each requirement is a full
//! `major.minor.patch` version, optionally after `>=`, `>`, `<=`, `<` or `=`
//! (none means exactly that version); a package's requirements all hold at once.

use std::cmp::Ordering;

use semver::Version;

/// How a requirement compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Exact,
    Greater,
    GreaterEq,
    Less,
    LessEq,
}

/// One requirement such as `>=1.0.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    op: Op,
    version: Version,
    /// The requirement as written.
    pub text: String,
}

impl Requirement {
    /// Parses `">=1.0.0"`, `"1.3.0"`, `"<2.0.0"`, `"=1.0.0-b1"`...; `None`
    /// when it is not a requirement dbt accepts.
    pub fn parse(text: &str) -> Option<Requirement> {
        let text = text.trim();
        let (op, rest) = [
            (">=", Op::GreaterEq),
            ("<=", Op::LessEq),
            (">", Op::Greater),
            ("<", Op::Less),
            ("=", Op::Exact),
        ]
        .iter()
        .find_map(|(prefix, op)| text.strip_prefix(prefix).map(|rest| (*op, rest)))
        .unwrap_or((Op::Exact, text));
        Some(Requirement {
            op,
            version: parse_version(rest)?,
            text: text.to_string(),
        })
    }

    /// Whether `version` satisfies the requirement.
    pub fn matches(&self, version: &Version) -> bool {
        let ord = cmp(version, &self.version);
        match self.op {
            Op::Exact => ord == Ordering::Equal,
            Op::Greater => ord == Ordering::Greater,
            Op::GreaterEq => ord != Ordering::Less,
            Op::Less => ord == Ordering::Less,
            Op::LessEq => ord != Ordering::Greater,
        }
    }

    /// Whether the requirement names a prerelease (which allows prereleases, as in dbt).
    pub fn is_prerelease(&self) -> bool {
        !self.version.pre.is_empty()
    }

    /// The lower bound it sets: (version, inclusive).
    fn lower(&self) -> Option<(&Version, bool)> {
        match self.op {
            Op::Exact | Op::GreaterEq => Some((&self.version, true)),
            Op::Greater => Some((&self.version, false)),
            _ => None,
        }
    }

    /// The upper bound it sets: (version, inclusive).
    fn upper(&self) -> Option<(&Version, bool)> {
        match self.op {
            Op::Exact | Op::LessEq => Some((&self.version, true)),
            Op::Less => Some((&self.version, false)),
            _ => None,
        }
    }
}

/// Parses a `major.minor.patch[-pre][+build]` version; dbt also allows the
/// prerelease without its `-` (`1.0.0b1`).
pub fn parse_version(text: &str) -> Option<Version> {
    let text = text.trim();
    let base_end = text
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map_or(text.len(), |(i, _)| i);
    let (base, extra) = text.split_at(base_end);
    let fixed = if extra.is_empty() || extra.starts_with('-') || extra.starts_with('+') {
        text.to_string()
    } else {
        format!("{base}-{extra}")
    };
    Version::parse(&fixed).ok()
}

/// Compares versions by precedence (build metadata does not count).
fn cmp(a: &Version, b: &Version) -> Ordering {
    a.cmp_precedence(b)
}

/// When some requirements exclude each other, the two that clash (by index).
pub fn conflict(reqs: &[Requirement]) -> Option<(usize, usize)> {
    let lower = reqs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.lower().map(|b| (i, b)))
        .max_by(|(_, a), (_, b)| cmp(a.0, b.0).then(b.1.cmp(&a.1)))?;
    let upper = reqs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.upper().map(|b| (i, b)))
        .min_by(|(_, a), (_, b)| cmp(a.0, b.0).then(a.1.cmp(&b.1)))?;
    let (li, (lv, linc)) = lower;
    let (ui, (uv, uinc)) = upper;
    let empty = match cmp(lv, uv) {
        Ordering::Greater => true,
        Ordering::Equal => !(linc && uinc),
        Ordering::Less => false,
    };
    empty.then_some((li.min(ui), li.max(ui)))
}

/// The highest of `available` that satisfies every requirement, skipping
/// prereleases unless `prerelease` is set. Unparsable versions are skipped.
pub fn pick<'a>(
    reqs: &[Requirement],
    available: impl IntoIterator<Item = &'a str>,
    prerelease: bool,
) -> Option<&'a str> {
    installable(available, prerelease)
        .into_iter()
        .rev()
        .find(|(v, _)| reqs.iter().all(|r| r.matches(v)))
        .map(|(_, s)| s)
}

/// The versions that may be installed, lowest first.
pub fn installable<'a>(
    available: impl IntoIterator<Item = &'a str>,
    prerelease: bool,
) -> Vec<(Version, &'a str)> {
    let mut versions: Vec<(Version, &str)> = available
        .into_iter()
        .filter_map(|s| parse_version(s).map(|v| (v, s)))
        .filter(|(v, _)| prerelease || v.pre.is_empty())
        .collect();
    versions.sort_by(|a, b| cmp(&a.0, &b.0));
    versions
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reqs(texts: &[&str]) -> Vec<Requirement> {
        texts
            .iter()
            .map(|t| Requirement::parse(t).unwrap())
            .collect()
    }

    const HUB: [&str; 6] = ["0.9.6", "1.0.0", "1.1.1", "1.3.0", "1.4.0-rc1", "2.0.0"];

    #[test]
    fn picks_the_highest_version_in_the_range() {
        assert_eq!(
            pick(&reqs(&[">=1.0.0", "<2.0.0"]), HUB, false),
            Some("1.3.0")
        );
        assert_eq!(pick(&reqs(&["1.1.1"]), HUB, false), Some("1.1.1"));
        assert_eq!(pick(&reqs(&["=1.0.0"]), HUB, false), Some("1.0.0"));
        assert_eq!(
            pick(&reqs(&[">1.3.0", "<=2.0.0"]), HUB, false),
            Some("2.0.0")
        );
        assert_eq!(pick(&reqs(&[">=3.0.0"]), HUB, false), None);
    }

    #[test]
    fn prereleases_only_when_allowed() {
        let range = reqs(&[">=1.3.0", "<2.0.0"]);
        assert_eq!(pick(&range, HUB, false), Some("1.3.0"));
        assert_eq!(pick(&range, HUB, true), Some("1.4.0-rc1"));
        assert!(Requirement::parse("1.4.0-rc1").unwrap().is_prerelease());
        assert_eq!(parse_version("1.0.0b1").unwrap().pre.as_str(), "b1");
    }

    #[test]
    fn only_full_versions_are_requirements() {
        for bad in ["1.2", "~1.0.0", "latest", ">= 1.0", "1.0.0.0", ""] {
            assert_eq!(Requirement::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn clashing_requirements_are_named() {
        assert_eq!(conflict(&reqs(&[">=1.0.0", "<2.0.0", ">=1.2.0"])), None);
        assert_eq!(
            conflict(&reqs(&[">=1.0.0", "<2.0.0", ">=2.0.0"])),
            Some((1, 2))
        );
        assert_eq!(conflict(&reqs(&["1.0.0", "1.1.0"])), Some((0, 1)));
        assert_eq!(conflict(&reqs(&["1.0.0", "<=1.0.0"])), None);
        assert_eq!(conflict(&reqs(&[">1.0.0", "<=1.0.0"])), Some((0, 1)));
    }
}
