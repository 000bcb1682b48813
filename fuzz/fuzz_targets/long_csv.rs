//! libFuzzer entry point of the `long_csv` target (see `upsell_fuzz::long_csv`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::long_csv(data));
