#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60) with libFuzzer, on the stable toolchain:
# the targets are built with the coverage instrumentation cargo-fuzz would add, in their own
# target dir (the flags differ from every other build). New inputs go to a scratch corpus, not to
# fuzz/corpus/; a crash stops its target, keeps its input under target/fuzz/artifacts/ and fails
# the run. Prints one line per target: executions, seconds, corpus size, crashes.
#
# Usage: bash fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(fimi basket_csv long_csv orders rule_file expression model mining c_api)
fi

host="$(rustc -vV | sed -n 's/^host: //p')"
out="${CARGO_TARGET_DIR:-$root/target}/fuzz"
# --target keeps the instrumentation off build scripts and proc macros, as cargo-fuzz does.
RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks" \
    cargo build --profile ci -p upsell-fuzz --features libfuzzer --bins \
    --target "$host" --target-dir "$out"

failed=0
report=()
for target in "${targets[@]}"; do
    scratch="$out/corpus/$target"
    artifacts="$out/artifacts/$target/"
    mkdir -p "$scratch" "$artifacts"
    log="$out/$target.log"
    status=0
    "$out/$host/ci/$target" "$scratch" "fuzz/corpus/$target" \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$artifacts" -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    corpus=$(find "$scratch" "fuzz/corpus/$target" -type f | wc -l)
    crashes=$(find "$artifacts" -type f | wc -l)
    report+=("$(printf '%-12s %12s runs %6s s %6s inputs %3s crashes' "$target" "${runs:-?}" "$seconds" "$corpus" "$crashes")")
    if [ "$status" -ne 0 ]; then
        failed=1
        printf '\n%s failed (exit %s); the end of its log:\n' "$target" "$status"
        tail -n 30 "$log"
    fi
done
printf '\n==> fuzzing, %s s per target\n' "$seconds"
printf '%s\n' "${report[@]}"
exit "$failed"
