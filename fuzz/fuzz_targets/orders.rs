//! libFuzzer entry point of the `orders` target (see `upsell_fuzz::orders`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| upsell_fuzz::orders(data));
