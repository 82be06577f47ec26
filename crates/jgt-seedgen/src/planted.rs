//! The planted cases: hand-picked gaggles, domains and people the project's
//! tests and models depend on, and the two hand-kept merge seeds.
//!
//! Everything here is fixed; it does not depend on `--seed`. Only *where* the
//! planted gaggles land (their ids) and the ordinary gaggles hosting a few old
//! accounts are drawn at random, except the Rams gaggle, which is always
//! gaggle 1187 as in the story.

/// A planted corporate domain. Ordinary users write it in lower case; its
/// `words` keep the capitals of the company's name.
#[derive(Debug, Clone, Copy)]
pub struct PlantedDomain {
    /// Words of the domain label, e.g. `"Straight Shooters"`.
    pub words: &'static str,
    /// Top-level domain, e.g. `"ai"`.
    pub tld: &'static str,
}

/// `rams.sl`: the Rams' St. Louis domain.
pub const RAMS_SL: usize = 0;
/// `rams.la`: the Rams' Los Angeles domain.
pub const RAMS_LA: usize = 1;
/// `thrashers.com`: merged into `jets.com`.
pub const THRASHERS_COM: usize = 2;
/// `jets.com`.
pub const JETS_COM: usize = 3;
/// `supersonics.com`: merged into `thunder.com`.
pub const SUPERSONICS_COM: usize = 4;
/// `thunder.com`.
pub const THUNDER_COM: usize = 5;
/// `outlaws.com`: Constance Rohr's new employer.
pub const OUTLAWS_COM: usize = 6;
/// `straightshooters.ai`: home of the mixed-case e-mails of users 2954 and 3140.
pub const SHOOTERS_AI: usize = 7;
/// `goldenotters.io`.
pub const OTTERS_IO: usize = 8;
/// `papercranes.co`.
pub const CRANES_CO: usize = 9;

/// The planted corporate domains, indexed by the constants above.
pub const DOMAINS: [PlantedDomain; 10] = [
    PlantedDomain {
        words: "Rams",
        tld: "sl",
    },
    PlantedDomain {
        words: "Rams",
        tld: "la",
    },
    PlantedDomain {
        words: "Thrashers",
        tld: "com",
    },
    PlantedDomain {
        words: "Jets",
        tld: "com",
    },
    PlantedDomain {
        words: "SuperSonics",
        tld: "com",
    },
    PlantedDomain {
        words: "Thunder",
        tld: "com",
    },
    PlantedDomain {
        words: "Outlaws",
        tld: "com",
    },
    PlantedDomain {
        words: "Straight Shooters",
        tld: "ai",
    },
    PlantedDomain {
        words: "Golden Otters",
        tld: "io",
    },
    PlantedDomain {
        words: "Paper Cranes",
        tld: "co",
    },
];

/// Where a planted gaggle lands among the gaggles ordered by creation.
#[derive(Debug, Clone, Copy)]
pub enum Slot {
    /// Exactly this index (id minus 1000).
    At(usize),
    /// Any free index in `start..end`, drawn at random.
    Within(usize, usize),
}

/// A planted gaggle.
#[derive(Debug, Clone, Copy)]
pub struct PlantedGaggle {
    /// The gaggle's name.
    pub name: &'static str,
    /// Corporate domains of its ordinary users; with two, the earlier half of
    /// them use the first and the later half the second.
    pub domains: &'static [usize],
    /// Where it lands.
    pub slot: Slot,
    /// How many ordinary users of it are at least corporate.
    pub min_corporate: usize,
}

// Indices into [`GAGGLES`] (the Rams are index 0).

/// Index of the Thrashers gaggle.
pub const THRASHERS: usize = 1;
/// Index of the Jets gaggle.
pub const JETS: usize = 2;
/// Index of the first SuperSonics gaggle.
pub const SONICS: usize = 3;
/// Index of the second SuperSonics gaggle.
pub const SONICS_OFFICE: usize = 4;
/// Index of the Thunder gaggle.
pub const THUNDER: usize = 5;
/// Index of the first Outlaws gaggle.
pub const OUTLAWS: usize = 6;
/// Index of the second Outlaws gaggle.
pub const OUTLAWS_CLUB: usize = 7;
/// Index of the Straight Shooters gaggle.
pub const SHOOTERS: usize = 8;
/// Index of the Golden Otters gaggle.
pub const OTTERS: usize = 9;
/// Index of the Paper Cranes gaggle.
pub const CRANES: usize = 10;

/// The planted gaggles, indexed by the constants above.
pub const GAGGLES: [PlantedGaggle; 11] = [
    gaggle("Rams", &[RAMS_SL, RAMS_LA], Slot::At(187), 4),
    gaggle("Thrashers", &[THRASHERS_COM], Slot::Within(0, 700), 1),
    gaggle("Jets", &[JETS_COM], Slot::Within(0, 700), 1),
    gaggle("SuperSonics", &[SUPERSONICS_COM], Slot::Within(0, 700), 1),
    gaggle(
        "SuperSonics Front Office",
        &[SUPERSONICS_COM],
        Slot::Within(0, 700),
        1,
    ),
    gaggle("Thunder", &[THUNDER_COM], Slot::Within(0, 700), 1),
    gaggle("Outlaws", &[OUTLAWS_COM], Slot::Within(100, 500), 1),
    gaggle(
        "Outlaws Lunch Club",
        &[OUTLAWS_COM],
        Slot::Within(200, 600),
        1,
    ),
    gaggle(
        "Straight Shooters",
        &[SHOOTERS_AI],
        Slot::Within(30, 130),
        1,
    ),
    gaggle("Golden Otters", &[OTTERS_IO], Slot::Within(0, 700), 1),
    gaggle("Paper Cranes", &[CRANES_CO], Slot::Within(0, 700), 1),
];

/// Pairs of planted gaggles (indices into [`GAGGLES`]) where the first was
/// created before the second: old domains before the domains they merged
/// into, and a company's plainly named gaggle before its teams.
pub const CREATED_IN_ORDER: [(usize, usize); 5] = [
    (THRASHERS, JETS),
    (SONICS, THUNDER),
    (SONICS_OFFICE, THUNDER),
    (SONICS, SONICS_OFFICE),
    (OUTLAWS, OUTLAWS_CLUB),
];

/// Shorthand for building [`GAGGLES`].
const fn gaggle(
    name: &'static str,
    domains: &'static [usize],
    slot: Slot,
    min_corporate: usize,
) -> PlantedGaggle {
    PlantedGaggle {
        name,
        domains,
        slot,
        min_corporate,
    }
}

/// How many ordinary gaggles (drawn at random, created early enough) host an
/// old account of a merged person.
pub const HOSTS: usize = 3;

/// The gaggle a planted account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    /// A planted gaggle (index into [`GAGGLES`]).
    Planted(usize),
    /// The n-th randomly drawn ordinary host gaggle (`n < HOSTS`).
    Host(usize),
}

/// The e-mail domain of a planted account.
#[derive(Debug, Clone, Copy)]
pub enum Mail {
    /// A personal domain, e.g. `"icloud.com"`.
    Personal(&'static str),
    /// A planted corporate domain of the account's gaggle, written as shown
    /// (it lower-cases to the domain), e.g. `"StraightShooters.ai"`.
    Corporate(&'static str),
}

/// One planted account.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    /// "First Last" (or a short form, for an old account).
    pub name: &'static str,
    /// Local part of the e-mail.
    pub local: &'static str,
    /// Domain of the e-mail.
    pub mail: Mail,
    /// The gaggle it belongs to.
    pub home: Home,
    /// The user id it must get, if any.
    pub id: Option<u64>,
}

impl Account {
    /// The e-mail exactly as written in `raw_user.csv` (copy 0).
    pub fn email(&self) -> String {
        match self.mail {
            Mail::Personal(domain) | Mail::Corporate(domain) => {
                format!("{}@{}", self.local, domain)
            }
        }
    }
}

/// A person the JaffleGaggle team identified as having two accounts.
#[derive(Debug, Clone, Copy)]
pub struct MergedPerson {
    /// The account being merged away.
    pub old: Account,
    /// The account it is merged into (always corporate).
    pub new: Account,
    /// Whether the new account was created before the old one.
    pub new_created_first: bool,
}

/// Shorthand for building accounts.
const fn account(
    name: &'static str,
    local: &'static str,
    mail: Mail,
    home: Home,
    id: Option<u64>,
) -> Account {
    Account {
        name,
        local,
        mail,
        home,
        id,
    }
}

/// The seven merged people; `merged_user.csv` lists their e-mails.
pub const MERGED: [MergedPerson; 7] = [
    MergedPerson {
        old: account(
            "Constance Rohr",
            "constancerohr",
            Mail::Personal("icloud.com"),
            Home::Planted(OUTLAWS),
            None,
        ),
        new: account(
            "Constance Rohr",
            "constancerohr",
            Mail::Corporate("outlaws.com"),
            Home::Planted(OUTLAWS_CLUB),
            Some(6759),
        ),
        new_created_first: false,
    },
    MergedPerson {
        old: account(
            "Steph P",
            "stephp",
            Mail::Personal("gmail.com"),
            Home::Planted(THRASHERS),
            None,
        ),
        new: account(
            "Stephanie Pennell",
            "stephaniepennell",
            Mail::Corporate("jets.com"),
            Home::Planted(JETS),
            None,
        ),
        new_created_first: false,
    },
    MergedPerson {
        old: account(
            "Kendra Dunlap",
            "kendradunlap",
            Mail::Corporate("supersonics.com"),
            Home::Planted(SONICS),
            None,
        ),
        new: account(
            "Kendra Dunlap",
            "kendradunlap",
            Mail::Corporate("thunder.com"),
            Home::Planted(THUNDER),
            None,
        ),
        new_created_first: false,
    },
    MergedPerson {
        old: account(
            "Jon Ortega",
            "jonortega",
            Mail::Personal("outlook.com"),
            Home::Host(0),
            None,
        ),
        new: account(
            "Jonathan Ortega",
            "jonathanortega",
            Mail::Corporate("goldenotters.io"),
            Home::Planted(OTTERS),
            None,
        ),
        new_created_first: true,
    },
    MergedPerson {
        old: account(
            "Maya Lindqvist",
            "mayalindqvist",
            Mail::Personal("hotmail.com"),
            Home::Host(1),
            None,
        ),
        new: account(
            "Maya Lindqvist",
            "mayalindqvist",
            Mail::Corporate("papercranes.co"),
            Home::Planted(CRANES),
            None,
        ),
        new_created_first: false,
    },
    MergedPerson {
        old: account(
            "Ravi Patel",
            "ravipatel",
            Mail::Personal("yahoo.com"),
            Home::Host(2),
            None,
        ),
        new: account(
            "Ravi Patel",
            "ravipatel",
            Mail::Corporate("straightshooters.ai"),
            Home::Planted(SHOOTERS),
            None,
        ),
        new_created_first: false,
    },
    MergedPerson {
        old: account(
            "Tom K",
            "tomk",
            Mail::Personal("gmail.com"),
            Home::Planted(OTTERS),
            None,
        ),
        new: account(
            "Tomasz Kowalski",
            "tomaszkowalski",
            Mail::Corporate("goldenotters.io"),
            Home::Planted(OTTERS),
            None,
        ),
        new_created_first: false,
    },
];

/// Two colleagues whose e-mails spell their domain with capitals (users 2954
/// and 3140, as in the story).
pub const SHOWCASE: [Account; 2] = [
    account(
        "Pete Stone",
        "petestone",
        Mail::Corporate("StraightShooters.ai"),
        Home::Planted(SHOOTERS),
        Some(2954),
    ),
    account(
        "Lucy Hart",
        "lucyhart",
        Mail::Corporate("straightShooters.AI"),
        Home::Planted(SHOOTERS),
        Some(3140),
    ),
];

/// How many more ordinary corporate users (beyond [`SHOWCASE`]) get a
/// mixed-case domain.
pub const EXTRA_MIXED_CASE: usize = 7;

/// Every planted account: the merged people's old and new accounts, then the
/// showcase accounts.
pub fn accounts() -> Vec<Account> {
    MERGED
        .iter()
        .flat_map(|m| [m.old, m.new])
        .chain(SHOWCASE)
        .collect()
}

/// `merged_user.csv`: header and rows.
pub fn merged_user_csv() -> String {
    let mut out = String::from("old_email,new_email\n");
    for m in &MERGED {
        out.push_str(&format!("{},{}\n", m.old.email(), m.new.email()));
    }
    out
}

/// The domain merges of `merged_company_domain.csv`, old then new.
pub const MERGED_DOMAINS: [(&str, &str); 3] = [
    ("thrashers.com", "jets.com"),
    ("supersonics.com", "thunder.com"),
    ("rams.sl", "rams.la"),
];

/// `merged_company_domain.csv`: header and rows.
pub fn merged_company_domain_csv() -> String {
    let mut out = String::from("old_domain,new_domain\n");
    for (old, new) in MERGED_DOMAINS {
        out.push_str(&format!("{old},{new}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::squash;

    #[test]
    fn shown_domains_lower_to_their_gaggles_domain() {
        for a in accounts() {
            let (Mail::Corporate(shown), Home::Planted(g)) = (a.mail, a.home) else {
                continue;
            };
            let ok = GAGGLES[g].domains.iter().any(|&d| {
                let domain = &DOMAINS[d];
                shown.to_ascii_lowercase() == format!("{}.{}", squash(domain.words), domain.tld)
            });
            assert!(ok, "{shown}");
        }
    }

    #[test]
    fn merge_seeds_have_their_rows() {
        assert_eq!(merged_user_csv().lines().count(), 8);
        assert!(merged_user_csv().contains("constancerohr@icloud.com,constancerohr@outlaws.com\n"));
        assert_eq!(merged_company_domain_csv().lines().count(), 4);
    }
}
