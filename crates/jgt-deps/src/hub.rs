//! The dbt package hub's JSON API, as dbt reads it: `api/v1/index.json`
//! lists every package, `api/v1/<org>/<name>.json` maps each version to its
//! project name, tarball URL and own `packages`.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use serde_json::Value as Json;

use crate::error::DepsError;
use crate::spec::{nearest, parse_list, Spec};

/// The hub dbt uses when no variable overrides it.
pub const DEFAULT_HUB: &str = "https://hub.getdbt.com/";

/// Tarballs larger than this are refused (dbt_utils is well under 1 MB).
const MAX_DOWNLOAD: u64 = 256 * 1024 * 1024;

/// What the hub says about one version of a package.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    /// The package's project name (its folder under the install path).
    pub name: String,
    /// Where its `.tar.gz` is.
    pub tarball: String,
    /// The packages it needs itself.
    pub packages: Vec<Spec>,
}

/// A hub client that fetches each document once.
pub struct Hub {
    base: String,
    agent: ureq::Agent,
    index: Option<Vec<String>>,
    packages: HashMap<String, Json>,
}

impl Hub {
    /// A client for `JGT_HUB_URL`, else `DBT_PACKAGE_HUB_URL`, else the public hub.
    pub fn from_env() -> Hub {
        let base = ["JGT_HUB_URL", "DBT_PACKAGE_HUB_URL"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
            .unwrap_or_else(|| DEFAULT_HUB.to_string());
        Hub::new(&base)
    }

    /// A client for the hub at `base`.
    pub fn new(base: &str) -> Hub {
        let mut base = base.trim().to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build();
        Hub {
            base,
            agent: config.into(),
            index: None,
            packages: HashMap::new(),
        }
    }

    /// The versions the hub lists for `package` (`org/name`), unsorted.
    pub fn versions(&mut self, package: &str) -> Result<Vec<String>, DepsError> {
        let doc = self.package(package)?;
        Ok(doc["versions"]
            .as_object()
            .map(|v| v.keys().cloned().collect())
            .unwrap_or_default())
    }

    /// What the hub says about `package` at `version`.
    pub fn version(&mut self, package: &str, version: &str) -> Result<VersionInfo, DepsError> {
        let url = self.url(package);
        let doc = self.package(package)?;
        let bad = |what: &str| DepsError::Http {
            url: url.clone(),
            message: format!("version {version} {what}"),
        };
        let info = doc["versions"]
            .get(version)
            .ok_or_else(|| bad("is not listed"))?;
        let name = info["name"]
            .as_str()
            .ok_or_else(|| bad("has no `name`"))?
            .to_string();
        let tarball = info["downloads"]["tarball"]
            .as_str()
            .ok_or_else(|| bad("has no `downloads.tarball`"))?
            .to_string();
        let list: serde_yaml::Value = serde_yaml::to_value(&info["packages"])
            .map_err(|e| bad(&format!("has unreadable `packages`: {e}")))?;
        let origin = PathBuf::from(format!("{url} (version {version})"));
        let packages = parse_list(&list, &origin, |_| 0)?;
        Ok(VersionInfo {
            name,
            tarball,
            packages,
        })
    }

    /// Downloads `url` (a tarball) into memory.
    pub fn download(&self, url: &str) -> Result<Vec<u8>, DepsError> {
        let mut response = self.agent.get(url).call().map_err(|e| http(url, e))?;
        let mut bytes = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_DOWNLOAD)
            .read_to_end(&mut bytes)
            .map_err(|e| DepsError::Http {
                url: url.to_string(),
                message: format!("the download broke off: {e}"),
            })?;
        Ok(bytes)
    }

    /// The package's document, fetched once; not found when the index lacks it.
    fn package(&mut self, package: &str) -> Result<&Json, DepsError> {
        if !self.packages.contains_key(package) {
            let base = self.base.clone();
            let index = self.index()?;
            if !index.iter().any(|p| p == package) {
                return Err(DepsError::HubNotFound {
                    package: package.to_string(),
                    hub: base,
                    suggestion: nearest(package, index.iter().map(String::as_str)),
                });
            }
            let url = self.url(package);
            let doc = self.get_json(&url)?;
            if !doc.get("versions").is_some_and(Json::is_object) {
                return Err(DepsError::Http {
                    url,
                    message: "the answer has no `versions` mapping".into(),
                });
            }
            self.packages.insert(package.to_string(), doc);
        }
        Ok(&self.packages[package])
    }

    /// The hub's list of packages, fetched once.
    fn index(&mut self) -> Result<&Vec<String>, DepsError> {
        if self.index.is_none() {
            let url = format!("{}api/v1/index.json", self.base);
            let doc = self.get_json(&url)?;
            let names = doc
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                })
                .ok_or_else(|| DepsError::Http {
                    url,
                    message: "the index is not a list of package names".into(),
                })?;
            self.index = Some(names);
        }
        Ok(self.index.as_ref().expect("the index was just fetched"))
    }

    /// The URL of a package's document.
    fn url(&self, package: &str) -> String {
        format!("{}api/v1/{package}.json", self.base)
    }

    /// GETs and parses a JSON document.
    fn get_json(&self, url: &str) -> Result<Json, DepsError> {
        let mut response = self.agent.get(url).call().map_err(|e| http(url, e))?;
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| http(url, e))?;
        serde_json::from_str(&text).map_err(|e| DepsError::Http {
            url: url.to_string(),
            message: format!("the answer is not JSON: {e}"),
        })
    }
}

/// An HTTP failure as a [`DepsError::Http`].
fn http(url: &str, err: ureq::Error) -> DepsError {
    let message = match err {
        ureq::Error::StatusCode(code) => format!("the server answered HTTP {code}"),
        other => format!("{other}; check the network or JGT_HUB_URL"),
    };
    DepsError::Http {
        url: url.to_string(),
        message,
    }
}
