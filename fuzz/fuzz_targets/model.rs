//! libFuzzer entry point of the `model` target (see `upsell_fuzz::model`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::model(data));
