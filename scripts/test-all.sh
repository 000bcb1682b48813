#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: Rust (core, CLI, C ABI with its header drift
# check), Python (pytest, differential against pyfim and mlxtend), the C programs (plain, valgrind,
# AddressSanitizer), the notebooks and the examples. Installs what the tests need first; safe to run
# again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n==> %s\n' "$*"; }

step "tools"
if ! command -v valgrind >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi
# PySpark (the tests of upsell.spark run a local Spark) needs Java 17 or later.
java_major="$( (java -version 2>&1 || true) | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
if [ "${java_major:-0}" -lt 17 ]; then
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -r python/requirements-test.txt
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"

step "Rust: core, CLI, C ABI"
cargo test --workspace --exclude upsell-python --exclude upsell-benches

step "Rust example: examples/rust/recommend.rs"
# cargo test built it with the test profile; run that build rather than compile a release one.
cargo run -q --profile test -p upsell --example recommend

step "Python: build the extension, run pytest"
maturin develop --profile ci -q -m python/Cargo.toml
(cd python && pytest -q)

step "C: programs under cc, valgrind and AddressSanitizer"
UPSELL_CAPI_PROFILE=ci bash bindings/c/tests/run.sh
