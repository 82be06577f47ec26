//! Giving an unchanged manifest this invocation's id and times.
//!
//! When nothing a compile reads has changed, its manifest is byte for byte
//! the last one but for three fixed-width metadata fields
//! (`generated_at`, `invocation_id`, `invocation_started_at`). They are
//! overwritten in place, which costs a few hundred bytes instead of
//! writing tens of megabytes again.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use super::Invocation;

/// How far into the file the metadata may reach.
const HEAD: usize = 4096;

/// Overwrites the manifest's invocation fields at `path` with
/// `invocation`'s. Returns `Ok(false)`, leaving the file untouched, when
/// the file does not start with metadata of the expected shape.
pub fn restamp_manifest(path: &Path, invocation: &Invocation) -> std::io::Result<bool> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let mut head = Vec::with_capacity(HEAD);
    (&mut file).take(HEAD as u64).read_to_end(&mut head)?;
    let Some(edits) = invocation_fields(&head, invocation) else {
        return Ok(false);
    };
    for (start, value) in edits {
        file.seek(SeekFrom::Start(start as u64))?;
        file.write_all(value.as_bytes())?;
    }
    Ok(true)
}

/// Where the manifest whose first bytes are `head` holds its invocation
/// fields, each with `invocation`'s value (as wide as the old one):
/// `None` when the file does not start with metadata of that shape.
pub(crate) fn invocation_fields(
    head: &[u8],
    invocation: &Invocation,
) -> Option<Vec<(usize, String)>> {
    let metadata = invocation.metadata(super::MANIFEST_SCHEMA);
    let fields = [
        ("generated_at", metadata.generated_at),
        ("invocation_id", metadata.invocation_id),
        ("invocation_started_at", metadata.invocation_started_at),
    ];
    let mut edits = Vec::new();
    for (key, value) in fields {
        match value_span(&head[..head.len().min(HEAD)], key) {
            Some((start, len)) if len == value.len() => edits.push((start, value)),
            _ => return None,
        }
    }
    Some(edits)
}

/// Where the string value of `"key":"…"` sits in `head` (start, length),
/// looking only inside the leading `{"metadata":{…}` object.
fn value_span(head: &[u8], key: &str) -> Option<(usize, usize)> {
    let text = std::str::from_utf8(head).ok().or_else(|| {
        // The cut may split a character; the metadata comes before it.
        std::str::from_utf8(&head[..head.len().saturating_sub(4)]).ok()
    })?;
    let metadata = text.strip_prefix("{\"metadata\":{")?;
    let metadata = &metadata[..metadata.find('}')?];
    let needle = format!("\"{key}\":\"");
    let at = metadata.find(&needle)? + needle.len();
    let len = metadata[at..].find('"')?;
    Some((at + "{\"metadata\":{".len(), len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_the_three_fields_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        let old = Invocation::start();
        let meta = serde_json::to_string(&old.metadata(super::super::MANIFEST_SCHEMA)).unwrap();
        let body = format!("{{\"metadata\":{meta},\"nodes\":{{\"a\":\"generated_at\"}}}}");
        std::fs::write(&path, &body).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let new = Invocation::start();
        assert!(restamp_manifest(&path, &new).unwrap());
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(after.len(), body.len());
        let value: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(value["metadata"]["invocation_id"], new.id.as_str());
        assert_ne!(value["metadata"]["generated_at"], serde_json::json!(null));
        assert_eq!(value["nodes"]["a"], "generated_at");
        assert_eq!(
            after.replace(&new.id, &old.id).len(),
            body.len(),
            "only fixed-width fields change"
        );
    }

    #[test]
    fn leaves_a_file_of_another_shape_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        std::fs::write(&path, "{\"nodes\":{}}").unwrap();
        assert!(!restamp_manifest(&path, &Invocation::start()).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"nodes\":{}}");
    }
}
