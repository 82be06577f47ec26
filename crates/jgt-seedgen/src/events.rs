//! Draws the product events of copy 0: how many each user has, what they are
//! and when they happen, numbered in order of time.

use crate::clock::EVENTS_UNTIL;
use crate::model::{Event, EventKind, User, EVENTS};
use crate::people::Role;
use crate::rng::Rng;

/// Events every account of a merged person has at least, so both accounts
/// show up in counts once merged.
const MERGED_MIN_EVENTS: u64 = 3;

/// Share of ordinary users who never do anything after signing up.
const IDLE_SHARE: f64 = 0.04;

/// Draws exactly [`EVENTS`] events for `users` (with their `roles`), sorted
/// by time; each is strictly after its user's creation.
pub fn draw(users: &[User], roles: &[Role], seed: u64) -> Vec<Event> {
    let mut rng = Rng::stream(seed, 3);
    let counts = event_counts(&mut rng, roles);
    let mut events = Vec::with_capacity(EVENTS);
    for (u, (user, &count)) in users.iter().zip(&counts).enumerate() {
        // Each user is active for a while after signing up, and orders at
        // their own pace (10% of events on average).
        let room = (EVENTS_UNTIL - user.created_at - 1) as f64;
        let active = room * (0.15 + 0.85 * rng.unit());
        let order_rate = 0.10 * (0.4 + 1.2 * rng.unit());
        for _ in 0..count {
            let at = user.created_at + 1 + (active * rng.unit()) as i64;
            let roll = rng.unit();
            let kind = if roll < order_rate {
                EventKind::Ordered
            } else if roll < order_rate + 0.20 {
                EventKind::Favorited
            } else {
                EventKind::Viewed
            };
            events.push(Event { user: u, kind, at });
        }
    }
    // Stable: ties keep user order, then drawing order.
    events.sort_by_key(|e| (e.at, e.user));
    events
}

/// How many events each user has: a skewed share of the total (a few power
/// users, many light ones, some idle), adding up to exactly [`EVENTS`].
fn event_counts(rng: &mut Rng, roles: &[Role]) -> Vec<u64> {
    let mut floor: Vec<u64> = Vec::with_capacity(roles.len());
    let mut weights: Vec<f64> = Vec::with_capacity(roles.len());
    for role in roles {
        let idle = *role == Role::Ordinary && rng.chance(IDLE_SHARE);
        let u = rng.unit();
        weights.push(if idle {
            0.0
        } else {
            0.3 + 1.0 / (u + 0.002).sqrt()
        });
        floor.push(if *role == Role::Merged {
            MERGED_MIN_EVENTS
        } else {
            0
        });
    }
    let spread = EVENTS as u64 - floor.iter().sum::<u64>();
    let total: f64 = weights.iter().sum();
    let mut counts = floor;
    let mut given = 0;
    let mut fractions = Vec::with_capacity(roles.len());
    for (i, &w) in weights.iter().enumerate() {
        let share = spread as f64 * w / total;
        let whole = share as u64;
        counts[i] += whole;
        given += whole;
        if w > 0.0 {
            fractions.push((share - whole as f64, i));
        }
    }
    // Largest remainders first; the index breaks ties.
    fractions.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in fractions.iter().cycle().take((spread - given) as usize) {
        counts[i] += 1;
    }
    counts
}
