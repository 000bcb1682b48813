//! libFuzzer entry point of the `basket_csv` target (see `upsell_fuzz::basket_csv`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::basket_csv(data));
