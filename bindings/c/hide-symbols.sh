#!/usr/bin/env bash
# Rewrites a static libupsell.a so that the only global symbols it defines are the upsell_* of
# the C API. A Rust static library carries the whole Rust runtime and every dependency (std,
# rayon, gemm, ...) as global symbols, which clash when a host links a second Rust static
# library. A partial link (ld -r) joins the archive into one object where every internal
# reference is already resolved; objcopy then makes every other symbol local.
#
#   bash bindings/c/hide-symbols.sh PREFIX/lib/libupsell.a
#
# Needs binutils (ld, readelf, objcopy, ar); readelf rather than nm, which loads the system's
# LLVM linker plugin and fails on objects of a newer LLVM ("LLVM ERROR: Invalid encoding"). Undefined references to the C library (libc, libm,
# libpthread, libdl, libgcc_s unwinding) remain: a host links those as pkg-config's
# `--static --libs upsell` says.
set -euo pipefail

lib=${1:?usage: hide-symbols.sh path/to/libupsell.a}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ld -r --whole-archive "$lib" -o "$work/upsell.o"
readelf -W --syms "$work/upsell.o" |
    awk '($5 == "GLOBAL" || $5 == "WEAK") && $7 != "UND" && $8 ~ /^upsell_/ { print $8 }' >"$work/keep"
if [[ ! -s $work/keep ]]; then
    echo "hide-symbols.sh: no upsell_* symbol in $lib" >&2
    exit 1
fi
objcopy --keep-global-symbols="$work/keep" "$work/upsell.o"
# ar indexes symbols through the linker plugins it finds; the system's LLVMgold aborts on Rust's
# objects, so name GCC's plugin explicitly when there is one.
plugin=()
gcc_plugin=$(${CC:-cc} -print-file-name=liblto_plugin.so 2>/dev/null || true)
[[ -f $gcc_plugin ]] && plugin=(--plugin "$gcc_plugin")
ar "${plugin[@]}" rcs "$work/libupsell.a" "$work/upsell.o"
mv "$work/libupsell.a" "$lib"
