//! Draws the users of copy 0: their names, e-mails, gaggles and creation
//! times, with the planted accounts placed among them.
//!
//! Users get ids in order of creation. The few planted accounts with a fixed
//! id (from the story) are slotted in at that position, with a creation time
//! between their neighbours'.

use std::collections::HashSet;

use anyhow::{bail, ensure, Context, Result};

use crate::clock::{DAY, HOUR, USERS_UNTIL};
use crate::gaggles::{Affiliation, Domain, Layout};
use crate::model::{User, ID_BASE, USERS};
use crate::names;
use crate::planted::{self, Account, Mail};
use crate::rng::Rng;

/// Users on one of the five personal domains (a quarter of them).
pub const PERSONAL_USERS: usize = 1_445;

/// Why a user exists; events treat planted accounts a little differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A randomly drawn user.
    Ordinary,
    /// One of the two accounts of a merged person.
    Merged,
    /// A planted user showing a mixed-case domain.
    Showcase,
}

/// The users of copy 0 in id order, with the role of each.
#[derive(Debug, Clone)]
pub struct People {
    /// Users; index `i` has id `1000 + i`.
    pub users: Vec<User>,
    /// Role of each user, parallel to `users`.
    pub roles: Vec<Role>,
}

/// A user being drawn.
struct Draft {
    /// "First Last".
    name: String,
    /// Local part of the e-mail.
    local: String,
    /// Index of the gaggle.
    gaggle: usize,
    /// Creation time.
    at: i64,
    /// E-mail up to where a copy's number goes (see [`User`]); set once the
    /// domain is known.
    head: String,
    /// The rest of the e-mail.
    tail: String,
    /// Whether the e-mail is on a corporate domain.
    corporate: bool,
    /// Why the user exists.
    role: Role,
}

impl Draft {
    /// The finished user and its role.
    fn into_user(self) -> (User, Role) {
        let user = User {
            name: self.name,
            email_head: self.head,
            email_tail: self.tail,
            gaggle: self.gaggle,
            created_at: self.at,
        };
        (user, self.role)
    }
}

/// Draws the users of copy 0 for the gaggles of `layout`.
pub fn draw(layout: &Layout, seed: u64) -> Result<People> {
    let mut rng = Rng::stream(seed, 2);
    let mut drafts = draw_ordinary(&mut rng, layout)?;
    address(&mut rng, layout, &mut drafts)?;
    mix_case(&mut rng, layout, &mut drafts)?;
    let pinned = add_planted(&mut rng, layout, &mut drafts)?;
    drafts.sort_by_key(|d| d.at);
    slot_in(layout, &mut drafts, pinned)?;
    ensure!(drafts.len() == USERS, "drew {} users", drafts.len());
    let (users, roles) = drafts.into_iter().map(Draft::into_user).unzip();
    Ok(People { users, roles })
}

/// Draws the ordinary users, gaggle by gaggle (the first is the gaggle's
/// creator), and decides who is on a personal domain: all users of social
/// gaggles, and just enough others to make [`PERSONAL_USERS`].
fn draw_ordinary(rng: &mut Rng, layout: &Layout) -> Result<Vec<Draft>> {
    let accounts = planted::accounts();
    let mut locals: HashSet<String> = accounts.iter().map(|a| a.local.to_string()).collect();
    let mut drafts = Vec::with_capacity(USERS);
    let mut eligible = Vec::new();
    let mut personal = accounts
        .iter()
        .filter(|a| matches!(a.mail, Mail::Personal(_)))
        .count();
    for (g, plan) in layout.gaggles.iter().enumerate() {
        let anchors = match plan.affiliation {
            Affiliation::Social => 0,
            Affiliation::Company { min_corporate, .. } => min_corporate.max(1),
        };
        for n in 0..plan.size - plan.planted_accounts {
            let (name, local) = draw_person(rng, &mut locals)?;
            let at = if n == 0 {
                plan.created_at + rng.between(0, HOUR / 2)
            } else {
                later_member(rng, plan.created_at)
            };
            match plan.affiliation {
                Affiliation::Social => personal += 1,
                Affiliation::Company { .. } if n >= anchors => eligible.push(drafts.len()),
                Affiliation::Company { .. } => {}
            }
            drafts.push(Draft {
                name,
                local,
                gaggle: g,
                at,
                head: String::new(),
                tail: String::new(),
                corporate: !matches!(plan.affiliation, Affiliation::Social),
                role: Role::Ordinary,
            });
        }
    }
    let quota = PERSONAL_USERS
        .checked_sub(personal)
        .context("too many personal users already")?;
    ensure!(quota <= eligible.len(), "too few users to make personal");
    rng.shuffle(&mut eligible);
    for &d in &eligible[..quota] {
        drafts[d].corporate = false;
    }
    Ok(drafts)
}

/// Adds the planted accounts without a fixed id to `drafts`, and returns
/// those with one, paired with their id.
fn add_planted(
    rng: &mut Rng,
    layout: &Layout,
    drafts: &mut Vec<Draft>,
) -> Result<Vec<(u64, Draft)>> {
    let mut pinned = Vec::new();
    for m in &planted::MERGED {
        let (old_at, new_at) = merged_times(rng, layout, m)?;
        for (account, at) in [(m.old, old_at), (m.new, new_at)] {
            let draft = planted_draft(layout, &account, at.unwrap_or(0), Role::Merged);
            match account.id {
                Some(id) => pinned.push((id, draft)),
                None => drafts.push(draft),
            }
        }
    }
    for account in &planted::SHOWCASE {
        let draft = planted_draft(layout, account, 0, Role::Showcase);
        let id = account.id.context("a showcase account has no id")?;
        pinned.push((id, draft));
    }
    Ok(pinned)
}

/// Inserts each pinned draft into the time-ordered `drafts` at the position
/// its id asks for, created halfway between its new neighbours.
fn slot_in(layout: &Layout, drafts: &mut Vec<Draft>, mut pinned: Vec<(u64, Draft)>) -> Result<()> {
    // In id order, so a later insertion never shifts an earlier one.
    pinned.sort_by_key(|(id, _)| *id);
    for (id, mut draft) in pinned {
        let rank = id
            .checked_sub(ID_BASE)
            .and_then(|r| usize::try_from(r).ok())
            .filter(|&r| r >= 1 && r <= drafts.len())
            .with_context(|| format!("id {id} is out of range"))?;
        let before = drafts[rank - 1].at;
        let after = drafts.get(rank).map_or(USERS_UNTIL, |d| d.at);
        draft.at = before + (after - before) / 2;
        let gaggle = &layout.gaggles[draft.gaggle];
        if draft.at < gaggle.created_at {
            bail!(
                "user {id} ({}) would be created before its gaggle {}",
                draft.local,
                gaggle.name
            );
        }
        drafts.insert(rank, draft);
    }
    Ok(())
}

/// A fresh person: "First Last" and a local part derived from it that no
/// other user has.
fn draw_person(rng: &mut Rng, locals: &mut HashSet<String>) -> Result<(String, String)> {
    for _ in 0..10_000 {
        let first = *rng.pick(names::FIRST_NAMES);
        let last = *rng.pick(names::LAST_NAMES);
        let (f, l) = (names::squash(first), names::squash(last));
        let local = match rng.below(20) {
            0..=13 => format!("{f}{l}"),
            14..=16 => format!("{f}.{l}"),
            _ => format!("{}{l}", &f[..1]),
        };
        if locals.insert(local.clone()) {
            return Ok((format!("{first} {last}"), local));
        }
    }
    bail!("ran out of distinct names")
}

/// When a non-creator joins a gaggle created at `created`: mostly within a
/// few weeks, never after the last sign-up day.
fn later_member(rng: &mut Rng, created: i64) -> i64 {
    let u = rng.unit();
    let offset = (u * u * (40 * DAY) as f64) as i64;
    if created + offset <= USERS_UNTIL {
        created + offset
    } else {
        rng.between(created, USERS_UNTIL)
    }
}

/// Writes the e-mail of every ordinary draft: personal drafts get a weighted
/// personal domain, corporate ones their gaggle's domain (the Rams' earlier
/// half `rams.sl`, the later half `rams.la`).
fn address(rng: &mut Rng, layout: &Layout, drafts: &mut [Draft]) -> Result<()> {
    let mut by_gaggle: Vec<Vec<usize>> = vec![Vec::new(); layout.gaggles.len()];
    for (d, draft) in drafts.iter_mut().enumerate() {
        if draft.corporate {
            by_gaggle[draft.gaggle].push(d);
        } else {
            let domain = *rng.weighted(names::PERSONAL_DOMAINS);
            draft.head = draft.local.clone();
            draft.tail = format!("@{domain}");
        }
    }
    for (g, members) in by_gaggle.iter_mut().enumerate() {
        let Affiliation::Company { domains, .. } = &layout.gaggles[g].affiliation else {
            ensure!(members.is_empty(), "a social gaggle has a corporate user");
            continue;
        };
        members.sort_by_key(|&d| drafts[d].at);
        let split = if domains.len() > 1 {
            members.len() / 2
        } else {
            members.len()
        };
        for (n, &d) in members.iter().enumerate() {
            let domain = if n < split { &domains[0] } else { &domains[1] };
            set_corporate(&mut drafts[d], &domain.label(), &domain.tld);
        }
    }
    Ok(())
}

/// Sets a corporate e-mail `local@label.tld` as written (any case).
fn set_corporate(draft: &mut Draft, label: &str, tld: &str) {
    draft.head = format!("{}@{label}", draft.local);
    draft.tail = format!(".{tld}");
}

/// Spells the domain of a few ordinary corporate users with capitals, as
/// users sometimes type it (`GoldenFoxes.io`, `Bears.COM`).
fn mix_case(rng: &mut Rng, layout: &Layout, drafts: &mut [Draft]) -> Result<()> {
    let mut candidates: Vec<usize> = drafts
        .iter()
        .enumerate()
        .filter(|(_, d)| d.corporate)
        .filter(|(_, d)| {
            matches!(
                layout.gaggles[d.gaggle].affiliation,
                Affiliation::Company { planted: false, .. }
            )
        })
        .map(|(i, _)| i)
        .collect();
    ensure!(
        candidates.len() >= planted::EXTRA_MIXED_CASE,
        "too few corporate users"
    );
    rng.shuffle(&mut candidates);
    for &d in &candidates[..planted::EXTRA_MIXED_CASE] {
        let Affiliation::Company { domains, .. } = &layout.gaggles[drafts[d].gaggle].affiliation
        else {
            continue;
        };
        let Domain { camel, tld } = &domains[0];
        match rng.below(3) {
            0 => set_corporate(&mut drafts[d], camel, tld),
            1 => set_corporate(&mut drafts[d], camel, &tld.to_ascii_uppercase()),
            _ => {
                let mut label = domains[0].label();
                label[..1].make_ascii_uppercase();
                set_corporate(&mut drafts[d], &label, tld);
            }
        }
    }
    Ok(())
}

/// Creation times of a merged person's old and new accounts; `None` for an
/// account with a fixed id (its time comes from its position).
fn merged_times(
    rng: &mut Rng,
    layout: &Layout,
    person: &planted::MergedPerson,
) -> Result<(Option<i64>, Option<i64>)> {
    let old_gaggle = layout.gaggles[layout.home(person.old.home)].created_at;
    let new_gaggle = layout.gaggles[layout.home(person.new.home)].created_at;
    let soon_after =
        |rng: &mut Rng, created: i64| (created + rng.between(HOUR, 10 * DAY)).min(USERS_UNTIL);
    Ok(match (person.old.id, person.new.id) {
        (Some(_), Some(_)) => (None, None),
        (None, Some(_)) => (Some(soon_after(rng, old_gaggle)), None),
        (Some(_), None) => (None, Some(soon_after(rng, new_gaggle))),
        (None, None) => {
            let start = old_gaggle.max(new_gaggle) + HOUR;
            ensure!(
                start < USERS_UNTIL,
                "gaggles of {} too late",
                person.new.local
            );
            let a = rng.between(start, USERS_UNTIL - 1);
            let mut b = rng.between(start, USERS_UNTIL);
            if b == a {
                b += 1;
            }
            let (early, late) = (a.min(b), a.max(b));
            if person.new_created_first {
                (Some(late), Some(early))
            } else {
                (Some(early), Some(late))
            }
        }
    })
}

/// The draft of a planted account created at `at`.
fn planted_draft(layout: &Layout, account: &Account, at: i64, role: Role) -> Draft {
    let (head, tail, corporate) = match account.mail {
        Mail::Personal(domain) => (account.local.to_string(), format!("@{domain}"), false),
        Mail::Corporate(shown) => {
            let dot = shown.rfind('.').unwrap_or(shown.len());
            (
                format!("{}@{}", account.local, &shown[..dot]),
                shown[dot..].to_string(),
                true,
            )
        }
    };
    Draft {
        name: account.name.to_string(),
        local: account.local.to_string(),
        gaggle: layout.home(account.home),
        at,
        head,
        tail,
        corporate,
        role,
    }
}
