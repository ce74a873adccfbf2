//! create-org's edit of the cluster's `kustomization.yaml`: the organization added to its
//! `resources:` list as YAML, in the list's own style, or refused with why when the edit cannot
//! be proven to keep the list (the preflight asks first, so a refusal comes before any write).

use serde::Deserialize;

/// A kustomization.yaml as far as the registration reads it.
#[derive(Deserialize)]
struct Kustomization {
    resources: Option<Vec<String>>,
}

/// The `resources:` list of a kustomization.yaml, parsed as YAML.
fn resources_of(kustomization: &str) -> Result<Vec<String>, String> {
    serde_saphyr::from_str::<Kustomization>(kustomization)
        .map(|k| k.resources.unwrap_or_default())
        .map_err(|e| {
            let e = e.to_string();
            let first = e.lines().find(|l| !l.trim().is_empty()).unwrap_or_default();
            let first = first.trim().trim_start_matches("error: ");
            format!("not a kustomization whose resources opsdeck can read ({first})")
        })
}

/// Whether `item` is in the `resources:` list.
pub(super) fn registered(kustomization: &str, item: &str) -> Result<bool, String> {
    Ok(resources_of(kustomization)?.iter().any(|r| r == item))
}

/// Adds `item` to the `resources:` list of a kustomization.yaml as YAML, in the list's own style:
/// the new item goes right after the list's last one with the same indentation (`- x` at column
/// 0, as `kustomize edit` writes it, or `  - x`) and quoting; every other byte of the file is
/// kept. Unchanged when `item` is listed already. A list it cannot edit provably (a flow list
/// `[a, b]`, items over several lines, tabs) is refused with why, and the result is parsed again:
/// the list must have gained exactly `item` at its end and lost nothing.
pub(super) fn register(kustomization: &str, item: &str) -> Result<String, String> {
    let before = resources_of(kustomization)?;
    if before.iter().any(|r| r == item) {
        return Ok(kustomization.to_string());
    }
    let lines: Vec<&str> = kustomization.split_inclusive('\n').collect();
    let keys: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("resources:"))
        .map(|(i, _)| i)
        .collect();
    let next = match keys[..] {
        [] if before.is_empty() => {
            // No list yet: one at the end, in the indented style.
            let mut next = kustomization.to_string();
            if !next.is_empty() && !next.ends_with('\n') {
                next.push('\n');
            }
            next.push_str(&format!("resources:\n  - {item}\n"));
            next
        }
        [k] => insert_item(&lines, k, item)?,
        _ => {
            return Err(format!(
                "its resources list is not one top-level `resources:` block that opsdeck can edit: add `{item}` to it by hand"
            ));
        }
    };
    let after = resources_of(&next)
        .map_err(|e| format!("adding {item} as text would break the file ({e}): add it by hand"))?;
    let mut expected = before;
    expected.push(item.to_string());
    if after != expected {
        return Err(format!(
            "adding {item} as text would not give the list with it added (it would read {after:?}): add it by hand"
        ));
    }
    Ok(next)
}

/// `lines` (with their line ends) with `item` added to the block list under the `resources:` key
/// on line `key`.
fn insert_item(lines: &[&str], key: usize, item: &str) -> Result<String, String> {
    let by_hand = |why: &str| {
        format!(
            "its resources list {why}: opsdeck edits only a block list of one-line items (`- item` each on its own line); add `{item}` by hand"
        )
    };
    let value = lines[key]["resources:".len()..].trim();
    if !value.is_empty() && !value.starts_with('#') {
        return Err(by_hand(&format!(
            "is written inline (`resources: {value}`, a flow list)"
        )));
    }
    // The list's items: their indentation, and the last one.
    let mut indent: Option<usize> = None;
    let mut last = None;
    for (i, line) in lines.iter().enumerate().skip(key + 1) {
        let text = line.trim_end_matches(['\n', '\r']);
        let content = text.trim_start_matches(' ');
        let col = text.len() - content.len();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with('\t') {
            return Err(by_hand("is indented with tabs"));
        }
        let is_item = content.starts_with("- ");
        match indent {
            None if is_item => {
                indent = Some(col);
                last = Some(i);
            }
            // The next key: the list is empty.
            None if col == 0 => break,
            None => return Err(by_hand("is not a list of items")),
            Some(ind) if col == ind && is_item => last = Some(i),
            // The next key, or the end of the document.
            Some(ind) if col < ind || (col == 0 && !is_item) => break,
            Some(_) => return Err(by_hand("has an item over several lines, or nested")),
        }
    }
    let (at, prefix, quote) = match last {
        Some(i) => {
            let text = lines[i].trim_end_matches(['\n', '\r']);
            let dash = text.len() - text.trim_start_matches(' ').len();
            let value = text[dash + 1..].trim_start_matches(' ');
            let prefix = &text[..text.len() - value.len()];
            let quote = match value.chars().next() {
                Some('"') => "\"",
                Some('\'') => "'",
                _ => "",
            };
            (i, prefix.to_string(), quote)
        }
        // `resources:` with no item yet: the indented style.
        None => (key, "  - ".to_string(), ""),
    };
    let eol = if lines[at].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        if i == at {
            if !line.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&format!("{prefix}{quote}{item}{quote}{eol}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_goes_into_resources() {
        let k = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - organizations/numinia\n  - organizations/r3s3t\npatches: []\n";
        let out = register(k, "organizations/acme").unwrap();
        assert_eq!(
            out,
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - organizations/numinia\n  - organizations/r3s3t\n  - organizations/acme\npatches: []\n"
        );
        assert_eq!(register(&out, "organizations/acme").unwrap(), out, "once");
        assert!(registered(&out, "organizations/acme").unwrap());
        assert!(!registered(k, "organizations/acme").unwrap());
        assert!(
            register("kind: Kustomization\n", "organizations/acme")
                .unwrap()
                .ends_with("resources:\n  - organizations/acme\n")
        );
    }

    #[test]
    fn registration_keeps_the_list_style() {
        // `kustomize edit` writes the items at column 0.
        assert_eq!(
            register(
                "resources:\n- organizations/numinia\n- organizations/r3s3t\n",
                "organizations/acme"
            )
            .unwrap(),
            "resources:\n- organizations/numinia\n- organizations/r3s3t\n- organizations/acme\n"
        );
        // Comments, the next key, quotes, CRLF and no final newline are kept.
        assert_eq!(
            register(
                "# the cluster\nresources:  # orgs\n    - \"organizations/numinia\"\n    # - organizations/old\n    - \"organizations/r3s3t\" # the other\n\n# tail\npatches:\n- path: p.yaml\n",
                "organizations/acme"
            )
            .unwrap(),
            "# the cluster\nresources:  # orgs\n    - \"organizations/numinia\"\n    # - organizations/old\n    - \"organizations/r3s3t\" # the other\n    - \"organizations/acme\"\n\n# tail\npatches:\n- path: p.yaml\n"
        );
        assert_eq!(
            register("resources:\r\n- a\r\n", "organizations/acme").unwrap(),
            "resources:\r\n- a\r\n- organizations/acme\r\n"
        );
        assert_eq!(
            register("resources:\n- a", "organizations/acme").unwrap(),
            "resources:\n- a\n- organizations/acme\n"
        );
        assert_eq!(
            register("resources:\nkind: Kustomization\n", "organizations/acme").unwrap(),
            "resources:\n  - organizations/acme\nkind: Kustomization\n"
        );
    }

    #[test]
    fn registration_refuses_what_it_cannot_edit_provably() {
        for (k, why) in [
            ("resources: [organizations/numinia]\n", "flow list"),
            ("resources: []\n", "flow list"),
            // The unindented item the old text edit appended: one item over two lines.
            (
                "resources:\n- organizations/numinia\n  - organizations/old\n",
                "several lines",
            ),
            (
                "resources:\n- organizations/numinia\n  more\n",
                "several lines",
            ),
            // Not read as YAML: never edited as text.
            ("resources:\n- a\nresources:\n- b\n", "duplicate"),
            ("resources:\n\t- a\n", "can read"),
            ("resources: {a: b}\n", "can read"),
            ("resources:\n- a\n---\nkind: Kustomization\n", "can read"),
        ] {
            let e = register(k, "organizations/acme").unwrap_err();
            assert!(e.contains(why), "{k:?}: {e}");
        }
    }
}
