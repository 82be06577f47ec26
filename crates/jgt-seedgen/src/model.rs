//! The generated rows of one copy of the seed (copy 0, the `--scale 1` data),
//! and how a row changes in the later copies made by `--scale`.

/// The first id of each table.
pub const ID_BASE: u64 = 1000;

/// Gaggles in one copy.
pub const GAGGLES: usize = 823;

/// Users in one copy.
pub const USERS: usize = 5_781;

/// Events in one copy.
pub const EVENTS: usize = 120_307;

/// A workspace.
#[derive(Debug, Clone)]
pub struct Gaggle {
    /// Its name (copies append ` 2`, ` 3`, ...).
    pub name: String,
    /// When it was created (seconds since 1970).
    pub created_at: i64,
}

/// A user account, split so its e-mail can be made unique in every copy.
///
/// The e-mail is `email_head + email_tail` in copy 0. Copy `k >= 1` puts
/// `k + 1` between the two: after the local part of a personal e-mail
/// (`petestone2@gmail.com`) or after the label of a corporate domain
/// (`petestone@StraightShooters2.ai`). No head ends in a digit, so the copies
/// never collide with each other or with copy 0.
#[derive(Debug, Clone)]
pub struct User {
    /// "First Last".
    pub name: String,
    /// The e-mail up to where a copy's number goes.
    pub email_head: String,
    /// The rest of the e-mail.
    pub email_tail: String,
    /// Index of its gaggle (gaggle id minus 1000, in copy 0).
    pub gaggle: usize,
    /// When it was created (seconds since 1970).
    pub created_at: i64,
}

impl User {
    /// The e-mail of this user in copy `copy` (0-based).
    pub fn email(&self, copy: u64) -> String {
        if copy == 0 {
            format!("{}{}", self.email_head, self.email_tail)
        } else {
            format!("{}{}{}", self.email_head, copy + 1, self.email_tail)
        }
    }
}

/// What a user did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `recipe_viewed` (about 70%).
    Viewed,
    /// `recipe_favorited` (about 20%).
    Favorited,
    /// `order_placed` (about 10%).
    Ordered,
}

impl EventKind {
    /// The `event_name` column's value.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Viewed => "recipe_viewed",
            EventKind::Favorited => "recipe_favorited",
            EventKind::Ordered => "order_placed",
        }
    }
}

/// One product event.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// Index of the user (user id minus 1000, in copy 0).
    pub user: usize,
    /// What happened.
    pub kind: EventKind,
    /// When (seconds since 1970), strictly after the user was created.
    pub at: i64,
}

/// One copy of the seed, rows in id order.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Gaggles; index `i` has id `1000 + i`.
    pub gaggles: Vec<Gaggle>,
    /// Users; index `i` has id `1000 + i`.
    pub users: Vec<User>,
    /// Events; index `i` has id `1000 + i`.
    pub events: Vec<Event>,
}
