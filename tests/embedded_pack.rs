//! The pack compiled by the build script is the pack its files compile to, and packs compiled
//! onto it come out as if compiled together with it.

use preflight::rules::{self, PackSource, Source, load};

fn site_pack() -> PackSource {
    let file = |name: &str, text: &str| Source {
        path: format!("site/{name}"),
        text: text.into(),
    };
    PackSource {
        dir: "site".into(),
        files: vec![
            file(
                "pack.toml",
                "[pack]\nname = \"site\"\nversion = \"1.0\"\ncategories = [{ id = \"site\", title = \"Site policy\" }]\n",
            ),
            file(
                "cpu.toml",
                "[[rule]]\nid = \"host.cpu.cores\"\ntitle = \"Site CPU policy\"\ncategory = \"host\"\nfact = \"host.cpu.cores\"\nfail = \"< 8\"\noverride = true\n\n[[rule]]\nid = \"site.swap\"\ntitle = \"No swap\"\ncategory = \"site\"\nfact = \"host.swap.total\"\nfail = \"> 0\"\n",
            ),
        ],
    }
}

#[test]
fn the_pack_compiled_at_build_time_is_the_pack_its_files_compile_to() {
    let at_build = rules::embedded();
    let now = rules::compile(&rules::embedded_packs()).expect("the shipped pack compiles");
    assert!(at_build.rules.len() > 50, "{} rules", at_build.rules.len());
    assert_eq!(format!("{at_build:#?}"), format!("{now:#?}"));
}

#[test]
fn a_pack_compiled_onto_the_embedded_one_is_compiled_as_if_together() {
    let mut packs = rules::embedded_packs();
    packs.push(site_pack());
    let together = rules::compile(&packs).expect("compiles");
    let onto = load::compile_onto(rules::embedded(), &[site_pack()]).expect("compiles");
    assert_eq!(format!("{together:#?}"), format!("{onto:#?}"));
    let cpu = onto.get("host.cpu.cores").unwrap();
    assert_eq!(
        (cpu.title.as_str(), cpu.pack.as_str()),
        ("Site CPU policy", "site")
    );
    assert_eq!(onto.rules.last().map(|r| r.id.as_str()), Some("site.swap"));
}

#[test]
fn a_duplicate_of_an_embedded_rule_is_the_same_error_either_way() {
    let mut site = site_pack();
    site.files[1].text = site.files[1].text.replace("override = true\n", "");
    let mut packs = rules::embedded_packs();
    packs.push(site.clone());
    let together = rules::compile(&packs).unwrap_err().to_string();
    let onto = load::compile_onto(rules::embedded(), &[site])
        .unwrap_err()
        .to_string();
    assert_eq!(together, onto);
    assert!(
        onto.contains("site/cpu.toml:1:1: duplicate rule id `host.cpu.cores` (first defined at rules/wso2-apim/host.toml:"),
        "{onto}"
    );
}

#[test]
fn what_the_build_says_each_rule_reads_is_what_the_loaded_rule_reads() {
    let set = rules::embedded();
    let loaded: Vec<(String, String, Vec<String>)> = set
        .rules
        .iter()
        .map(|r| (r.id.clone(), r.category.clone(), r.facts()))
        .collect();
    let at_build: Vec<(String, String, Vec<String>)> = rules::embedded_reads()
        .iter()
        .map(|(id, category, facts)| {
            let facts = facts.iter().map(|f| f.to_string()).collect();
            (id.to_string(), category.to_string(), facts)
        })
        .collect();
    assert_eq!(at_build, loaded);
}

#[test]
fn the_fleet_rules_compiled_at_build_time_are_what_their_files_compile_to() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/fleet");
    let mut files: Vec<Source> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| Source {
            path: format!("rules/fleet/{}", p.file_name().unwrap().to_string_lossy()),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let now = load::compile_fleet(&files).expect("the shipped fleet rules compile");
    let at_build = preflight::fleet::rules::embedded();
    assert!(at_build.len() >= 8, "{} fleet rules", at_build.len());
    assert_eq!(format!("{at_build:#?}"), format!("{now:#?}"));
}
