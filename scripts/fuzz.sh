#!/usr/bin/env bash
# The libFuzzer harnesses of Fuzz/ (docs/RELIABILITY.md, "Fuzzing").
#
#   scripts/fuzz.sh --list                 the harnesses
#   scripts/fuzz.sh TARGET [SECONDS]       builds, then fuzzes TARGET for SECONDS (default 60)
#   scripts/fuzz.sh --smoke                every harness for VTX_FUZZ_SMOKE_SECONDS each (default 20): CI's smoke run
#   scripts/fuzz.sh --reproduce TARGET FILE  runs one input (a crash libFuzzer saved) through TARGET
#
# All harnesses are one executable, vtx-fuzz, built by SwiftPM only when VTX_FUZZ=1 (Package.swift), in its own
# scratch folder, .build-fuzz: release (a debug build ran 8 times slower), -sanitize=fuzzer,address over every
# Swift module (coverage and AddressSanitizer), -parse-as-library (Fuzz/Entry.swift has the entry point, handing
# over to libFuzzer's driver) and -enable-testing (the UDP harness reaches the driver's internal parsers).
# VTX_FUZZ_TARGET picks the harness. Inputs found go to .build-fuzz/corpus/TARGET (seeds: Fuzz/Corpus/TARGET, read
# only); crashes, leaks and broken invariants to .build-fuzz/artifacts/TARGET.
# Extra arguments after SECONDS go to libFuzzer (-jobs, -dict, -runs, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(greeting frame command engine plain curve zap z85 certificate udp)
SCRATCH="${VTX_FUZZ_SCRATCH:-.build-fuzz}"
BINARY="$SCRATCH/release/vtx-fuzz"

usage() {
    echo "usage: scripts/fuzz.sh --list | --smoke | TARGET [SECONDS [libFuzzer options]] | --reproduce TARGET FILE" >&2
    exit 64
}

build() {
    echo "==> building the fuzz harnesses (-sanitize=fuzzer,address, $SCRATCH)"
    # gold warns once per AddressSanitizer helper that it cannot export it: harmless, and hundreds of lines.
    VTX_FUZZ=1 swift build -c release --scratch-path "$SCRATCH" --product vtx-fuzz -Xswiftc -sanitize=fuzzer,address \
        -Xswiftc -parse-as-library -Xswiftc -enable-testing 2>&1 | { grep -v "Cannot export local symbol" || true; }
}

known() {
    local target
    for target in "${TARGETS[@]}"; do [ "$target" = "$1" ] && return 0; done
    echo "error: no fuzz target \"$1\" (scripts/fuzz.sh --list)" >&2
    exit 64
}

# Fuzzes $1 for $2 seconds; prints libFuzzer's final statistics; fails on a crash, a leak or an invariant broken.
fuzz() {
    local target="$1" seconds="$2"
    shift 2
    mkdir -p "$SCRATCH/corpus/$target" "$SCRATCH/artifacts/$target"
    echo "==> fuzzing $target for ${seconds}s"
    VTX_FUZZ_TARGET="$target" "$BINARY" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$SCRATCH/artifacts/$target/" "$@" \
        "$SCRATCH/corpus/$target" "Fuzz/Corpus/$target"
}

[ $# -ge 1 ] || usage
case "$1" in
    --list)
        printf '%s\n' "${TARGETS[@]}"
        ;;
    --smoke)
        seconds="${VTX_FUZZ_SMOKE_SECONDS:-20}"
        build
        started=$(date +%s)
        summary=()
        for target in "${TARGETS[@]}"; do
            log="$SCRATCH/smoke-$target.log"
            if ! fuzz "$target" "$seconds" >"$log" 2>&1; then
                tail -n 60 "$log" >&2
                echo "error: fuzz target $target failed (full log: $log)" >&2
                exit 1
            fi
            summary+=("$target: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$') runs")
        done
        echo "==> fuzz smoke: ${#TARGETS[@]} harnesses x ${seconds}s in $(( $(date +%s) - started ))s"
        printf '    %s\n' "${summary[@]}"
        ;;
    --reproduce)
        [ $# -eq 3 ] || usage
        known "$2"
        build
        VTX_FUZZ_TARGET="$2" "$BINARY" "$3"
        ;;
    -*)
        usage
        ;;
    *)
        known "$1"
        target="$1"
        seconds="${2:-60}"
        shift $(( $# >= 2 ? 2 : 1 ))
        build
        fuzz "$target" "$seconds" "$@"
        ;;
esac
