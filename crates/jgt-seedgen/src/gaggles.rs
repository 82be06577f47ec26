//! Lays out the gaggles of copy 0: when each was created, which company (and
//! so which corporate domain) it belongs to, its name and how many users it
//! has.
//!
//! The shape follows the field notes on the original seed: 823 gaggles, 23 of
//! them without any corporate user, 583 corporate domains of which 163 appear
//! in more than one gaggle, and 1 to 13 users per gaggle.

use std::collections::HashSet;

use anyhow::{bail, ensure, Context, Result};

use crate::clock::{DAY, USERS_FROM, USERS_UNTIL};
use crate::model::{GAGGLES, USERS};
use crate::names::{self, squash};
use crate::planted::{self, Home, Slot};
use crate::rng::Rng;

/// Gaggles without any corporate user.
pub const SOCIAL_GAGGLES: usize = 23;

/// Distinct corporate domains, planted ones included.
pub const CORPORATE_DOMAINS: usize = 583;

/// Corporate domains that appear in more than one gaggle.
pub const SHARED_DOMAINS: usize = 163;

/// The most users a gaggle has.
pub const MAX_GAGGLE_USERS: usize = 13;

/// The most gaggles one ordinary company has.
const MAX_COMPANY_GAGGLES: usize = 6;

/// A corporate e-mail domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// The label with the capitals of the company's name, e.g. `"GoldenOtters"`.
    pub camel: String,
    /// The top-level domain, e.g. `"io"`.
    pub tld: String,
}

impl Domain {
    /// The label as users normally write it, e.g. `"goldenotters"`.
    pub fn label(&self) -> String {
        self.camel.to_ascii_lowercase()
    }
}

/// Who a gaggle's users work for.
#[derive(Debug, Clone)]
pub enum Affiliation {
    /// Friends on personal e-mails only.
    Social,
    /// Colleagues at one company.
    Company {
        /// Corporate domains of its ordinary users (two for the Rams: the
        /// earlier users on the first, the later ones on the second).
        domains: Vec<Domain>,
        /// How many of its ordinary users are certainly corporate.
        min_corporate: usize,
        /// Whether this is one of the planted gaggles.
        planted: bool,
    },
}

/// One gaggle as laid out, before its users exist.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The gaggle's name.
    pub name: String,
    /// When it was created.
    pub created_at: i64,
    /// Who its users work for.
    pub affiliation: Affiliation,
    /// How many users it has, planted accounts included.
    pub size: usize,
    /// How many of those are planted accounts.
    pub planted_accounts: usize,
}

/// All gaggles of copy 0, in id order, and where the planted ones landed.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The gaggles; index `i` has id `1000 + i`.
    pub gaggles: Vec<Plan>,
    /// Index of each planted gaggle, in the order of [`planted::GAGGLES`].
    pub planted: Vec<usize>,
    /// Index of each ordinary host gaggle of an old account.
    pub hosts: Vec<usize>,
}

impl Layout {
    /// The gaggle index an account's home resolves to.
    pub fn home(&self, home: Home) -> usize {
        match home {
            Home::Planted(i) => self.planted[i],
            Home::Host(i) => self.hosts[i],
        }
    }
}

/// An ordinary (not planted) company.
struct Company {
    words: String,
    domain: Domain,
}

/// Lays out the gaggles of copy 0 for `seed`.
pub fn lay_out(seed: u64) -> Result<Layout> {
    let mut rng = Rng::stream(seed, 1);
    let mut times: Vec<i64> = (0..GAGGLES)
        .map(|_| rng.between(USERS_FROM, USERS_UNTIL - 3 * DAY))
        .collect();
    times.sort_unstable();

    // Which gaggle is which: planted ones first, then the social ones, then
    // the ordinary companies fill the rest.
    let planted_at = place_planted(&mut rng)?;
    let mut taken = vec![false; GAGGLES];
    for &i in &planted_at {
        taken[i] = true;
    }
    let mut social = Vec::with_capacity(SOCIAL_GAGGLES);
    for _ in 0..SOCIAL_GAGGLES {
        let i = free_index(&mut rng, &taken, 0, GAGGLES).context("no free social gaggle")?;
        taken[i] = true;
        social.push(i);
    }
    let ordinary: Vec<usize> = (0..GAGGLES).filter(|&i| !taken[i]).collect();

    let companies = draw_companies(&mut rng)?;
    let owners = assign_companies(&mut rng, companies.len(), ordinary.len())?;

    let mut affiliations: Vec<Option<(String, Affiliation)>> = vec![None; GAGGLES];
    for (p, &i) in planted::GAGGLES.iter().zip(&planted_at) {
        let domains = p
            .domains
            .iter()
            .map(|&d| Domain {
                camel: names::camel(planted::DOMAINS[d].words),
                tld: planted::DOMAINS[d].tld.to_string(),
            })
            .collect();
        let affiliation = Affiliation::Company {
            domains,
            min_corporate: p.min_corporate,
            planted: true,
        };
        affiliations[i] = Some((p.name.to_string(), affiliation));
    }
    for (&i, name) in social.iter().zip(social_names(&mut rng, social.len())) {
        affiliations[i] = Some((name, Affiliation::Social));
    }
    let gaggle_names = company_gaggle_names(&mut rng, &companies, &owners);
    for ((&i, &c), name) in ordinary.iter().zip(&owners).zip(gaggle_names) {
        let affiliation = Affiliation::Company {
            domains: vec![companies[c].domain.clone()],
            min_corporate: 1,
            planted: false,
        };
        affiliations[i] = Some((name, affiliation));
    }

    let mut layout = Layout {
        gaggles: Vec::with_capacity(GAGGLES),
        planted: planted_at,
        hosts: draw_hosts(&mut rng, &ordinary)?,
    };
    let mut planted_accounts = vec![0; GAGGLES];
    for account in planted::accounts() {
        planted_accounts[layout.home(account.home)] += 1;
    }
    for (i, slot) in affiliations.into_iter().enumerate() {
        let (name, affiliation) = slot.with_context(|| format!("gaggle {i} has no role"))?;
        layout.gaggles.push(Plan {
            name,
            created_at: times[i],
            affiliation,
            size: 0,
            planted_accounts: planted_accounts[i],
        });
    }
    draw_sizes(&mut rng, &mut layout.gaggles)?;
    Ok(layout)
}

/// Places the planted gaggles in their slots, keeping the pairs of
/// [`planted::CREATED_IN_ORDER`] in order of creation.
fn place_planted(rng: &mut Rng) -> Result<Vec<usize>> {
    let mut taken = vec![false; GAGGLES];
    let mut placed = Vec::with_capacity(planted::GAGGLES.len());
    for g in &planted::GAGGLES {
        let (start, end) = match g.slot {
            Slot::At(i) => (i, i + 1),
            Slot::Within(start, end) => (start, end),
        };
        let i = free_index(rng, &taken, start, end)
            .with_context(|| format!("no free slot for planted gaggle {}", g.name))?;
        taken[i] = true;
        placed.push(i);
    }
    for &(first, second) in &planted::CREATED_IN_ORDER {
        if placed[first] > placed[second] {
            placed.swap(first, second);
        }
    }
    for (g, &i) in planted::GAGGLES.iter().zip(&placed) {
        let fits = match g.slot {
            Slot::At(at) => i == at,
            Slot::Within(start, end) => (start..end).contains(&i),
        };
        ensure!(fits, "planted gaggle {} left its slot", g.name);
    }
    Ok(placed)
}

/// `count` distinct names for social gaggles.
fn social_names(rng: &mut Rng, count: usize) -> Vec<String> {
    let mut used = HashSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let name = format!(
            "{} {}",
            rng.pick(names::SOCIAL_WORDS),
            rng.pick(names::SOCIAL_NOUNS)
        );
        if used.insert(name.clone()) {
            out.push(name);
        }
    }
    out
}

/// The name of each ordinary gaggle, given the company that `owners` says
/// owns it (in order of creation): a company's first gaggle carries its plain
/// name, later ones add a distinct team name.
fn company_gaggle_names(rng: &mut Rng, companies: &[Company], owners: &[usize]) -> Vec<String> {
    let mut suffixes_used: Vec<Vec<&str>> = vec![Vec::new(); companies.len()];
    let mut out = Vec::with_capacity(owners.len());
    for &c in owners {
        let company = &companies[c];
        let used = &mut suffixes_used[c];
        if used.is_empty() {
            used.push("");
            out.push(company.words.clone());
            continue;
        }
        let suffix = loop {
            let s = *rng.pick(names::GAGGLE_SUFFIXES);
            if !used.contains(&s) {
                break s;
            }
        };
        used.push(suffix);
        out.push(format!("{} {}", company.words, suffix));
    }
    out
}

/// A random index in `start..end` that is not taken yet, if any.
fn free_index(rng: &mut Rng, taken: &[bool], start: usize, end: usize) -> Option<usize> {
    let free: Vec<usize> = (start..end.min(taken.len()))
        .filter(|&i| !taken[i])
        .collect();
    (!free.is_empty()).then(|| free[rng.index(free.len())])
}

/// Draws the ordinary companies: every team, then invented names, each with
/// a unique domain label that no planted domain uses.
fn draw_companies(rng: &mut Rng) -> Result<Vec<Company>> {
    let wanted = CORPORATE_DOMAINS
        .checked_sub(planted::DOMAINS.len())
        .context("more planted domains than domains")?;
    let mut labels: HashSet<String> = planted::DOMAINS
        .iter()
        .map(|d| squash(d.words))
        .chain(names::PERSONAL_DOMAINS.iter().map(|(d, _)| squash(d)))
        .collect();
    let mut words: Vec<String> = names::TEAMS.iter().map(|t| t.to_string()).collect();
    rng.shuffle(&mut words);
    words.truncate(wanted);
    let mut companies = Vec::with_capacity(wanted);
    let mut attempts = 0;
    while companies.len() < wanted {
        let words = match words.pop() {
            Some(team) => team,
            None => {
                attempts += 1;
                if attempts > 100_000 {
                    bail!("ran out of company names");
                }
                format!(
                    "{} {}",
                    rng.pick(names::COMPANY_WORDS),
                    rng.pick(names::COMPANY_NOUNS)
                )
            }
        };
        if !labels.insert(squash(&words)) {
            continue;
        }
        let tld = *rng.weighted(names::TLDS);
        let domain = Domain {
            camel: names::camel(&words),
            tld: tld.to_string(),
        };
        companies.push(Company { words, domain });
    }
    rng.shuffle(&mut companies);
    Ok(companies)
}

/// Which company owns each of `slots` ordinary gaggles: every company at
/// least one, the shared ones (a fixed count of them) two or more.
fn assign_companies(rng: &mut Rng, companies: usize, slots: usize) -> Result<Vec<usize>> {
    let shared = SHARED_DOMAINS - planted_shared_domains();
    ensure!(shared <= companies, "more shared domains than companies");
    let mut counts = vec![1; companies];
    for c in counts.iter_mut().take(shared) {
        *c = 2;
    }
    let extra = slots
        .checked_sub(companies + shared)
        .context("too few gaggles for the companies")?;
    ensure!(
        extra <= shared * (MAX_COMPANY_GAGGLES - 2),
        "too many gaggles for the shared companies"
    );
    for _ in 0..extra {
        loop {
            let c = rng.index(shared);
            if counts[c] < MAX_COMPANY_GAGGLES {
                counts[c] += 1;
                break;
            }
        }
    }
    let mut owners: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(c, &n)| std::iter::repeat_n(c, n))
        .collect();
    rng.shuffle(&mut owners);
    Ok(owners)
}

/// How many planted domains appear in more than one planted gaggle.
fn planted_shared_domains() -> usize {
    (0..planted::DOMAINS.len())
        .filter(|d| {
            planted::GAGGLES
                .iter()
                .filter(|g| g.domains.contains(d))
                .count()
                > 1
        })
        .count()
}

/// Draws the ordinary gaggles that host an old account of a merged person:
/// distinct, and created early enough (index below 700) to leave room for
/// the person's later account.
fn draw_hosts(rng: &mut Rng, ordinary: &[usize]) -> Result<Vec<usize>> {
    let early: Vec<usize> = ordinary.iter().copied().filter(|&i| i < 700).collect();
    ensure!(early.len() >= planted::HOSTS, "too few early gaggles");
    let mut hosts = Vec::with_capacity(planted::HOSTS);
    while hosts.len() < planted::HOSTS {
        let i = *rng.pick(&early);
        if !hosts.contains(&i) {
            hosts.push(i);
        }
    }
    Ok(hosts)
}

/// Draws each gaggle's size in its allowed range, then nudges random gaggles
/// up or down until the sizes add up to exactly [`USERS`].
fn draw_sizes(rng: &mut Rng, gaggles: &mut [Plan]) -> Result<()> {
    let least: Vec<usize> = gaggles
        .iter()
        .map(|g| {
            let ordinary = match g.affiliation {
                Affiliation::Social => 1,
                Affiliation::Company { min_corporate, .. } => min_corporate.max(1),
            };
            g.planted_accounts + ordinary
        })
        .collect();
    let low: usize = least.iter().sum();
    ensure!(
        low <= USERS && USERS <= gaggles.len() * MAX_GAGGLE_USERS,
        "cannot spread {USERS} users over the gaggles"
    );
    for (g, &min) in gaggles.iter_mut().zip(&least) {
        ensure!(min <= MAX_GAGGLE_USERS, "gaggle {} is too full", g.name);
        g.size = rng.between(min as i64, MAX_GAGGLE_USERS as i64) as usize;
    }
    let mut total: usize = gaggles.iter().map(|g| g.size).sum();
    while total != USERS {
        let i = rng.index(gaggles.len());
        if total > USERS && gaggles[i].size > least[i] {
            gaggles[i].size -= 1;
            total -= 1;
        } else if total < USERS && gaggles[i].size < MAX_GAGGLE_USERS {
            gaggles[i].size += 1;
            total += 1;
        }
    }
    Ok(())
}
