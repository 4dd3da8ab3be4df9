//! Tests of the files probe: .properties and XML readers, file facts, real WSO2 files.
use super::*;
use std::path::PathBuf;

const PROPS: &str = "# comment\n! also a comment\n\n  a.b = 1\nc: two words  \nd  spaced\nlong = first \\\n    second\\\n    third\nesc\\=key = tab\\there \\u0041\nempty =\nodd = ends in backslash \\\\\nnext = 3\nflag=true\n";

#[test]
fn properties_forms() {
    let p = parse_properties(PROPS);
    let v = |k: &str| p.get(k).map(|x| x.value.as_str());
    assert_eq!(v("a.b"), Some("1"));
    assert_eq!(v("c"), Some("two words  "));
    assert_eq!(v("d"), Some("spaced"));
    assert_eq!(v("long"), Some("first secondthird"));
    assert_eq!(v("esc=key"), Some("tab\there A"));
    assert_eq!(v("empty"), Some(""));
    assert_eq!(v("odd"), Some("ends in backslash \\"));
    assert_eq!(v("next"), Some("3"));
    assert_eq!(line_col(PROPS, p["a.b"].offset), (4, 3));
    assert_eq!(line_col(PROPS, p["next"].offset).0, 13);
    let f = properties_fact(&parse_properties(PROPS), PROPS, "x.properties", "flag");
    assert_eq!(f.get(), Ok(&Value::Bool(true)));
    assert_eq!(f.location.unwrap().line, 14);
    assert_eq!(
        properties_fact(&parse_properties(PROPS), PROPS, "x", "nope").get(),
        Ok(&Value::Null)
    );
}

const XML: &str = r#"<?xml version="1.0"?>
<Server port="8005" xmlns:x="urn:x">
  <Service name="Catalina">
    <Connector port="9763" scheme="http"/>
    <Connector port="9443" scheme="https" maxHttpHeaderSize="8192">
      <SSLHostConfig protocols="+TLSv1.2,+TLSv1.3"/>
    </Connector>
  </Service>
  <Name> WSO2 </Name>
</Server>
"#;

#[test]
fn xml_paths() {
    let get = |p: &str| xml_fact(XML, "c.xml", p);
    let f = get("/Server/Service/Connector[@port='9443']/SSLHostConfig/@protocols");
    assert_eq!(f.get(), Ok(&Value::Str("+TLSv1.2,+TLSv1.3".into())));
    assert_eq!(f.location.as_ref().map(|l| l.line), Some(6));
    assert_eq!(get("/Server/@port").get(), Ok(&Value::Int(8005)));
    assert_eq!(
        get("/Server/Service/Connector[2]/@scheme").get(),
        Ok(&Value::Str("https".into()))
    );
    assert_eq!(
        get("/Server/Service/Connector[@scheme=\"https\"][@port='9443']/@maxHttpHeaderSize").get(),
        Ok(&Value::Int(8192))
    );
    // The first Connector has no SSLHostConfig; the search goes on to the next.
    assert!(
        get("/Server/Service/Connector/SSLHostConfig/@protocols")
            .get()
            .is_ok()
    );
    assert_eq!(get("/Server/Name").get(), Ok(&Value::Str("WSO2".into())));
    assert_eq!(get("/Server/Missing/@x").get(), Ok(&Value::Null));
    assert!(get("Server").get().is_err());
    assert!(get("/Server/Service/Connector[@port=9443]").get().is_err());
    assert!(get("/Server/Service/Connector[@port='9443'").get().is_err());
    assert!(
        xml_fact("<a>", "bad.xml", "/a")
            .get()
            .unwrap_err()
            .contains("not well-formed")
    );
}

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/wso2")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        crate::test_support::missing_input(&format!(
            "{} is absent (no shared/ fixtures)",
            p.display()
        ));
        None
    }
}

fn home_with(files: &[(&str, &Path)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, src) in files {
        let dst = dir.path().join(rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(src, dst).unwrap();
    }
    dir
}

fn probe_one(home: &Path, name: &str) -> Fact {
    let ctx = Context::new(Some(home.to_path_buf()), false, None);
    probe(&ctx, &[name.to_string()]).remove(0).1
}

#[test]
fn real_wso2_files() {
    let conf =
        "wso2-product-apim/v4.7.0/all-in-one-apim/modules/distribution/product/src/main/conf";
    let kernel = "wso2-carbon-kernel/v4.8.1/distribution/kernel/carbon-home/repository/conf";
    let (Some(catalina), Some(csrf), Some(carbon), Some(qpid), Some(log4j2)) = (
        shared(&format!("{conf}/catalina-server.xml")),
        shared(&format!(
            "{conf}/security/Owasp.CsrfGuard.Carbon.properties"
        )),
        shared(&format!("{kernel}/carbon.xml")),
        shared(
            "wso2-carbon-business-messaging/master/features/andes/org.wso2.carbon.andes.server.feature/resources/conf/qpid-config.xml",
        ),
        shared(
            "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/conf/log4j2.properties",
        ),
    ) else {
        return;
    };
    let dir = home_with(&[
        ("repository/conf/tomcat/catalina-server.xml", &catalina),
        (
            "repository/conf/security/Owasp.CsrfGuard.Carbon.properties",
            &csrf,
        ),
        ("repository/conf/carbon.xml", &carbon),
        ("repository/conf/advanced/qpid-config.xml", &qpid),
        ("repository/conf/log4j2.properties", &log4j2),
    ]);
    let home = dir.path();
    let f = probe_one(
        home,
        "properties.csrfguard.org.owasp.csrfguard.PRNG.Provider",
    );
    assert_eq!(f.get(), Ok(&Value::Str("SUN".into())));
    assert_eq!(f.location.unwrap().line, 339);
    let f = probe_one(
        home,
        "xml.catalina-server./Server/Service/Connector[@port='9443']/SSLHostConfig/@protocols",
    );
    assert_eq!(f.get(), Ok(&Value::Str("+TLSv1,+TLSv1.1,+TLSv1.2".into())));
    assert_eq!(f.location.unwrap().line, 77);
    let f = probe_one(
        home,
        "xml.catalina-server./Server/Service/Connector[@port='9443']/@maxHttpHeaderSize",
    );
    assert_eq!(f.get(), Ok(&Value::Int(8192)));
    let f = probe_one(home, "xml.carbon./Server/Ports/Offset");
    assert_eq!(f.get(), Ok(&Value::Int(0)));
    let f = probe_one(home, "xml.qpid-config./broker/management/enabled");
    assert_eq!(f.get(), Ok(&Value::Bool(true)));
    let f = probe_one(home, "properties.log4j2.rootLogger.level");
    assert_eq!(f.get(), Ok(&Value::Str("ERROR".into())));
}

#[test]
fn file_facts_and_bounds() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::create_dir_all(home.join("repository/conf")).unwrap();
    let toml = home.join("repository/conf/deployment.toml");
    std::fs::write(&toml, "x = 1\n").unwrap();
    std::fs::set_permissions(&toml, std::fs::Permissions::from_mode(0o640)).unwrap();
    let one = |n: &str| probe_one(home, n);
    assert_eq!(
        one("file.repository/conf/deployment.toml.exists").get(),
        Ok(&Value::Bool(true))
    );
    assert_eq!(
        one("file.repository/conf/deployment.toml.mode").get(),
        Ok(&Value::Int(0o640))
    );
    assert!(matches!(
        one("file.repository/conf/deployment.toml.owner-uid").get(),
        Ok(Value::Int(_))
    ));
    assert_eq!(
        one("file.nothing/here.exists").get(),
        Ok(&Value::Bool(false))
    );
    assert_eq!(one("file.nothing/here.mode").get(), Ok(&Value::Null));
    assert!(one("file.../etc/passwd.exists").get().is_err());
    assert!(one("file./etc/passwd.exists").get().is_err());
    assert!(one("file.repository.size").get().is_err());
    // A symlink loop is reported, not followed forever.
    std::os::unix::fs::symlink(home.join("loop"), home.join("loop")).unwrap();
    assert!(
        one("file.loop.exists")
            .get()
            .unwrap_err()
            .contains("cannot stat")
    );
    // Missing, non-UTF-8 and unknown files are unavailable with the reason.
    assert!(
        one("xml.carbon./Server/@x")
            .get()
            .unwrap_err()
            .contains("cannot read")
    );
    std::fs::create_dir_all(home.join("repository/conf/security")).unwrap();
    std::fs::write(
        home.join("repository/conf/security/Owasp.CsrfGuard.Carbon.properties"),
        b"a=\xff\xfe\n",
    )
    .unwrap();
    // java.util.Properties reads ISO-8859-1, and so does preflight when a file is not UTF-8.
    assert_eq!(
        one("properties.csrfguard.a").get(),
        Ok(&Value::Str("\u{ff}\u{fe}".into()))
    );
    std::fs::write(home.join("repository/conf/carbon.xml"), b"<a>\xff</a>").unwrap();
    assert!(
        one("xml.carbon./a")
            .get()
            .unwrap_err()
            .contains("not UTF-8")
    );
    assert!(
        one("properties.nofile.a")
            .get()
            .unwrap_err()
            .contains("unknown file")
    );
}

#[test]
fn latin1_where_the_jvm_reads_latin1_and_an_error_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    // carbon.xml declares ISO-8859-1; an operator's comment in that encoding is valid XML.
    std::fs::write(
        p.join("carbon.xml"),
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<!-- caf\xe9 --><Server><Ports><Offset>2</Offset></Ports></Server>",
    )
    .unwrap();
    let text = read_text(&p.join("carbon.xml"), "repository/conf/carbon.xml").unwrap();
    assert!(text.contains("café"));
    let f = xml_fact(&text, "repository/conf/carbon.xml", "/Server/Ports/Offset");
    assert_eq!(f.get(), Ok(&Value::Int(2)));
    // Without a declaration XML is UTF-8, and the byte is an error.
    std::fs::write(p.join("plain.xml"), b"<Server>caf\xe9</Server>").unwrap();
    let e = read_text(&p.join("plain.xml"), "x/plain.xml").unwrap_err();
    assert!(
        e.ends_with("plain.xml is not UTF-8 text (invalid byte at offset 11)"),
        "{e}"
    );
    // java.util.Properties reads ISO-8859-1.
    std::fs::write(p.join("l.properties"), b"# caf\xe9\na = b\n").unwrap();
    let text = read_text(&p.join("l.properties"), "l.properties").unwrap();
    assert_eq!(parse_properties(&text)["a"].value, "b");
    assert!(!declares_latin1(b"<Server encoding=\"latin1\"/>"));
}

#[test]
fn entity_blowups_are_refused_before_parsing_and_small_entities_still_work() {
    let quadratic = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY e \"{}\">]>\n<a>{}</a>",
        "x".repeat(100_000),
        "&e;".repeat(300_000)
    );
    let laughs = "<!DOCTYPE a [<!ENTITY l0 \"lol\"><!ENTITY l1 \"&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;\"><!ENTITY l2 \"&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;\"><!ENTITY l3 \"&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;\"><!ENTITY l4 \"&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;&l3;\"><!ENTITY l5 \"&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;&l4;\"><!ENTITY l6 \"&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;&l5;\"><!ENTITY l7 \"&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;&l6;\">]><a>&l7;&l7;&l7;</a>";
    for (name, text, line) in [("quadratic", quadratic.as_str(), 2), ("laughs", laughs, 1)] {
        let t = std::time::Instant::now();
        let e = xml_fact(text, "c.xml", "/a").get().unwrap_err().to_string();
        assert!(e.contains(&format!("c.xml:{line}:")), "{name}: {e}");
        assert!(e.contains("would expand it to"), "{name}: {e}");
        assert!(t.elapsed() < std::time::Duration::from_secs(20), "{name}");
    }
    let small = "<!DOCTYPE a [<!ENTITY e \"val\">]><a>&e;-&e;</a>";
    assert_eq!(
        xml_fact(small, "c.xml", "/a").get(),
        Ok(&Value::Str("val-val".into()))
    );
}

#[test]
fn xml_nested_past_the_limit_is_a_located_error_and_at_the_limit_is_read() {
    let at = |depth: usize| format!("{}v{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let deep = format!("{}{}", "\n", at(crate::facts::xml::MAX_DEPTH + 1));
    let e = xml_fact(&deep, "c.xml", "/a")
        .get()
        .unwrap_err()
        .to_string();
    // The 257th <a> starts at column 1 + 256 * 3 of line 2.
    assert!(
        e.contains("c.xml:2:769: elements nested deeper than 256; not read"),
        "{e}"
    );
    let path = format!("/{}", vec!["a"; crate::facts::xml::MAX_DEPTH].join("/"));
    let ok = at(crate::facts::xml::MAX_DEPTH);
    assert_eq!(
        xml_fact(&ok, "c.xml", &path).get(),
        Ok(&Value::Str("v".into()))
    );
    // Depth reached through an entity counts too: it is checked after expansion.
    let inner = at(300);
    let via_entity = format!("<!DOCTYPE a [<!ENTITY e \"{inner}\">]><a>&e;</a>");
    let e = xml_fact(&via_entity, "c.xml", "/a")
        .get()
        .unwrap_err()
        .to_string();
    assert!(e.contains("nested deeper than 256"), "{e}");
}
