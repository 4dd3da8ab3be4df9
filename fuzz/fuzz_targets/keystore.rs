//! The JKS/PKCS#12 reader never panics on any bytes, with or without a password.
#![no_main]
use libfuzzer_sys::fuzz_target;
use preflight::facts::keystore;

fuzz_target!(|bytes: &[u8]| {
    let _ = keystore::open(bytes, Some("wso2carbon"));
    let _ = keystore::open(bytes, None);
});
