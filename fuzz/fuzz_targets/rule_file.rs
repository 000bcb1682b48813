//! libFuzzer entry point of the `rule_file` target (see `upsell_fuzz::rule_file`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::rule_file(data));
