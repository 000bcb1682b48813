#!/usr/bin/env bash
# Builds libupsell, compiles the C tests and the examples (bindings/c/examples/mine.c and the host
# program examples/c/host.c) against include/upsell.h, and runs them: dynamically linked, statically
# linked (the tests), under valgrind and under AddressSanitizer (the tests and the host program).
#
#   bash bindings/c/tests/run.sh
#
# Environment: UPSELL_CAPI_PROFILE (cargo profile, default release), CC (default cc),
# CARGO_TARGET_DIR, UPSELL_BUILD_LOCK (a file to flock around cargo, default
# /tmp/upsell-build.lock, "" for none), MUSHROOM (path of mushroom.dat.gz; default
# ../shared/data/mushroom.dat.gz from the repository root, skipped when absent).
# Exits non-zero on the first failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
capi=$(cd "$here/.." && pwd)
root=$(cd "$capi/../.." && pwd)
profile=${UPSELL_CAPI_PROFILE:-release}
cc=${CC:-cc}
target=${CARGO_TARGET_DIR:-$root/target}
lock=${UPSELL_BUILD_LOCK-/tmp/upsell-build.lock}
mushroom=${MUSHROOM:-$root/../shared/data/mushroom.dat.gz}
build=$here/build
mkdir -p "$build"

case $profile in
    dev | test) libdir=$target/debug ;;
    *) libdir=$target/$profile ;;
esac

step() { printf '\n== %s\n' "$*"; }

cargo_run() {
    if [[ -n $lock ]] && command -v flock >/dev/null; then
        flock "$lock" cargo "$@"
    else
        cargo "$@"
    fi
}

step "cargo build -p upsell-capi --profile $profile"
(cd "$root" && cargo_run build -p upsell-capi --profile "$profile")

cflags=(-Wall -Wextra -Werror -std=c11 -g -I "$capi/include")
mushroom_arg=()
if [[ -f $mushroom ]]; then
    mushroom_arg=("$mushroom")
else
    echo "note: $mushroom not found: the mushroom tests are skipped"
fi

sample=$root/examples/data/groceries_sample.csv
# Each test program and its arguments (the mushroom case only where the file is present).
run_tests() {
    "$build/${1}test_mining" "${mushroom_arg[@]}"
    "$build/${1}test_recommend" "$sample"
    "$build/${1}test_sequence"
    "$build/${1}test_pricing"
    "$build/${1}test_triggers"
    "$build/${1}test_bad_inputs" "$root/testdata/bad-inputs"
    "$build/${1}test_discover"
}
tests=(test_mining test_recommend test_sequence test_pricing test_triggers test_bad_inputs test_discover)

step "C tests, linked to libupsell.so"
for t in "${tests[@]}"; do
    "$cc" "${cflags[@]}" "$here/$t.c" -o "$build/$t" -L "$libdir" -Wl,-rpath,"$libdir" -lupsell -lm
done
run_tests ""

step "C tests, linked to libupsell.a"
for t in "${tests[@]}"; do
    "$cc" "${cflags[@]}" "$here/$t.c" -o "$build/static_$t" "$libdir/libupsell.a" -lpthread -ldl -lm
done
run_tests static_

step "example: examples/mine.c"
"$cc" "${cflags[@]}" "$capi/examples/mine.c" -o "$build/mine" \
    -L "$libdir" -Wl,-rpath,"$libdir" -lupsell
if [[ -f $mushroom ]]; then
    "$build/mine" "$mushroom" 0.5
else
    printf '1 2 3\n1 2\n2 3\n1 2 3\n' >"$build/tiny.dat"
    "$build/mine" "$build/tiny.dat" 0.5
fi

step "example: examples/c/host.c"
"$cc" "${cflags[@]}" "$root/examples/c/host.c" -o "$build/host" \
    -L "$libdir" -Wl,-rpath,"$libdir" -lupsell
"$build/host" "$sample" "whole milk" butter

# Without the mushroom case: its cancel-from-another-thread check races against valgrind's coarse
# thread scheduling (the plain and ASan runs cover it). "Possibly lost" blocks are the core's worker
# pool, alive for the whole process by design.
step "valgrind"
if command -v valgrind >/dev/null; then
    for t in "${tests[@]}"; do
        args=()
        [[ $t == test_recommend ]] && args=("$sample")
        [[ $t == test_bad_inputs ]] && args=("$root/testdata/bad-inputs")
        valgrind --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite --error-exitcode=1 \
            "$build/$t" "${args[@]}"
    done
    valgrind --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite --error-exitcode=1 \
        "$build/host" "$sample" >/dev/null
else
    echo "SKIPPED: valgrind is not installed"
fi

step "AddressSanitizer"
# The Rust library is not instrumented; ASan still checks the C side and, through its malloc,
# every heap block the library hands out and takes back (double frees, leaks of handles).
if "$cc" "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
    "$here/test_mining.c" -o "$build/asan_test_mining" \
    -L "$libdir" -Wl,-rpath,"$libdir" -lupsell 2>"$build/asan-link.log"; then
    for t in test_recommend test_sequence test_pricing test_triggers test_bad_inputs test_discover; do
        "$cc" "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
            "$here/$t.c" -o "$build/asan_$t" -L "$libdir" -Wl,-rpath,"$libdir" -lupsell -lm
    done
    "$cc" "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
        "$root/examples/c/host.c" -o "$build/asan_host" -L "$libdir" -Wl,-rpath,"$libdir" -lupsell
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
    run_tests asan_
    "$build/asan_host" "$sample" >/dev/null
else
    echo "SKIPPED: this compiler cannot build with -fsanitize=address:"
    cat "$build/asan-link.log"
fi

step "all C tests passed"
