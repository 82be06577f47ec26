//! The relations a database holds, as `is_incremental()` asks for them.
//!
//! Opening a DuckDB file of 10,000 tables and listing them takes about a
//! quarter of a second, most of it DuckDB reading its catalog. Compiling
//! only needs the list where a model asks `is_incremental()`, so the list
//! can be read on another thread while compiling goes on: an [`Existing`]
//! made [pending](Existing::pending) answers once its [`Reading`] is
//! filled, and a question asked before then waits for it.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use crate::Relation;

/// The relations that exist in the database. Clones share one set.
#[derive(Debug, Clone)]
pub struct Existing(Arc<OnceLock<HashSet<Relation>>>);

impl Default for Existing {
    /// Nothing exists (a database not built yet).
    fn default() -> Self {
        Existing::known(HashSet::new())
    }
}

impl Existing {
    /// A set known now.
    pub fn known(relations: HashSet<Relation>) -> Self {
        Existing(Arc::new(OnceLock::from(relations)))
    }

    /// A set still to be read, and the [`Reading`] that fills it.
    pub fn pending() -> (Self, Reading) {
        let cell = Arc::new(OnceLock::new());
        (Existing(Arc::clone(&cell)), Reading(cell))
    }

    /// Whether `relation` exists; waits while the set is being read.
    pub fn contains(&self, relation: &Relation) -> bool {
        self.0.wait().contains(relation)
    }
}

/// Fills a pending [`Existing`]. Dropped without [`Reading::fill`] (the
/// reading failed, or its thread panicked) it leaves the set empty, so
/// nothing waits for it forever.
#[derive(Debug)]
pub struct Reading(Arc<OnceLock<HashSet<Relation>>>);

impl Reading {
    /// Gives the pending set its relations.
    pub fn fill(self, relations: HashSet<Relation>) {
        let _ = self.0.set(relations);
    }
}

impl Drop for Reading {
    fn drop(&mut self) {
        let _ = self.0.set(HashSet::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_waits_for_the_reading() {
        let (existing, reading) = Existing::pending();
        let asked = std::thread::spawn({
            let existing = existing.clone();
            move || existing.contains(&Relation::new("main", "orders"))
        });
        std::thread::sleep(std::time::Duration::from_millis(20));
        reading.fill([Relation::new("main", "orders")].into_iter().collect());
        assert!(asked.join().unwrap(), "answered from the filled set");
        assert!(!existing.contains(&Relation::new("main", "users")));
    }

    #[test]
    fn a_reading_dropped_unfilled_means_nothing_exists() {
        let (existing, reading) = Existing::pending();
        drop(reading);
        assert!(!existing.contains(&Relation::new("main", "orders")));
    }

    #[test]
    fn a_known_set_answers_at_once() {
        let existing = Existing::known([Relation::new("main", "orders")].into_iter().collect());
        assert!(existing.contains(&Relation::new("main", "orders")));
        assert!(!Existing::default().contains(&Relation::new("main", "orders")));
    }
}
