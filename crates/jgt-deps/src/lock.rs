//! `package-lock.yml`: what was resolved, written in the shape dbt 1.7+
//! writes, with the `sha1_hash` of the packages list it came from.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value as Json;
use serde_yaml::Value;
use sha1::{Digest, Sha1};

use crate::error::DepsError;
use crate::spec::{item_lines, yaml, yaml_error, Spec};

/// The lock file's name, in the project folder.
pub const LOCK_FILE: &str = "package-lock.yml";

/// A package pinned to one exact version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pinned {
    /// A local folder, as written in the packages file.
    Local {
        /// The path, relative to the project folder.
        path: String,
    },
    /// A git repository at one commit.
    Git {
        /// The repository URL.
        url: String,
        /// The full commit hash.
        revision: String,
        /// The folder inside the repository, if any.
        subdirectory: Option<String>,
    },
    /// A hub package at one version.
    Hub {
        /// `org/name`.
        package: String,
        /// The exact version.
        version: String,
    },
}

/// One line of the lock: a pinned package and the folder name it installs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    /// The package's project name (its folder under the install path).
    pub name: String,
    /// What exactly to install.
    pub pinned: Pinned,
}

/// The lock file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The packages, root ones and transitive ones.
    pub packages: Vec<Locked>,
    /// The hash of the packages list the lock was resolved from.
    pub sha1_hash: Option<String>,
}

/// dbt's `sha1_hash` of a packages list: each entry as sorted-key JSON,
/// the lines sorted, joined by newlines, hashed.
pub fn sha1_hash(specs: &[Spec]) -> String {
    let mut lines: Vec<String> = specs.iter().map(|s| python_json(&s.contract)).collect();
    lines.sort();
    let digest = Sha1::digest(lines.join("\n").as_bytes());
    digest.iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// JSON as Python's `json.dumps(value, sort_keys=True)` writes it.
fn python_json(value: &Json) -> String {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .iter()
                .map(|k| format!("{}: {}", python_string(k), python_json(&map[*k])))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Json::Array(items) => {
            let items: Vec<String> = items.iter().map(python_json).collect();
            format!("[{}]", items.join(", "))
        }
        Json::String(s) => python_string(s),
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
    }
}

/// A string as Python's `json.dumps` (ensure_ascii) writes it.
fn python_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Lock {
    /// The lock as YAML, keys sorted and lists indented as dbt writes them.
    pub fn to_yaml(&self) -> String {
        let mut out = String::from("packages:\n");
        for locked in &self.packages {
            let mut fields: Vec<(&str, &str)> = vec![("name", &locked.name)];
            match &locked.pinned {
                Pinned::Local { path } => fields.push(("local", path)),
                Pinned::Git {
                    url,
                    revision,
                    subdirectory,
                } => {
                    fields.push(("git", url));
                    fields.push(("revision", revision));
                    if let Some(sub) = subdirectory {
                        fields.push(("subdirectory", sub));
                    }
                }
                Pinned::Hub { package, version } => {
                    fields.push(("package", package));
                    fields.push(("version", version));
                }
            }
            fields.sort();
            for (i, (key, value)) in fields.iter().enumerate() {
                let lead = if i == 0 { "  - " } else { "    " };
                let _ = writeln!(out, "{lead}{key}: {}", scalar(value));
            }
        }
        if let Some(hash) = &self.sha1_hash {
            let _ = writeln!(out, "sha1_hash: {}", scalar(hash));
        }
        out
    }

    /// Reads a lock file; `None` when there is none.
    pub fn read(file: &Path) -> Result<Option<Lock>, DepsError> {
        if !file.is_file() {
            return Ok(None);
        }
        let text = crate::spec::read(file)?;
        let doc: Value = serde_yaml::from_str(&text).map_err(|e| yaml_error(file, &e))?;
        let hash = doc
            .get("sha1_hash")
            .and_then(Value::as_str)
            .map(str::to_string);
        let lines = item_lines(&text, "packages");
        let items = match doc.get("packages") {
            None | Some(Value::Null) => &Vec::new(),
            Some(Value::Sequence(items)) => items,
            Some(_) => return Err(yaml(file, 1, "`packages:` must be a list")),
        };
        let packages = items
            .iter()
            .enumerate()
            .map(|(i, item)| locked(item, file, lines.get(i).copied().unwrap_or(1)))
            .collect::<Result<_, _>>()?;
        Ok(Some(Lock {
            packages,
            sha1_hash: hash,
        }))
    }
}

/// One entry of a lock file.
fn locked(item: &Value, file: &Path, line: usize) -> Result<Locked, DepsError> {
    let get = |key: &str| match item.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let bad = |what: &str| {
        yaml(
            file,
            line,
            &format!(
                "{what}; delete {} and run `jgt deps` to write it again",
                file.display()
            ),
        )
    };
    let name = get("name").ok_or_else(|| bad("a locked package has no `name:`"))?;
    let pinned = if let Some(path) = get("local") {
        Pinned::Local { path }
    } else if let Some(url) = get("git") {
        Pinned::Git {
            url,
            revision: get("revision")
                .ok_or_else(|| bad("a locked git package has no `revision:`"))?,
            subdirectory: get("subdirectory"),
        }
    } else if let Some(package) = get("package") {
        Pinned::Hub {
            package,
            version: get("version").ok_or_else(|| bad("a locked hub package has no `version:`"))?,
        }
    } else {
        return Err(bad(
            "a locked package has no `local:`, `git:` or `package:`",
        ));
    };
    Ok(Locked { name, pinned })
}

/// A YAML scalar: plain when YAML reads it back as this same string, else single-quoted.
fn scalar(s: &str) -> String {
    let plain_safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:@+~=".contains(c))
        && !s.starts_with(['-', ':', '@', '~', '='])
        && matches!(serde_yaml::from_str::<Value>(s), Ok(Value::String(ref back)) if back == s)
        && !looks_like_yaml11_special(s);
    if plain_safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Words YAML 1.1 (PyYAML) reads as booleans or numbers that YAML 1.2 does not.
fn looks_like_yaml11_special(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    ["yes", "no", "on", "off", "y", "n"].contains(&lower.as_str())
        || s.replace('_', "").parse::<f64>().is_ok()
        || (s.contains(':')
            && s.chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock() -> Lock {
        Lock {
            packages: vec![
                Locked {
                    name: "loc_pkg".into(),
                    pinned: Pinned::Local {
                        path: "../loc".into(),
                    },
                },
                Locked {
                    name: "git_pkg".into(),
                    pinned: Pinned::Git {
                        url: "file:///tmp/repo".into(),
                        revision: "8fc6a9f5abbe0ea43dbd33cf6b4f4f30101305f3".into(),
                        subdirectory: Some("sub".into()),
                    },
                },
                Locked {
                    name: "dbt_utils".into(),
                    pinned: Pinned::Hub {
                        package: "dbt-labs/dbt_utils".into(),
                        version: "1.3.0".into(),
                    },
                },
            ],
            sha1_hash: Some("e4aa24e5ae62f56573f55ef6e3ddf7eccdd802c6".into()),
        }
    }

    #[test]
    fn the_lock_is_written_as_dbt_writes_it() {
        let expected = "\
packages:
  - local: ../loc
    name: loc_pkg
  - git: file:///tmp/repo
    name: git_pkg
    revision: 8fc6a9f5abbe0ea43dbd33cf6b4f4f30101305f3
    subdirectory: sub
  - name: dbt_utils
    package: dbt-labs/dbt_utils
    version: 1.3.0
sha1_hash: e4aa24e5ae62f56573f55ef6e3ddf7eccdd802c6
";
        assert_eq!(lock().to_yaml(), expected);
    }

    #[test]
    fn the_lock_reads_back_what_it_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(LOCK_FILE);
        std::fs::write(&file, lock().to_yaml()).unwrap();
        assert_eq!(Lock::read(&file).unwrap(), Some(lock()));
    }

    #[test]
    fn strings_yaml_would_misread_are_quoted() {
        assert_eq!(scalar("1.3.0"), "1.3.0");
        assert_eq!(scalar("1.0"), "'1.0'");
        assert_eq!(scalar("123456"), "'123456'");
        assert_eq!(scalar("yes"), "'yes'");
        assert_eq!(scalar("../a b"), "'../a b'");
        assert_eq!(scalar("it's"), "'it''s'");
    }

    #[test]
    fn the_hash_matches_dbt_for_the_same_packages_file() {
        // dbt-core 1.12 wrote sha1_hash e4aa24e5... for exactly this packages.yml.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("packages.yml"),
            "packages:\n  - local: ../loc\n  - git: \"file:///tmp/dbtref/repo\"\n    revision: v1\n    subdirectory: sub\n",
        )
        .unwrap();
        let (specs, _) = crate::spec::read_packages(dir.path()).unwrap();
        assert_eq!(
            sha1_hash(&specs),
            "e4aa24e5ae62f56573f55ef6e3ddf7eccdd802c6"
        );
    }

    #[test]
    fn python_json_escapes_as_python_does() {
        let value = serde_json::json!({"b": [1, 1.5, null, true], "a": "é\"\n"});
        assert_eq!(
            python_json(&value),
            r#"{"a": "\u00e9\"\n", "b": [1, 1.5, null, true]}"#
        );
    }
}
