//! The start-script flag parser never panics on any script text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use preflight::facts::jvm;

fuzz_target!(|text: &str| {
    let _ = jvm::parse_script(text, "bin/api-manager.sh");
    let _ = preflight::facts::jdk::from_release(text);
    let _ = preflight::facts::jdk::from_java_version(text);
});
