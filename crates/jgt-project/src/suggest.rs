//! "Did you mean ...?" for names a user mistyped.

/// Returns the candidate closest to `name`, when one is close enough to be a
/// plausible typo (a small edit distance relative to the name's length).
pub fn nearest<'a, I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|candidate| (strsim::levenshtein(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= limit && *candidate != name)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, candidate)| candidate.to_string())
}

/// Formats an optional suggestion as a sentence to append to a message.
pub fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!(" Did you mean '{name}'?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        let names = ["stg_users", "stg_events", "stg_gaggles"];
        assert_eq!(nearest("stg_user", names), Some("stg_users".into()));
        assert_eq!(nearest("stg_gagles", names), Some("stg_gaggles".into()));
    }

    #[test]
    fn stays_silent_when_nothing_is_close() {
        assert_eq!(nearest("orders", ["stg_users", "stg_events"]), None);
    }
}
