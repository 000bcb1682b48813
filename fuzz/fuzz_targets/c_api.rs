//! libFuzzer entry point of the `c_api` target (see `upsell_fuzz::c_api`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::c_api(data));
