//! libFuzzer entry point of the `mining` target (see `upsell_fuzz::mining`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::mining(data));
