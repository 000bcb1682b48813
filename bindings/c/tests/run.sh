#!/usr/bin/env bash
# Installs libupsell with cargo-c into a temporary prefix, compiles the C tests and the examples
# (bindings/c/examples/mine.c and the host program examples/c/host.c) against the installed
# header, and runs them: dynamically linked, statically linked (the tests), under valgrind with
# its default leak kinds, and under AddressSanitizer (the tests and the host program). Also checks
# the installed library: its SONAME, that both libraries export only upsell_* symbols, and that a
# program builds from `pkg-config --cflags --libs upsell` alone.
#
#   bash bindings/c/tests/run.sh
#
# Environment: UPSELL_CAPI_PROFILE (cargo profile, default release), CC (default cc), CXX
# (default g++, for the C++17 program), PYTHON
# (default python3: 3.11 or later reads the cross-surface table; the pyarrow round trip),
# CARGO_TARGET_DIR, UPSELL_BUILD_LOCK (a file to flock around cargo, default
# /tmp/upsell-build.lock, "" for none), MUSHROOM (path of mushroom.dat.gz; default
# ../shared/data/mushroom.dat.gz from the repository root, skipped when absent).
# Needs cargo-c (`cargo install cargo-c --locked`, see scripts/test-all.sh) and pkg-config.
# Exits non-zero on the first failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
capi=$(cd "$here/.." && pwd)
root=$(cd "$capi/../.." && pwd)
profile=${UPSELL_CAPI_PROFILE:-release}
cc=${CC:-cc}
lock=${UPSELL_BUILD_LOCK-/tmp/upsell-build.lock}
mushroom=${MUSHROOM:-$root/../shared/data/mushroom.dat.gz}
build=$here/build
prefix=$build/prefix
mkdir -p "$build"

step() { printf '\n== %s\n' "$*"; }

cargo_run() {
    if [[ -n $lock ]] && command -v flock >/dev/null; then
        flock "$lock" cargo "$@"
    else
        cargo "$@"
    fi
}

if ! cargo cinstall --version >/dev/null 2>&1; then
    echo "cargo-c is missing: install it with 'cargo install cargo-c --locked'" >&2
    exit 1
fi

step "cargo cinstall -p upsell-capi --profile $profile --prefix <temporary prefix>"
rm -rf "$prefix"
(cd "$root" && cargo_run cinstall -p upsell-capi --profile "$profile" --prefix "$prefix" --libdir "$prefix/lib")
bash "$capi/hide-symbols.sh" "$prefix/lib/libupsell.a"
libdir=$prefix/lib
export PKG_CONFIG_PATH=$libdir/pkgconfig

step "installed: SONAME, pkg-config, exported symbols"
ls "$libdir" "$prefix/include"
soname=$(readelf -d "$libdir/libupsell.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
echo "SONAME $soname"
[[ $soname == libupsell.so.* ]] || { echo "no versioned SONAME" >&2; exit 1; }
pkg-config --modversion upsell
# Defined global symbols of an ELF file or archive (readelf: nm loads the system's LLVM plugin,
# which fails on objects of a newer LLVM).
exported() {
    readelf -W "$@" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" && NF >= 8 { print $8 }'
}
foreign=$(exported --dyn-syms "$libdir/libupsell.so" | grep -v '^upsell_' || true)
[[ -z $foreign ]] || { echo "libupsell.so exports more than upsell_*:" >&2; echo "$foreign" | head >&2; exit 1; }
foreign=$(exported --syms "$libdir/libupsell.a" | grep -v '^upsell_' || true)
[[ -z $foreign ]] || { echo "libupsell.a defines globals beyond upsell_*:" >&2; echo "$foreign" | head >&2; exit 1; }
echo "both libraries define only upsell_* globally ($(exported --dyn-syms "$libdir/libupsell.so" | wc -l) symbols)"

step "a program built with pkg-config flags only (shared, then static)"
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
"$cc" -std=c11 "$capi/examples/mine.c" -o "$build/pc_mine" $(pkg-config --cflags --libs upsell)
printf '1 2 3\n1 2\n2 3\n1 2 3\n' >"$build/tiny.dat"
LD_LIBRARY_PATH=$libdir "$build/pc_mine" "$build/tiny.dat" 0.5
# The system libraries a static link needs, as the installed upsell.pc lists them.
read -r -a static_libs <<<"$(pkg-config --static --libs-only-l upsell | sed 's/-lupsell//')"
# shellcheck disable=SC2046
"$cc" -std=c11 "$capi/examples/mine.c" -o "$build/pc_mine_static" \
    $(pkg-config --cflags upsell) "$libdir/libupsell.a" "${static_libs[@]}"
"$build/pc_mine_static" "$build/tiny.dat" 0.5

cflags=(-Wall -Wextra -Werror -std=c11 -g -I "$prefix/include")
mushroom_arg=()
if [[ -f $mushroom ]]; then
    mushroom_arg=("$mushroom")
else
    echo "note: $mushroom not found: the mushroom tests are skipped"
fi

# The cross-surface table (testdata/cross-surface/cases.toml) stays the one source: converted to
# JSON for test_cross_surface.c on every run, with the TOML reader of Python's standard library.
python=${PYTHON:-python3}
step "the cross-surface table as JSON ($python, tomllib)"
"$python" -c 'import json, sys, tomllib
with open(sys.argv[1], "rb") as table:
    json.dump(tomllib.load(table), open(sys.argv[2], "w"))' \
    "$root/testdata/cross-surface/cases.toml" "$build/cross-surface.json" ||
    { echo "cannot read cases.toml: the cross-surface test needs Python 3.11 or later (tomllib)" >&2; exit 1; }

sample=$root/examples/data/groceries_sample.csv
orders=$root/examples/data/online_retail_sample.csv
# Each test program's arguments (the mushroom case only where the file is present); valgrind
# runs without the mushroom case: its cancel-from-another-thread check races against valgrind's
# coarse thread scheduling (the plain and ASan runs cover it).
args_of() {
    case $1 in
        test_mining) echo "${mushroom_arg[@]}" ;;
        test_recommend | test_ease) echo "$sample" ;;
        test_metrics) echo "$orders" ;;
        test_triggers) echo "$root/testdata/triggers" ;;
        test_bad_inputs) echo "$root/testdata/bad-inputs" ;;
        test_cross_surface) echo "$build/cross-surface.json $root/testdata/cross-surface" ;;
    esac
}
tests=(test_mining test_rules test_recommend test_ease test_sequence test_pricing test_metrics test_triggers test_arrow
    test_bad_inputs test_discover test_cross_surface)
run_tests() {
    for t in "${tests[@]}"; do
        # shellcheck disable=SC2046 # word-split the arguments
        "$build/$1$t" $(args_of "$t")
    done
}

step "C tests, linked to libupsell.so"
for t in "${tests[@]}"; do
    "$cc" "${cflags[@]}" "$here/$t.c" -o "$build/$t" -L "$libdir" -Wl,-rpath,"$libdir" -lupsell -lm
done
run_tests ""

step "C tests, linked to libupsell.a"
for t in "${tests[@]}"; do
    "$cc" "${cflags[@]}" "$here/$t.c" -o "$build/static_$t" "$libdir/libupsell.a" "${static_libs[@]}"
done
run_tests static_

step "example: examples/mine.c"
"$cc" "${cflags[@]}" "$capi/examples/mine.c" -o "$build/mine" \
    -L "$libdir" -Wl,-rpath,"$libdir" -lupsell
if [[ -f $mushroom ]]; then
    "$build/mine" "$mushroom" 0.5
else
    "$build/mine" "$build/tiny.dat" 0.5
fi

step "example: examples/c/host.c"
"$cc" "${cflags[@]}" "$root/examples/c/host.c" -o "$build/host" \
    -L "$libdir" -Wl,-rpath,"$libdir" -lupsell
"$build/host" "$sample" "whole milk" butter

step "C++17 (RAII wrappers over the header): test_cpp.cpp"
cxx=${CXX:-g++}
"$cxx" -std=c++17 -Wall -Wextra -Werror -g -I "$prefix/include" "$here/test_cpp.cpp" -o "$build/test_cpp" \
    -L "$libdir" -Wl,-rpath,"$libdir" -lupsell
"$build/test_cpp" "$sample"

step "Java 17 through JNA: TestJna.java"
if command -v java >/dev/null && [[ -f /usr/share/java/jna.jar ]]; then
    java -cp /usr/share/java/jna.jar -Djna.library.path="$libdir" "$here/TestJna.java" "$sample"
else
    echo "SKIPPED: java or Debian's libjna-java is not installed (scripts/test-all.sh installs them)"
fi

# Plain flags, default leak kinds (definite and possible are errors), no suppressions: each
# program ends with upsell_shutdown(), which joins the library's worker threads and frees what they
# left behind.
step "valgrind"
if command -v valgrind >/dev/null; then
    # valgrind runs a program on one core at a time: the programs run side by side, one a core,
    # each into its own log, printed in order once all have ended.
    cores=$(nproc)
    logs=()
    under_valgrind() {
        local log=$build/valgrind.${#logs[@]}.log
        logs+=("$log")
        while (($(jobs -rp | wc -l) >= cores)); do wait -n || true; done
        { valgrind -q --leak-check=full --error-exitcode=1 "$@" \
            >"$log" 2>&1 && echo ok >"$log.status" || echo "failed ($?): $*" >"$log.status"; } &
    }
    for t in "${tests[@]}"; do
        args=()
        [[ $t != test_mining ]] && read -r -a args <<<"$(args_of "$t")"
        under_valgrind "$build/$t" "${args[@]}"
    done
    under_valgrind "$build/host" "$sample"
    under_valgrind "$build/test_cpp" "$sample"
    wait
    failed=0
    for log in "${logs[@]}"; do
        cat "$log"
        [[ $(cat "$log.status") == ok ]] || { cat "$log.status" >&2; failed=1; }
    done
    ((failed == 0)) || exit 1
else
    echo "SKIPPED: valgrind is not installed"
fi

step "Arrow streams against pyarrow and the Python API (test_arrow_pyarrow.py)"
# Needs a Python with pyarrow, pytest and upsell (the project's venv after maturin develop).
if "$python" -c "import pyarrow, pytest, upsell" 2>/dev/null; then
    UPSELL_CAPI_LIB=$libdir/libupsell.so "$python" -m pytest -q -p no:cacheprovider "$here/test_arrow_pyarrow.py"
else
    echo "SKIPPED: $python cannot import pyarrow, pytest and upsell (use the project's venv after maturin develop)"
fi

step "AddressSanitizer"
# The Rust library is not instrumented; ASan still checks the C side and, through its malloc,
# every heap block the library hands out and takes back (double frees, leaks of handles).
if "$cc" "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
    "$here/test_mining.c" -o "$build/asan_test_mining" \
    -L "$libdir" -Wl,-rpath,"$libdir" -lupsell -lm 2>"$build/asan-link.log"; then
    for t in "${tests[@]}"; do
        "$cc" "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
            "$here/$t.c" -o "$build/asan_$t" -L "$libdir" -Wl,-rpath,"$libdir" -lupsell -lm
    done
    "$cc" "${cflags[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
        "$root/examples/c/host.c" -o "$build/asan_host" -L "$libdir" -Wl,-rpath,"$libdir" -lupsell
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
    run_tests asan_
    "$cxx" -std=c++17 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-omit-frame-pointer \
        -I "$prefix/include" "$here/test_cpp.cpp" -o "$build/asan_test_cpp" -L "$libdir" -Wl,-rpath,"$libdir" -lupsell
    "$build/asan_test_cpp" "$sample"
    "$build/asan_host" "$sample" >/dev/null
else
    echo "SKIPPED: this compiler cannot build with -fsanitize=address:"
    cat "$build/asan-link.log"
fi

step "all C tests passed"
