//! deployment.toml, XML and .properties readers never panic, and a parsed deployment.toml
//! never holds a value it cannot locate.
#![no_main]
use libfuzzer_sys::fuzz_target;
use preflight::facts::{deployment::Deployment, files, properties};

fuzz_target!(|text: &str| {
    let d = Deployment::parse(text);
    for (_, (_, loc)) in d.keys.iter() {
        assert!(loc.line >= 1);
    }
    let _ = properties::parse_properties(text);
    let _ = files::xml_fact(text, "repository/conf/carbon.xml", "/Server/Ports/Offset");
    let _ = files::xml_fact(text, "x.xml", "/Server/Service/Connector[@port='9443']/SSLHostConfig/@protocols");
    let _ = preflight_rules::redact::inline(text);
});
