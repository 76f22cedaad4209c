#!/usr/bin/env bash
# VTX beside libzmq on this machine, in the same run (see docs/PERFORMANCE.md).
#
#   bash Benchmarks/run.sh                  build, run every benchmark (inproc, tcp, ipc; median of VTX_BENCH_RUNS,
#                                           default 5, alternating VTX and libzmq), print the tables (with the
#                                           per-pair ratios, their spread and the latency percentiles) and write raw
#                                           results and PNG charts (gnuplot) to Benchmarks/results/
#   bash Benchmarks/run.sh inproc|tcp|ipc   only the transports named (any of them, in any order)
#   bash Benchmarks/run.sh curve plain      tcp with CURVE (libzmq's test keys) or PLAIN on both sides, beside
#                                           libzmq with the same mechanism (not run by default)
#   bash Benchmarks/run.sh tls              VTX tls beside VTX tcp and libzmq through two stunnels (not run by
#                                           default: it builds vtx-bench with the TLS trait; see run-tls.sh)
#   bash Benchmarks/run.sh --profile        also count instructions per message with valgrind --tool=callgrind
#                                           (inproc) and syscalls, allocations and CPU time per message (tcp, ipc)
#
# inproc sizes and counts can be changed with VTX_BENCH_RUNS, VTX_BENCH_THR16 (messages at 16 B), VTX_BENCH_THR1K
# (messages at 1 KiB), VTX_BENCH_LAT (round trips) and VTX_BENCH_ALLOCS (messages per allocation window); tcp and
# ipc ones are listed in Benchmarks/run-stream.sh. VTX_BENCH_BINARY=path runs a vtx-bench built elsewhere instead of
# building one; VTX_BENCH_SWIFTC_FLAGS="-enforce-exclusivity=unchecked" builds it with extra compiler flags.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=0
TRANSPORTS=()
for argument in "$@"; do
    case "$argument" in
    --profile) PROFILE=1 ;;
    inproc | tcp | ipc | tls | curve | plain) TRANSPORTS+=("$argument") ;;
    *)
        echo "usage: bash Benchmarks/run.sh [inproc] [tcp] [ipc] [tls] [curve] [plain] [--profile]" >&2
        exit 2
        ;;
    esac
done
[ ${#TRANSPORTS[@]} -eq 0 ] && TRANSPORTS=(inproc tcp ipc)
RUN_INPROC=0
RUN_TLS=0
STREAM_TRANSPORTS=()
for transport in "${TRANSPORTS[@]}"; do
    case "$transport" in
    inproc) RUN_INPROC=1 ;;
    tls) RUN_TLS=1 ;;
    *) [[ " ${STREAM_TRANSPORTS[*]} " == *" $transport "* ]] || STREAM_TRANSPORTS+=("$transport") ;;
    esac
done

source scripts/bootstrap.sh
# The charts (Benchmarks/report.sh) are drawn with gnuplot, installed here as bootstrap.sh installs the rest.
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "==> installing gnuplot-nox"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gnuplot-nox >/dev/null
fi

RUNS=${VTX_BENCH_RUNS:-5}
THR16=${VTX_BENCH_THR16:-10000000}
THR1K=${VTX_BENCH_THR1K:-5000000}
LAT=${VTX_BENCH_LAT:-50000}
ALLOCS=${VTX_BENCH_ALLOCS:-200000}
SCRATCH=.build-bench
BIN_DIR=Benchmarks/bin
TIMEOUT=120

# MARK: Build

if [ -n "${VTX_BENCH_BINARY:-}" ]; then
    # A vtx-bench built elsewhere (for example from a patched copy of the tree), to compare builds.
    VTX_BENCH=$(realpath "$VTX_BENCH_BINARY")
    echo "==> using $VTX_BENCH (VTX_BENCH_BINARY)"
else
    echo "==> building vtx-bench (release, --scratch-path $SCRATCH)"
    # Our own modules are always compiled afresh (the packages we depend on stay cached): their sources are
    # touched first. Incremental release builds have linked stale code: a module that inlines VTXCore's
    # `@inlinable` code (vtx-bench building frames) was not recompiled when that code changed, so the benchmark
    # measured the old code; and once a class that gained stored properties kept its old layout in other modules,
    # which crashed at start. (Deleting the modules' build directories instead breaks SwiftPM's cached plan.)
    find Sources Drivers Benchmarks/VTXBench -name '*.swift' -exec touch {} +
    # tls needs vtx-bench built with the TLS trait (which compiles BoringSSL once into the scratch directory).
    BUILD_ARGS=()
    [ "$RUN_TLS" = 1 ] && BUILD_ARGS=(--traits TLS)
    # VTX_BENCH_SWIFTC_FLAGS (e.g. -enforce-exclusivity=unchecked): extra flags for every module's compiler, built
    # in a scratch directory of their own (docs/PERFORMANCE.md, "Where the instructions go").
    for flag in ${VTX_BENCH_SWIFTC_FLAGS:-}; do BUILD_ARGS+=(-Xswiftc "$flag"); done
    [ -n "${VTX_BENCH_SWIFTC_FLAGS:-}" ] && SCRATCH=.build-bench-flags
    swift build -c release --scratch-path "$SCRATCH" "${BUILD_ARGS[@]}" --product vtx-bench
    VTX_BENCH="$(swift build -c release --scratch-path "$SCRATCH" "${BUILD_ARGS[@]}" --show-bin-path)/vtx-bench"
fi

echo "==> building the libzmq programs and the malloc counter into $BIN_DIR"
mkdir -p "$BIN_DIR"
read -r -a ZMQ_FLAGS <<<"$(pkg-config --cflags --libs libzmq)"
for program in zmq_thr zmq_lat zmq_allocs zmq_local_thr zmq_remote_thr zmq_local_lat zmq_remote_lat; do
    cc -O2 -Wall -Wextra -o "$BIN_DIR/$program" "Benchmarks/libzmq/$program.c" "${ZMQ_FLAGS[@]}" -lpthread -ldl -lm
done
cc -O2 -Wall -Wextra -shared -fPIC -o "$BIN_DIR/malloc_count.so" Benchmarks/alloc/malloc_count.c
MALLOC_COUNT="$PWD/$BIN_DIR/malloc_count.so"

# MARK: Results

# tcp and ipc (separate processes): stream_benchmarks, stream_profile, stream_table.
source Benchmarks/run-stream.sh
# tls beside tcp and libzmq through stunnel: tls_benchmarks, tls_table.
source Benchmarks/run-tls.sh

STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT="Benchmarks/results/$STAMP"
mkdir -p "$OUT"
RAW="$OUT/raw.txt"
: >"$RAW"
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "host: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
    echo "swift: $(swift --version 2>&1 | head -1)"
    echo "libzmq: $(dpkg-query -W -f '${Version}' libzmq5 2>/dev/null || pkg-config --modversion libzmq)"
    echo "vtx: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- Sources Drivers 2>/dev/null || echo ' (with uncommitted changes)')${VTX_BENCH_BINARY:+; binary: $VTX_BENCH}${VTX_BENCH_SWIFTC_FLAGS:+; swiftc flags: $VTX_BENCH_SWIFTC_FLAGS}"
    echo "transports: ${TRANSPORTS[*]}; runs: $RUNS"
    echo "inproc: thr 16 B: $THR16 msgs; thr 1 KiB: $THR1K msgs; lat: $LAT round trips; allocs: $ALLOCS msgs"
    echo "tcp/ipc: thr 16 B: $STREAM_THR16 msgs; 1 KiB: $STREAM_THR1K; 64 KiB: $STREAM_THR64K; lat: $STREAM_LAT round trips"
    if [ "$RUN_TLS" = 1 ]; then
        echo "tls: $TLS_RUNS runs; thr 16 B: $TLS_THR16 msgs; 1 KiB: $TLS_THR1K; 64 KiB: $TLS_THR64K; lat: $TLS_LAT round trips"
    fi
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt"
if awk '{ exit !($1 > 1.0) }' /proc/loadavg; then
    echo "warning: the machine is busy (load $(cut -d' ' -f1 /proc/loadavg)); wall-clock figures will be noisy" >&2
fi

# Per-pair ratios with their spread, percentile tables and charts: pair_ratios, ratio_row, percentile_row, draw_charts.
source Benchmarks/report.sh

# Runs one benchmark command, appends its line to the raw file and echoes it.
run() {
    local line
    if ! line=$(timeout "$TIMEOUT" "$@" | tail -1); then
        echo "error: '$*' failed or timed out" >&2
        exit 1
    fi
    echo "$line" >>"$RAW"
    echo "    $line"
}

# Prints the value of KEY from the raw lines starting with PREFIX (one per line).
values() {
    local prefix=$1 key=$2
    grep -F -- "$prefix" "$RAW" | sed -n "s/.* $key=\([^ ]*\).*/\1/p"
}

# Prints "median min max" of the numbers on standard input.
stats() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan nan nan"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m, v[1], v[NR] }'
}

# MARK: inproc timed runs (interleaved, so that both sides see the same machine state)

inproc_benchmarks() {
    echo "==> inproc throughput, PUSH -> PULL, median of $RUNS"
    for run_index in $(seq "$RUNS"); do
        run "$VTX_BENCH" thr 16 "$THR16"
        run "$BIN_DIR/zmq_thr" 16 "$THR16"
        run "$VTX_BENCH" thr 1024 "$THR1K"
        run "$BIN_DIR/zmq_thr" 1024 "$THR1K"
    done

    echo "==> inproc latency, REQ <-> REP, median of $RUNS"
    for run_index in $(seq "$RUNS"); do
        run "$VTX_BENCH" lat 16 "$LAT"
        run "$BIN_DIR/zmq_lat" 16 "$LAT"
        run "$VTX_BENCH" lat 1024 "$LAT"
        run "$BIN_DIR/zmq_lat" 1024 "$LAT"
    done

    echo "==> heap allocations (malloc_count.so preloaded)"
    for size in 16 1024; do
        for batch in 100 1000; do
            LD_PRELOAD="$MALLOC_COUNT" run "$VTX_BENCH" allocs "$size" "$ALLOCS" "$batch"
            LD_PRELOAD="$MALLOC_COUNT" run "$BIN_DIR/zmq_allocs" pushpull "$size" "$ALLOCS" "$batch"
        done
        LD_PRELOAD="$MALLOC_COUNT" run "$VTX_BENCH" allocs-mt "$size" "$ALLOCS"
        LD_PRELOAD="$MALLOC_COUNT" run "$BIN_DIR/zmq_allocs" mt "$size" "$ALLOCS"
        LD_PRELOAD="$MALLOC_COUNT" run "$VTX_BENCH" allocs-reqrep "$size" $((ALLOCS / 10))
        LD_PRELOAD="$MALLOC_COUNT" run "$BIN_DIR/zmq_allocs" reqrep "$size" $((ALLOCS / 10))
    done
}

# MARK: inproc profile (optional)

inproc_profile() {
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "error: --profile needs valgrind" >&2
        exit 1
    fi
    echo "==> instructions per message (callgrind, one thread, batches of 100; difference of two run lengths)"
    # Valgrind 3.19 cannot read the DWARF 5 that Swift emits: profile a copy without debug sections.
    objcopy --strip-debug "$VTX_BENCH" "$OUT/vtx-bench.nodebug"
    # Prints the instructions callgrind counted for one run.
    instructions() {
        local file="$OUT/callgrind.tmp"
        LD_PRELOAD="$MALLOC_COUNT" valgrind --tool=callgrind --callgrind-out-file="$file" "$@" >/dev/null 2>&1
        sed -n 's/^summary: *//p; s/^totals: *//p' "$file" | head -1
        rm -f "$file"
    }
    small=20000
    large=60000
    for size in 16 1024; do
        for impl in vtx libzmq; do
            if [ "$impl" = vtx ]; then
                a=$(instructions "$OUT/vtx-bench.nodebug" allocs "$size" "$small")
                b=$(instructions "$OUT/vtx-bench.nodebug" allocs "$size" "$large")
            else
                a=$(instructions "$BIN_DIR/zmq_allocs" pushpull "$size" "$small")
                b=$(instructions "$BIN_DIR/zmq_allocs" pushpull "$size" "$large")
            fi
            # Each run sends and receives 2 x COUNT messages (warm-up and window).
            per=$(awk -v a="$a" -v b="$b" -v n=$((2 * (large - small))) 'BEGIN { printf "%.0f", (b - a) / n }')
            line="instr impl=$impl size=$size instructions_per_msg=$per"
            echo "$line" >>"$RAW"
            echo "    $line"
        done
    done
    rm -f "$OUT/vtx-bench.nodebug"
}

# MARK: Table

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }
million() { awk -v v="$1" 'BEGIN { printf "%.2f M", v / 1e6 }'; }
micro() { awk -v v="$1" 'BEGIN { printf "%.2f us", v }'; }

inproc_table() {
    echo
    printf '%-32s %-26s %-26s %-8s %s\n' "inproc, $(nproc) CPUs" "VTX median (min-max)" "libzmq median (min-max)" "ratio" "target"
    for size in 16 1024; do
        read -r vm vlo vhi < <(values "thr impl=vtx size=$size " msgs_per_s | stats)
        read -r zm zlo zhi < <(values "thr impl=libzmq size=$size " msgs_per_s | stats)
        printf '%-32s %-26s %-26s %-8s %s\n' "throughput $size B (msg/s)" \
            "$(million "$vm") ($(million "$vlo")-$(million "$vhi" | sed 's/ M//'))" \
            "$(million "$zm") ($(million "$zlo")-$(million "$zhi" | sed 's/ M//'))" \
            "$(ratio "$vm" "$zm")" ">= 1.00x"
    done
    for size in 16 1024; do
        read -r vm vlo vhi < <(values "lat impl=vtx size=$size " latency_us | stats)
        read -r zm zlo zhi < <(values "lat impl=libzmq size=$size " latency_us | stats)
        printf '%-32s %-26s %-26s %-8s %s\n' "latency $size B (one-way)" \
            "$(micro "$vm") ($vlo-$vhi)" "$(micro "$zm") ($zlo-$zhi)" "$(ratio "$vm" "$zm")" "<= 1.00x"
    done
    echo
    ratio_header "inproc VTX / libzmq, per pair"
    for size in 16 1024; do
        ratio_row "throughput $size B" "thr impl=vtx size=$size " "thr impl=libzmq size=$size " msgs_per_s inproc
    done
    for size in 16 1024; do
        ratio_row "latency $size B" "lat impl=vtx size=$size " "lat impl=libzmq size=$size " latency_us inproc
    done
    echo
    percentile_header "inproc latency, one-way us"
    for size in 16 1024; do
        percentile_row "VTX $size B" "lat impl=vtx size=$size " latency-inproc.dat
        percentile_row "libzmq $size B" "lat impl=libzmq size=$size " latency-inproc.dat
    done
    echo
    printf '%-44s %-14s %-14s %s\n' "heap allocations (steady state)" "VTX" "libzmq" "goal (VTX)"
    for size in 16 1024; do
        goal=$([ "$size" = 16 ] && echo "0" || echo "<= 1")
        for mode in pushpull-batch100 pushpull-batch1000 two-threads; do
            v=$(values "allocs impl=vtx mode=$mode size=$size " allocs_per_msg | head -1)
            z=$(values "allocs impl=libzmq mode=$mode size=$size " allocs_per_msg | head -1)
            printf '%-44s %-14s %-14s %s\n' "$size B PUSH/PULL, $mode, per msg" "$v" "$z" "$goal"
        done
        v=$(values "allocs impl=vtx mode=reqrep size=$size " allocs_per_roundtrip | head -1)
        z=$(values "allocs impl=libzmq mode=reqrep size=$size " allocs_per_roundtrip | head -1)
        printf '%-44s %-14s %-14s %s\n' "$size B REQ/REP, per round trip" "$v" "$z" "-"
    done
    if [ "$PROFILE" = "1" ]; then
        echo
        printf '%-44s %-14s %-14s %s\n' "instructions per message (send + receive)" "VTX" "libzmq" "ratio"
        for size in 16 1024; do
            v=$(values "instr impl=vtx size=$size " instructions_per_msg)
            z=$(values "instr impl=libzmq size=$size " instructions_per_msg)
            printf '%-44s %-14s %-14s %s\n' "$size B PUSH/PULL, one thread" "$v" "$z" "$(ratio "$v" "$z")"
        done
    fi
}

# MARK: Run

if [ "$RUN_INPROC" = 1 ]; then
    inproc_benchmarks
    [ "$PROFILE" = 1 ] && inproc_profile
fi
if [ ${#STREAM_TRANSPORTS[@]} -gt 0 ]; then
    stream_benchmarks "${STREAM_TRANSPORTS[@]}"
    [ "$PROFILE" = 1 ] && stream_profile "${STREAM_TRANSPORTS[@]}"
fi
[ "$RUN_TLS" = 1 ] && tls_benchmarks
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/environment.txt"

SUMMARY="$OUT/summary.txt"
{
    echo
    sed -n 's/^\(load average .*\)/\1/p' "$OUT/environment.txt"
    [ "$RUN_INPROC" = 1 ] && inproc_table
    [ ${#STREAM_TRANSPORTS[@]} -gt 0 ] && stream_table "${STREAM_TRANSPORTS[@]}"
    [ "$RUN_TLS" = 1 ] && tls_table
    true
} | tee "$SUMMARY"
draw_charts

ln -sfn "$STAMP" Benchmarks/results/latest
echo
echo "raw results: $RAW"
echo "summary:     $SUMMARY"
