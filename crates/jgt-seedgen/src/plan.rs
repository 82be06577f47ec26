//! Puts the generator's stages together: gaggles, then users, then events,
//! then a check of the result.

use anyhow::{Context, Result};

use crate::model::{Dataset, Gaggle};
use crate::{check, events, gaggles, people};

/// Generates copy 0 of the seed (the `--scale 1` data) for `seed`.
pub fn generate(seed: u64) -> Result<Dataset> {
    let layout = gaggles::lay_out(seed).context("laying out the gaggles")?;
    let people = people::draw(&layout, seed).context("drawing the users")?;
    let events = events::draw(&people.users, &people.roles, seed);
    let gaggles = layout
        .gaggles
        .into_iter()
        .map(|g| Gaggle {
            name: g.name,
            created_at: g.created_at,
        })
        .collect();
    let data = Dataset {
        gaggles,
        users: people.users,
        events,
    };
    check::validate(&data).with_context(|| format!("seed {seed} breaks a promise"))?;
    Ok(data)
}
