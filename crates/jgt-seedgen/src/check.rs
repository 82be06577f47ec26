//! Checks a generated copy 0 against every promise the seed makes, so a
//! `--seed` that happens to break one is reported instead of written.

use std::collections::{HashMap, HashSet};

use anyhow::{ensure, Context, Result};

use crate::clock::{EVENTS_UNTIL, USERS_FROM, USERS_UNTIL};
use crate::gaggles::MAX_GAGGLE_USERS;
use crate::model::{Dataset, EVENTS, GAGGLES, ID_BASE, USERS};
use crate::planted;

/// Fails with the first broken promise of `data`.
pub fn validate(data: &Dataset) -> Result<()> {
    ensure!(
        data.gaggles.len() == GAGGLES,
        "{} gaggles",
        data.gaggles.len()
    );
    ensure!(data.users.len() == USERS, "{} users", data.users.len());
    ensure!(data.events.len() == EVENTS, "{} events", data.events.len());

    let mut members = vec![0usize; GAGGLES];
    let mut first_user = vec![i64::MAX; GAGGLES];
    let mut emails = HashMap::with_capacity(USERS);
    for (i, user) in data.users.iter().enumerate() {
        let email = user.email(0);
        ensure!(
            (USERS_FROM..=USERS_UNTIL).contains(&user.created_at),
            "user {email} created out of range"
        );
        ensure!(
            emails.insert(email.to_ascii_lowercase(), i).is_none(),
            "e-mail {email} is not unique"
        );
        members[user.gaggle] += 1;
        first_user[user.gaggle] = first_user[user.gaggle].min(user.created_at);
    }
    for (g, gaggle) in data.gaggles.iter().enumerate() {
        ensure!(
            (1..=MAX_GAGGLE_USERS).contains(&members[g]),
            "gaggle {} has {} users",
            gaggle.name,
            members[g]
        );
        ensure!(
            gaggle.created_at <= first_user[g],
            "gaggle {} created after its first user",
            gaggle.name
        );
    }

    let mut events_of = vec![0usize; USERS];
    for e in &data.events {
        let user = &data.users[e.user];
        ensure!(
            user.created_at < e.at && e.at <= EVENTS_UNTIL,
            "an event of {} is out of range",
            user.email(0)
        );
        events_of[e.user] += 1;
    }

    let user_of = |email: &str| emails.get(&email.to_ascii_lowercase()).copied();
    let mut reversed = 0;
    for m in &planted::MERGED {
        let (old_email, new_email) = (m.old.email(), m.new.email());
        let old = user_of(&old_email).with_context(|| format!("{old_email} is missing"))?;
        let new = user_of(&new_email).with_context(|| format!("{new_email} is missing"))?;
        ensure!(
            events_of[old] > 0 && events_of[new] > 0,
            "{old_email} or {new_email} has no events"
        );
        let new_first = data.users[new].created_at < data.users[old].created_at;
        ensure!(
            new_first == m.new_created_first,
            "{new_email} created in the wrong order"
        );
        reversed += usize::from(new_first);
    }
    ensure!(reversed >= 1, "no new account created before its old one");
    for account in &planted::SHOWCASE {
        let email = account.email();
        let id = account.id.context("showcase account without id")?;
        let at = user_of(&email).context("showcase missing")?;
        ensure!(ID_BASE + at as u64 == id, "{email} is not user {id}");
    }
    for m in &planted::MERGED {
        if let Some(id) = m.new.id {
            let at = user_of(&m.new.email()).context("merged account missing")?;
            ensure!(
                ID_BASE + at as u64 == id,
                "{} is not user {id}",
                m.new.email()
            );
        }
    }

    let mixed = data
        .users
        .iter()
        .filter(|u| {
            let email = u.email(0);
            email.bytes().any(|b| b.is_ascii_uppercase())
        })
        .count();
    ensure!(mixed >= 9, "only {mixed} mixed-case e-mails");

    let mut gaggles_of: HashMap<String, HashSet<usize>> = HashMap::new();
    for user in &data.users {
        let email = user.email(0).to_ascii_lowercase();
        let domain = email.split_once('@').map_or("", |(_, d)| d).to_string();
        gaggles_of.entry(domain).or_default().insert(user.gaggle);
    }
    let count = |domain: &str| gaggles_of.get(domain).map_or(0, HashSet::len);
    ensure!(
        count("thrashers.com") == 1,
        "thrashers.com not in one gaggle"
    );
    ensure!(count("jets.com") == 1, "jets.com not in one gaggle");
    ensure!(
        gaggles_of["thrashers.com"] != gaggles_of["jets.com"],
        "thrashers.com and jets.com share a gaggle"
    );
    ensure!(
        count("supersonics.com") == 2,
        "supersonics.com not in two gaggles"
    );
    ensure!(count("thunder.com") == 1, "thunder.com not in one gaggle");
    ensure!(
        count("rams.sl") == 1 && gaggles_of.get("rams.sl") == gaggles_of.get("rams.la"),
        "rams.sl and rams.la are not one gaggle's"
    );
    Ok(())
}
