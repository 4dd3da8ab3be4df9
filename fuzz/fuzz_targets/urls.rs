//! JDBC and LDAP URL parsers never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use preflight::facts::network::jdbc;

fuzz_target!(|text: &str| {
    let _ = jdbc::parse(text);
    let _ = jdbc::ldap(text);
    let _ = jdbc::host_port(text, 5432);
});
