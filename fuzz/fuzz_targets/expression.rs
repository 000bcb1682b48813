//! libFuzzer entry point of the `expression` target (see `upsell_fuzz::expression`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::expression(data));
