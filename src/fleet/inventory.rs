//! `--expect`: the nodes a fleet must have, named one by one or by an Ansible inventory file
//! (INI, or YAML for `.yml`/`.yaml`/`.json`), whose hosts are the names Ansible's fetch gives
//! the node directories (`inventory_hostname`).

use anyhow::{Result, bail};
use std::path::Path;
use yaml_rust2::{Yaml, YamlLoader};

/// Host names the Ansible play leaves out (it runs `preflight fleet` there: `all:!localhost`).
const CONTROLLER: &str = "localhost";

/// The expected node names of the `--expect` values, in order and without repeats: a value
/// that is a file is an inventory; any other is a node name. `None` when none was given.
pub fn expected(values: &[String]) -> Result<Option<Vec<String>>> {
    if values.is_empty() {
        return Ok(None);
    }
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        let path = Path::new(v);
        let names = if path.is_file() {
            hosts(path)?
        } else if looks_like_a_file(v) {
            bail!(
                "--expect {v}: no such inventory file (give an Ansible inventory, or node names)"
            );
        } else {
            vec![v.to_string()]
        };
        for n in names {
            if seen.insert(n.clone()) {
                out.push(n);
            }
        }
    }
    Ok(Some(out))
}

fn looks_like_a_file(v: &str) -> bool {
    v.contains('/')
        || [".ini", ".yml", ".yaml", ".json"]
            .iter()
            .any(|x| v.ends_with(x))
}

/// Every host of an inventory file but the controller; an inventory without hosts is an error.
fn hosts(file: &Path) -> Result<Vec<String>> {
    let text = crate::io::read_input(file, 16 << 20).map_err(anyhow::Error::msg)?;
    let yaml = file
        .extension()
        .is_some_and(|x| x == "yml" || x == "yaml" || x == "json");
    let parsed = if yaml {
        yaml_hosts(&text)
    } else {
        ini_hosts(&text)
    };
    let hosts: Vec<String> = match parsed {
        Ok(h) => h.into_iter().filter(|h| h != CONTROLLER).collect(),
        Err(e) => bail!("{}: not an Ansible inventory: {e}", file.display()),
    };
    if hosts.is_empty() {
        bail!(
            "{}: the inventory lists no hosts, so no node could be expected",
            file.display()
        );
    }
    let mut seen = std::collections::HashSet::new();
    Ok(hosts
        .into_iter()
        .filter(|h| seen.insert(h.clone()))
        .collect())
}

/// The hosts of an INI inventory: the first word of each line in a group section (or before
/// any); `[group:vars]` and `[group:children]` sections name no hosts.
fn ini_hosts(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut in_hosts = true;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[') {
            let Some(name) = section.split(['#', ';']).next().map(str::trim) else {
                continue;
            };
            let Some(name) = name.strip_suffix(']') else {
                return Err(format!("line {}: a section header without `]`", n + 1));
            };
            in_hosts = !(name.ends_with(":vars") || name.ends_with(":children"));
            continue;
        }
        if in_hosts {
            let word = line.split_whitespace().next().unwrap_or_default();
            out.extend(expand(without_port(word)).map_err(|e| format!("line {}: {e}", n + 1))?);
        }
    }
    Ok(out)
}

/// The hosts of a YAML inventory: each group's `hosts` keys, and its `children`'s, at any depth.
fn yaml_hosts(text: &str) -> Result<Vec<String>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for doc in &docs {
        match doc {
            Yaml::Hash(groups) => {
                for group in groups.values() {
                    group_hosts(group, &mut out)?;
                }
            }
            Yaml::Null => {}
            _ => return Err("the top level is not a map of groups".into()),
        }
    }
    Ok(out)
}

fn group_hosts(group: &Yaml, out: &mut Vec<String>) -> Result<(), String> {
    let Yaml::Hash(g) = group else {
        return Ok(()); // `ungrouped:` with nothing under it
    };
    if let Some(Yaml::Hash(hosts)) = g.get(&Yaml::String("hosts".into())) {
        for h in hosts.keys() {
            let name = match h {
                Yaml::String(s) => s.clone(),
                Yaml::Integer(i) => i.to_string(),
                Yaml::Real(r) => r.clone(),
                _ => return Err(format!("a host name is not text: {h:?}")),
            };
            out.extend(expand(without_port(&name))?);
        }
    }
    if let Some(Yaml::Hash(children)) = g.get(&Yaml::String("children".into())) {
        for child in children.values() {
            group_hosts(child, out)?;
        }
    }
    Ok(())
}

/// `db.example.com:5432` → `db.example.com` (Ansible's host:port form; colons in a range
/// `[1:3]` or of an IPv6 address are kept).
fn without_port(host: &str) -> &str {
    let mut depth = 0usize;
    let mut colons = Vec::new();
    for (i, c) in host.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => colons.push(i),
            _ => {}
        }
    }
    match colons.as_slice() {
        [i] if host[i + 1..].bytes().all(|b| b.is_ascii_digit()) && i + 1 < host.len() => {
            &host[..*i]
        }
        _ => host,
    }
}

/// Ansible's host ranges: `web[01:03].example.com` → web01, web02, web03; `db-[a:c]`;
/// `[1:9:2]` with a stride; several ranges in one name multiply.
fn expand(pattern: &str) -> Result<Vec<String>, String> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let Some(close) = pattern[open..].find(']').map(|c| open + c) else {
        return Err(format!("`{pattern}`: a host range without `]`"));
    };
    let (head, range, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let items = range_items(range).map_err(|e| format!("`{pattern}`: {e}"))?;
    // The leftmost range varies slowest, as Ansible lists them.
    let rests = expand(tail)?;
    let mut ordered = Vec::with_capacity(items.len() * rests.len());
    for item in &items {
        for rest in &rests {
            ordered.push(format!("{head}{item}{rest}"));
        }
    }
    Ok(ordered)
}

/// `01:03` → 01, 02, 03; `a:c` → a, b, c; an optional third part is the stride.
fn range_items(range: &str) -> Result<Vec<String>, String> {
    let parts: Vec<&str> = range.split(':').collect();
    let (start, end, stride) = match parts.as_slice() {
        [s, e] => (*s, *e, 1),
        [s, e, st] => (
            *s,
            *e,
            st.parse::<usize>()
                .map_err(|_| format!("stride `{st}` is not a number"))?,
        ),
        _ => {
            return Err(format!(
                "`[{range}]` is not a range (write [01:20] or [a:f])"
            ));
        }
    };
    if stride == 0 {
        return Err("a stride of 0".into());
    }
    if let (Ok(a), Ok(b)) = (start.parse::<u64>(), end.parse::<u64>()) {
        let width = if start.starts_with('0') {
            start.len()
        } else {
            0
        };
        return Ok((a..=b)
            .step_by(stride)
            .map(|i| format!("{i:0width$}"))
            .collect());
    }
    let letter = |s: &str| {
        let mut c = s.chars();
        match (c.next(), c.next()) {
            (Some(ch), None) if ch.is_ascii_alphabetic() => Some(ch as u8),
            _ => None,
        }
    };
    match (letter(start), letter(end)) {
        (Some(a), Some(b)) => Ok((a..=b)
            .step_by(stride)
            .map(|c| (c as char).to_string())
            .collect()),
        _ => Err(format!(
            "`[{range}]` is not a range of numbers or of letters"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_hosts_are_the_hosts_of_every_group_with_ranges_expanded() {
        let ini = "\
# the APIM fleet
lb.example.com ansible_host=10.0.0.1

[control_plane]
cp[1:2] ansible_user=wso2carbon

[gateways]
gw[01:03].example.com:2222
gw-[a:b]

[gateways:vars]
preflight_profile=gateway-worker

[apim:children]
control_plane
gateways

[local]
localhost ansible_connection=local ; the controller
";
        let hosts = ini_hosts(ini).unwrap();
        assert_eq!(
            hosts,
            [
                "lb.example.com",
                "cp1",
                "cp2",
                "gw01.example.com",
                "gw02.example.com",
                "gw03.example.com",
                "gw-a",
                "gw-b",
                "localhost"
            ]
        );
        assert!(
            ini_hosts("[broken\nhost1\n")
                .unwrap_err()
                .contains("line 1")
        );
        assert!(ini_hosts("web[1-3]\n").unwrap_err().contains("not a range"));
    }

    #[test]
    fn yaml_hosts_are_found_in_nested_children() {
        let yaml = "\
all:
  hosts:
    lb.example.com:
  children:
    apim:
      children:
        control_plane:
          hosts:
            cp1:
              ansible_host: 10.0.0.2
            cp2:
        gateways:
          hosts:
            gw[1:5:2]:
          vars:
            preflight_profile: gateway-worker
    ungrouped:
";
        assert_eq!(
            yaml_hosts(yaml).unwrap(),
            ["lb.example.com", "cp1", "cp2", "gw1", "gw3", "gw5"]
        );
        assert!(yaml_hosts("- a\n- b\n").is_err());
        assert!(yaml_hosts("all: [\n").is_err());
    }

    #[test]
    fn expect_mixes_names_and_inventories_and_refuses_a_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let inv = dir.path().join("hosts.yml");
        std::fs::write(&inv, "all:\n  hosts:\n    cp1:\n    localhost:\n    gw1:\n").unwrap();
        let values = [inv.display().to_string(), "gw1".into(), "gw2".into()];
        let got = expected(&values).unwrap().unwrap();
        assert_eq!(got, ["cp1", "gw1", "gw2"]);
        assert_eq!(expected(&[]).unwrap(), None);
        let missing = expected(&["inventory/prod.ini".into()]).unwrap_err();
        assert!(
            missing.to_string().contains("no such inventory file"),
            "{missing}"
        );
        let empty = dir.path().join("empty.ini");
        std::fs::write(&empty, "[apim:vars]\nx=1\n").unwrap();
        let e = hosts(&empty).unwrap_err().to_string();
        assert!(e.contains("lists no hosts"), "{e}");
    }
}
