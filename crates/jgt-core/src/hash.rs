//! Hash maps and sets for the hot paths of a compile.
//!
//! A compile of 10,000 models looks names up hundreds of thousands of
//! times: the graph's nodes by name, the catalog's relations for every
//! `ref()`, the producers of every relation. The standard library hashes
//! with SipHash, built to resist keys chosen to collide, at about three
//! times the cost of [`foldhash`]'s quick hash, which the maps here use.
//! The keys come from the user's own project, not from strangers, and
//! foldhash still seeds each process at random, so a colliding set of
//! names cannot be written down ahead of time either.
//!
//! They are the standard library's types with another hasher: build them
//! with `Map::default()`, `with_capacity_and_hasher(n, Default::default())`
//! or `collect()`.

/// A [`std::collections::HashMap`] with [`foldhash`]'s quick hash.
pub type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A [`std::collections::HashSet`] with [`foldhash`]'s quick hash.
pub type Set<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

/// A hasher that gives the same digest in every process of one build of
/// jgt (not across builds): for digests kept between runs, which the
/// up-to-date records tie to the binary that made them.
pub fn stable_hasher() -> impl std::hash::Hasher {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x6a67_745f_7368_6170).build_hasher()
}

/// A map of `capacity` entries before it grows.
pub fn map_with_capacity<K, V>(capacity: usize) -> Map<K, V> {
    Map::with_capacity_and_hasher(capacity, Default::default())
}

#[cfg(test)]
mod tests {
    use std::hash::{Hash, Hasher};

    /// The digest of `value` by a fresh [`super::stable_hasher`].
    fn digest(value: &str) -> u64 {
        let mut hasher = super::stable_hasher();
        value.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn the_stable_hasher_gives_one_digest_per_value() {
        // Two hashers of one process agree (a render's shape is compared
        // with the one the last run recorded), and other values differ.
        assert_eq!(digest("ref('stg_users')"), digest("ref('stg_users')"));
        assert_ne!(digest("ref('stg_users')"), digest("ref('stg_events')"));
    }

    #[test]
    fn a_map_finds_what_was_put_in() {
        let mut map = super::map_with_capacity(2);
        map.insert("stg_users".to_string(), 1);
        map.insert("stg_events".to_string(), 2);
        assert_eq!(map.get("stg_users"), Some(&1));
        assert_eq!(map.get("stg_gaggles"), None);
        let set: super::Set<&str> = ["a", "b", "a"].into_iter().collect();
        assert_eq!(set.len(), 2);
    }
}
