#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: Rust (core, CLI, C ABI with its header drift
# check), Python (pytest, differential against pyfim and mlxtend, the report in a headless browser,
# upsell.spark on a local Spark), README's install commands as a new user would run them,
# the C programs (plain, valgrind, AddressSanitizer), the notebooks and the examples. Installs what
# the tests need first; safe to run again. Ends with the time each stage took.
#
# Everything is compiled with one cargo profile, `ci` (see Cargo.toml), so the test binaries, the
# Python extension and the C library share their compiled dependencies (all but a few crates, which
# cargo compiles again where a command unifies their features differently).
#
# `scripts/test-all.sh --fuzz SECONDS` also runs every fuzz target for SECONDS each (fuzz/run.sh).
set -euo pipefail
fuzz_seconds=""
if [ "${1:-}" = "--fuzz" ]; then
    fuzz_seconds="${2:?--fuzz takes the seconds each target runs}"
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

stages=()
stage_start=$SECONDS
stage_name=""
script_start=$SECONDS
before_late=""
# Starts a stage: closes the previous one's timing and prints a heading.
step() {
    finish_stage
    stage_name="$*"
    stage_start=$SECONDS
    printf '\n==> %s\n' "$stage_name"
}
finish_stage() {
    if [ -n "$stage_name" ]; then
        stages+=("$(printf '%6d s  %s' $((SECONDS - stage_start)) "$stage_name")")
    fi
    stage_name=""
}
timing_table() {
    trap - EXIT
    # A stage failed before the Python packages were waited for: let their install end cleanly.
    if [ -n "${venv_pid:-}" ]; then
        wait "$venv_pid" 2>/dev/null || true
    fi
    finish_stage
    printf '\n==> time per stage\n'
    printf '%s\n' "${stages[@]}"
    if [ -n "$before_late" ]; then
        printf '%6d s  before the browser and Spark stages\n' "$before_late"
    fi
    printf '%6d s  total\n' $((SECONDS - script_start))
}
trap timing_table EXIT

step "tools"
if ! command -v valgrind >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
fi
# The C library installs with cargo-c (cargo cinstall) in the C stage. Built from source once per
# machine, as a debug build (5 minutes on 2 cores instead of 15: it only drives cargo, its speed
# does not matter); no prebuilt binary is reachable. Pinned to the newest release that supports
# this toolchain. Its build needs pkg-config and the OpenSSL headers.
if ! cargo cinstall --version >/dev/null 2>&1; then
    if ! command -v pkg-config >/dev/null 2>&1 || ! dpkg -s libssl-dev >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq pkg-config libssl-dev >/dev/null
    fi
    cargo install -q --debug cargo-c --locked --version 0.10.24
fi
# PySpark (the tests of upsell.spark run a local Spark) needs Java 17 or later.
java_major="$( (java -version 2>&1 || true) | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
if [ "${java_major:-0}" -lt 17 ]; then
    apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
# The C stage's Java host (bindings/c/tests/TestJna.java) calls libupsell through Debian's JNA,
# launched as a source file, which needs the JDK's compiler.
if [ ! -f /usr/share/java/jna.jar ] || ! command -v javac >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq libjna-java openjdk-17-jdk-headless >/dev/null
fi
# The report's browser test (python/tests/test_report_browser.py) drives Debian's Chromium through
# playwright; no browser is downloaded.
if ! command -v chromium >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
# The Python packages install while the Rust tests build (a minute of downloads and unpacking on a
# fresh machine, beside a compiler that keeps both cores busy); the Python stages wait for them.
venv="$root/.venv"
venv_log=$(mktemp)
(
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -r python/requirements-test.txt
) >"$venv_log" 2>&1 &
venv_pid=$!
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"

# Every cargo command builds for the host's triple named explicitly, as `cargo cinstall` (the C
# stage) always does: the C library then shares the compiled core and dependencies of the tests
# instead of building them again in target/<triple>/.
CARGO_BUILD_TARGET="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_BUILD_TARGET
built="${CARGO_TARGET_DIR:-$root/target}/$CARGO_BUILD_TARGET/ci"
# The command the README test runs (python/tests/test_readme.py).
export UPSELL_BIN="$built/upsell"

# The Python package is part of the test build although it has no Rust tests (its lib sets
# test = false): its dependencies then unify features with the rest, and the wheel reuses the core.
step "Rust: build the tests"
cargo test --profile ci --workspace --exclude upsell-benches --no-run

step "Rust: core, CLI, C ABI"
cargo test --profile ci --workspace --exclude upsell-benches

step "Rust example: recommend"
# `cargo test` built it with the workspace's features; `cargo run -p upsell` would rebuild the core.
"$built/examples/recommend"

step "Rust: documentation without warnings"
# The C library's lib is also called `upsell` and is documented by its header instead.
RUSTDOCFLAGS="-D warnings" cargo doc --profile ci --no-deps -p upsell -p upsell-cli -p upsell-python

step "Rust: cargo publish --dry-run"
# cargo unpacks the packaged crates into $CARGO_HOME/registry/src/-<hash of its temporary
# registry's path>/ and reuses an unpacked crate of the same name and version from an earlier run
# in the same place, which would verify the command line against an old core: remove ours first
# (0xMiden/miden-vm#2530 clears the whole registry cache for the same reason).
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/upsell-*
# Packages each crate and builds it from the package alone, as crates.io would: in the dev profile,
# where nothing else is built, so without debug info or incremental state, which only cost time.
CARGO_PROFILE_DEV_DEBUG=0 CARGO_INCREMENTAL=0 \
    cargo publish --dry-run --workspace --exclude upsell-python --exclude upsell-benches \
    --exclude upsell-fuzz --allow-dirty

step "Python: build the manylinux wheel, install it"
if ! wait "$venv_pid"; then
    cat "$venv_log" >&2
    echo "installing python/requirements-test.txt into $venv failed (above)" >&2
    exit 1
fi
cat "$venv_log"
rm -f "$venv_log"
wheels="${CARGO_TARGET_DIR:-$root/target}/wheels"
rm -f "$wheels"/upsell-*.whl
wheel_log=$(mktemp)
maturin build --profile ci -m python/Cargo.toml --compatibility manylinux_2_34 --out "$wheels" 2>&1 | tee "$wheel_log"
if grep -q "Compiling upsell v" "$wheel_log"; then
    echo "the wheel compiled the core again instead of reusing the tests' build: a dependency's" \
        "features differ between the two builds; add the missing feature pin to python/Cargo.toml" >&2
    exit 1
fi
rm -f "$wheel_log"
wheel=$(ls "$wheels"/upsell-*-manylinux_2_34_x86_64.whl)
pip install -q --force-reinstall --no-deps "$wheel"

step "Python: the wheel in a fresh venv"
fresh=$(mktemp -d)
python3 -m venv "$fresh"
"$fresh/bin/python" -m pip install -q "$wheel"
"$fresh/bin/python" -c 'import upsell; print(upsell.frequent_itemsets("examples/data/groceries_sample.csv", 0.05).head(3))'
rm -rf "$fresh"

step "Python: pytest"
cd python
# Two workers: most tests are single-threaded Python around a short mining call.
pytest -q -n 2 --ignore=tests/test_spark.py --ignore=tests/test_report_browser.py
cd "$root"

step "C: cargo cinstall, pkg-config, programs under cc, valgrind and AddressSanitizer"
UPSELL_CAPI_PROFILE=ci bash bindings/c/tests/run.sh

finish_stage
before_late=$((SECONDS - script_start))
step "Browser: the report in headless Chromium"
cd python
pytest -q tests/test_report_browser.py
cd "$root"

step "Spark: upsell.spark on a local Spark"
cd python
pytest -q tests/test_spark.py
UPSELL_README_SPARK=1 pytest -q tests/test_readme.py -k spark
cd "$root"

step "README install, as written: CLI, Python package and C library built from a copy, as a new user"
# Everything again in the release profile, in the copy's own target/ (nothing is shared with the
# builds above, as on a stranger's machine): the one stage that cannot reuse the test build.
cd python
UPSELL_README_INSTALL=1 pytest -q tests/test_readme.py -k install_block
cd "$root"

if [ -n "$fuzz_seconds" ]; then
    step "Fuzz: every target for $fuzz_seconds s"
    bash fuzz/run.sh "$fuzz_seconds"
fi
