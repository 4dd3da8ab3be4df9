//! `preflight rules list` groups the pack as CHECKLIST.md does: every checklist id is listed under
//! the heading of its checklist section, and the sections come in the checklist's order.

mod common;
use common::*;

fn checklist_sections() -> Option<Vec<(String, Vec<String>)>> {
    let text = checklist()?;
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            sections.push((h.trim().to_string(), Vec::new()));
        } else if let (Some(last), Some(row)) = (sections.last_mut(), line.strip_prefix("| ")) {
            let id = row.split('|').next().unwrap_or("").trim();
            if id.contains('.') && !id.contains(' ') {
                last.1.push(id.to_string());
            }
        }
    }
    sections.retain(|(h, ids)| !ids.is_empty() && !h.starts_with("Fleet"));
    Some(sections)
}

#[test]
fn rules_list_groups_like_the_checklist() {
    let Some(sections) = checklist_sections() else {
        return;
    };
    let out = preflight().args(["rules", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.ends_with(" rules") {
            continue;
        }
        if !line.starts_with(' ') {
            groups.push((line.trim().to_string(), Vec::new()));
        } else if let Some(g) = groups.last_mut() {
            g.1.push(line.split_whitespace().next().unwrap().to_string());
        }
    }
    let titles: Vec<&String> = groups.iter().map(|g| &g.0).collect();
    let expected: Vec<String> = sections.iter().map(|s| s.0.clone()).collect();
    assert_eq!(
        titles,
        expected.iter().collect::<Vec<_>>(),
        "group headings and order"
    );
    for (heading, ids) in &sections {
        let group = &groups.iter().find(|g| &g.0 == heading).unwrap().1;
        for id in ids {
            assert!(group.contains(id), "{id} is not listed under `{heading}`");
        }
    }
}
