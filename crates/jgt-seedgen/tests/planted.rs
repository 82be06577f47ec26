//! The planted identity-resolution cases, and the data's general promises,
//! checked on the scale-1 CSVs.

mod common;

use std::collections::{HashMap, HashSet};

use common::{generate, rows};

const PERSONAL: [&str; 5] = [
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "hotmail.com",
];

struct Seed {
    gaggles: Vec<Vec<String>>,
    users: Vec<Vec<String>>,
    events: Vec<Vec<String>>,
    merged: Vec<Vec<String>>,
}

impl Seed {
    fn load() -> Seed {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &[]);
        Seed {
            gaggles: rows(dir.path(), "raw_gaggle.csv").1,
            users: rows(dir.path(), "raw_user.csv").1,
            events: rows(dir.path(), "raw_event.csv").1,
            merged: rows(dir.path(), "merged_user.csv").1,
        }
    }

    /// Lower-cased domain of each user.
    fn domain(user: &[String]) -> String {
        user[2].split_once('@').unwrap().1.to_lowercase()
    }

    /// The gaggle ids each lower-cased domain appears in.
    fn gaggles_by_domain(&self) -> HashMap<String, HashSet<String>> {
        let mut map: HashMap<String, HashSet<String>> = HashMap::new();
        for user in &self.users {
            map.entry(Self::domain(user))
                .or_default()
                .insert(user[3].clone());
        }
        map
    }

    fn user_by_email(&self, email: &str) -> &Vec<String> {
        self.users
            .iter()
            .find(|u| u[2] == email)
            .unwrap_or_else(|| panic!("{email} is missing"))
    }

    fn events_per_user(&self) -> HashMap<&str, usize> {
        let mut counts = HashMap::new();
        for e in &self.events {
            *counts.entry(e[1].as_str()).or_default() += 1;
        }
        counts
    }
}

fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn planted_cases_hold() {
    let seed = Seed::load();
    let by_domain = seed.gaggles_by_domain();
    let in_gaggles = |d: &str| by_domain.get(d).cloned().unwrap_or_default();

    // 1. Mixed-case domains, each its gaggle's corporate domain.
    let mixed: Vec<&Vec<String>> = seed
        .users
        .iter()
        .filter(|u| u[2] != u[2].to_lowercase())
        .collect();
    assert!(mixed.len() >= 9, "only {} mixed-case e-mails", mixed.len());
    for user in &mixed {
        let domain = Seed::domain(user);
        assert!(!PERSONAL.contains(&domain.as_str()));
        let colleague = seed
            .users
            .iter()
            .any(|u| u[3] == user[3] && u[2].ends_with(&format!("@{domain}")));
        assert!(colleague, "{} has no colleague on {domain}", user[2]);
    }
    let mixed_ids: Vec<&str> = mixed.iter().map(|u| u[0].as_str()).collect();
    assert!(mixed_ids.contains(&"2954") && mixed_ids.contains(&"3140"));

    // 2. One gaggle (1187, as in the story) spans rams.sl and rams.la.
    let rams: HashSet<String> = ["1187".to_string()].into();
    assert_eq!(in_gaggles("rams.sl"), rams);
    assert_eq!(in_gaggles("rams.la"), rams);

    // 3. Thrashers and Jets are distinct single gaggles.
    let thrashers = in_gaggles("thrashers.com");
    let jets = in_gaggles("jets.com");
    assert_eq!(thrashers.len(), 1);
    assert_eq!(jets.len(), 1);
    assert!(thrashers.is_disjoint(&jets));

    // 4. SuperSonics in two gaggles, Thunder in one other.
    let sonics = in_gaggles("supersonics.com");
    let thunder = in_gaggles("thunder.com");
    assert_eq!(sonics.len(), 2);
    assert_eq!(thunder.len(), 1);
    assert!(sonics.is_disjoint(&thunder));

    // 5. The merged people, each with two active accounts.
    assert_eq!(seed.merged.len(), 7);
    let events = seed.events_per_user();
    let (mut renamed, mut new_first, mut old_personal) = (0, 0, 0);
    for pair in &seed.merged {
        let old = seed.user_by_email(&pair[0]);
        let new = seed.user_by_email(&pair[1]);
        assert_ne!(old[0], new[0]);
        for account in [old, new] {
            assert!(events.get(account[0].as_str()).copied().unwrap_or(0) > 0);
        }
        assert!(!PERSONAL.contains(&Seed::domain(new).as_str()));
        old_personal += usize::from(PERSONAL.contains(&Seed::domain(old).as_str()));
        renamed += usize::from(old[1] != new[1]);
        new_first += usize::from(new[4] < old[4]);
    }
    assert!(renamed >= 1 && new_first >= 1 && old_personal >= 5);
    let has = |old: &str, new: &str| seed.merged.iter().any(|p| p[0] == old && p[1] == new);
    assert!(has("constancerohr@icloud.com", "constancerohr@outlaws.com"));
    assert!(has("stephp@gmail.com", "stephaniepennell@jets.com"));
    assert_eq!(seed.user_by_email("constancerohr@outlaws.com")[0], "6759");
    assert_eq!(seed.user_by_email("stephp@gmail.com")[1], "Steph P");
}

#[test]
fn general_promises_hold() {
    let seed = Seed::load();

    // E-mails unique, even ignoring case; names "First Last".
    let mut emails = HashSet::new();
    for user in &seed.users {
        assert!(emails.insert(user[2].to_lowercase()), "{} repeats", user[2]);
        assert_eq!(user[1].split(' ').count(), 2, "{}", user[1]);
    }

    // 1 to 13 users per gaggle; gaggles created no later than their first user.
    let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
    for user in &seed.users {
        members.entry(&user[3]).or_default().push(&user[4]);
    }
    for gaggle in &seed.gaggles {
        let created = members.get(gaggle[0].as_str()).expect("gaggle has users");
        assert!((1..=13).contains(&created.len()), "gaggle {}", gaggle[0]);
        let first = created.iter().min().unwrap();
        assert!(is_timestamp(&gaggle[2]));
        assert!(gaggle[2].as_str() <= *first, "gaggle {}", gaggle[0]);
    }

    // Users created in the autumn of 2021; events strictly after them.
    let created: HashMap<&str, &str> = seed
        .users
        .iter()
        .map(|u| (u[0].as_str(), u[4].as_str()))
        .collect();
    for user in &seed.users {
        assert!(is_timestamp(&user[4]));
        assert!(user[4].as_str() >= "2021-09-01 00:00:00");
        assert!(user[4].as_str() <= "2021-11-30 23:59:59");
    }
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for event in &seed.events {
        assert!(is_timestamp(&event[3]));
        assert!(event[3].as_str() > created[event[1].as_str()], "{event:?}");
        assert!(event[3].as_str() <= "2022-01-31 23:59:59");
        *kinds.entry(event[2].as_str()).or_default() += 1;
    }
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds["recipe_viewed"] > kinds["recipe_favorited"]);
    assert!(kinds["recipe_favorited"] > kinds["order_placed"]);

    // The shape of the original seed (field notes).
    let by_domain = seed.gaggles_by_domain();
    let personal_users = seed
        .users
        .iter()
        .filter(|u| PERSONAL.contains(&Seed::domain(u).as_str()))
        .count();
    assert_eq!(personal_users, 1_445);
    assert_eq!(by_domain.len(), 588);
    let shared = by_domain
        .iter()
        .filter(|(d, g)| !PERSONAL.contains(&d.as_str()) && g.len() > 1)
        .count();
    assert_eq!(shared, 163);
    let corporate: HashSet<&String> = by_domain
        .iter()
        .filter(|(d, _)| !PERSONAL.contains(&d.as_str()))
        .flat_map(|(_, g)| g)
        .collect();
    assert_eq!(seed.gaggles.len() - corporate.len(), 23);
}
