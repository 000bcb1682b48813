//! libFuzzer entry point of the `fimi` target (see `upsell_fuzz::fimi`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::fimi(data));
