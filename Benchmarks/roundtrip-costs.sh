#!/usr/bin/env bash
# What one request-reply round trip costs each side, VTX beside libzmq (issue 15, item 1): system calls (strace -c),
# heap allocations (malloc_count.so), instructions (valgrind's callgrind, every thread) and context switches
# (getrusage of the process: voluntary, i.e. wake-ups, and involuntary), for the REP side (`local-lat`) and the REQ
# side (`remote-lat`) of libzmq's perf roles, `vtx perf` against `vtx perf` and `zmq_local_lat` against
# `zmq_remote_lat`. Each count is the difference between a run of SMALL and a run of LARGE round trips, divided by
# LARGE - SMALL, so start-up and shutdown cancel out.
#
#   bash Benchmarks/roundtrip-costs.sh [tcp|ipc] [SIZE] [lat|thr]     (default tcp, 16 bytes, lat)
#
# With thr, the same counts per message of a PUSH -> PULL stream instead (`local-thr` is the receiver, `remote-thr`
# the sender; 100,000 and 600,000 messages).
#
# Counts, not times: they hold on a busy machine. VTX_BENCH_VTX=path uses a `vtx` built elsewhere (release);
# otherwise one is built in .build-bench (VTX_BENCH_SWIFTC_FLAGS: extra compiler flags, built in .build-bench-flags). Results go to Benchmarks/results/roundtrip-<UTC time>.txt (thr: stream-<UTC time>.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
transport=${1:-tcp}
size=${2:-16}
kind=${3:-lat}
case "$transport" in tcp | ipc) ;; *) echo "usage: roundtrip-costs.sh [tcp|ipc] [SIZE] [lat|thr]" >&2; exit 64 ;; esac
case "$kind" in lat | thr) ;; *) echo "usage: roundtrip-costs.sh [tcp|ipc] [SIZE] [lat|thr]" >&2; exit 64 ;; esac
case "$size" in '' | *[!0-9]*) echo "roundtrip-costs.sh: SIZE must be a number of bytes" >&2; exit 64 ;; esac
[ "$size" -le 1048576 ] || { echo "roundtrip-costs.sh: SIZE must be at most 1 MiB" >&2; exit 64; }
missing=()
command -v strace >/dev/null || missing+=(strace)
command -v valgrind >/dev/null || missing+=(valgrind)
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "$kind" = thr ]; then
    SMALL=${VTX_RT_SMALL:-100000}
    LARGE=${VTX_RT_LARGE:-600000}
else
    SMALL=${VTX_RT_SMALL:-2000}
    LARGE=${VTX_RT_LARGE:-22000}
fi
BIN_DIR=Benchmarks/bin
mkdir -p "$BIN_DIR" Benchmarks/results
read -r -a ZMQ_FLAGS <<<"$(pkg-config --cflags --libs libzmq)"
for program in zmq_local_$kind zmq_remote_$kind; do
    cc -O2 -Wall -o "$BIN_DIR/$program" "Benchmarks/libzmq/$program.c" "${ZMQ_FLAGS[@]}" -lm
done
cc -O2 -Wall -Wextra -shared -fPIC -o "$BIN_DIR/malloc_count.so" Benchmarks/alloc/malloc_count.c
if [ -n "${VTX_BENCH_VTX:-}" ]; then
    VTX=$(realpath "$VTX_BENCH_VTX")
else
    # VTX_BENCH_SWIFTC_FLAGS (e.g. -enforce-exclusivity=unchecked) go to every module's compiler, in a scratch
    # directory of their own (see docs/PERFORMANCE.md, "Where the instructions go").
    scratch=.build-bench
    build_flags=()
    for flag in ${VTX_BENCH_SWIFTC_FLAGS:-}; do build_flags+=(-Xswiftc "$flag"); done
    [ ${#build_flags[@]} -gt 0 ] && scratch=.build-bench-flags
    swift build -c release --scratch-path "$scratch" "${build_flags[@]}" --product vtx >/dev/null
    VTX="$(swift build -c release --scratch-path "$scratch" "${build_flags[@]}" --show-bin-path)/vtx"
fi
# What the header names as the VTX measured: this tree's commit, or the binary given instead (whose commit the
# script cannot know).
if [ -n "${VTX_BENCH_VTX:-}" ]; then
    vtx_source="vtx $VTX (VTX_BENCH_VTX; tree at $(git rev-parse --short HEAD))"
else
    vtx_source="commit $(git rev-parse --short HEAD)"
fi
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
objcopy --strip-debug "$VTX" "$tmp/vtx.nodebug"
out="Benchmarks/results/$([ "$kind" = thr ] && echo stream || echo roundtrip)-$(date -u +%Y%m%d-%H%M%S).txt"

endpoint() {
    if [ "$transport" = tcp ]; then
        echo "tcp://127.0.0.1:$((20000 + RANDOM % 20000))"
    else
        echo "ipc://$tmp/rt-$RANDOM"
    fi
}

# run IMPL COUNT WRAPPER: one local/remote pair of IMPL (vtx, zmq) doing COUNT round trips, each process started
# under WRAPPER (with @SIDE@ replaced by local or remote), bounded at 120 s.
run_pair() {
    local impl=$1 count=$2 wrapper=$3 at local remote
    at=$(endpoint)
    if [ "$impl" = vtx ]; then
        # valgrind 3.19 cannot read the DWARF 5 of Swift's debug information: it runs a copy without it.
        local vtx=$VTX
        [[ $wrapper == valgrind* ]] && vtx=$tmp/vtx.nodebug
        local=("$vtx" perf "local-$kind" "$at" "$size" "$count")
        remote=("$vtx" perf "remote-$kind" "$at" "$size" "$count")
    else
        local=("$BIN_DIR/zmq_local_$kind" "$at" "$size" "$count")
        remote=("$BIN_DIR/zmq_remote_$kind" "$at" "$size" "$count")
    fi
    timeout 120 ${wrapper//@SIDE@/local} "${local[@]}" >/dev/null 2>"$tmp/local.err" &
    local binder=$!
    sleep 0.5
    timeout 120 ${wrapper//@SIDE@/remote} "${remote[@]}" >/dev/null 2>"$tmp/remote.err"
    wait "$binder"
}

# The total calls of an `strace -c` summary.
strace_total() { awk '$NF == "total" { print $4 }' "$1"; }
# The calls of one system call in an `strace -c` summary (0 when absent).
strace_calls() { awk -v name="$2" '$NF == name { calls = $4 } END { print calls + 0 }' "$1"; }

# Runs a command and writes its context switches (all its threads, from getrusage) to the file given first.
cat >"$tmp/rusage.py" <<'PY'
import resource, subprocess, sys
result = subprocess.run(sys.argv[2:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(f"voluntary={usage.ru_nvcsw} involuntary={usage.ru_nivcsw}\n")
sys.exit(result.returncode)
PY

# The value of NAME=VALUE in the last line of a file of such words.
field() { awk -v name="$2" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) value = kv[2] } } END { print value + 0 }' "$1"; }
# The instructions of a callgrind output file (its "totals:" or "summary:" line).
callgrind_total() { awk '$1 == "totals:" || $1 == "summary:" { total = $2 } END { print total + 0 }' "$1"; }
per_trip() { awk -v a="$1" -v b="$2" -v n=$((LARGE - SMALL)) 'BEGIN { printf "%.2f", (b - a) / n }'; }

declare -A result
for impl in vtx zmq; do
    for count in "$SMALL" "$LARGE"; do
        run_pair "$impl" "$count" "strace -f -c -o $tmp/strace.@SIDE@.$impl.$count"
        # The python wrapper is not preloaded (it would count its own allocations): the counter goes to the
        # program alone, through env after python.
        # Instructions executed, every thread (callgrind's total): a count that no load on the machine changes.
        run_pair "$impl" "$count" "valgrind -q --tool=callgrind --callgrind-out-file=$tmp/callgrind.@SIDE@.$impl.$count"
        run_pair "$impl" "$count" "python3 $tmp/rusage.py $tmp/usage.@SIDE@.$impl.$count env LD_PRELOAD=$PWD/$BIN_DIR/malloc_count.so VTXBENCH_MALLOC_REPORT=$tmp/alloc.@SIDE@.$impl.$count"
    done
    for side in local remote; do
        s="$tmp/strace.$side.$impl"
        result[$impl.$side.syscalls]=$(per_trip "$(strace_total "$s.$SMALL")" "$(strace_total "$s.$LARGE")")
        for call in read write readv writev sendmsg recvmsg recvfrom sendto epoll_wait epoll_pwait poll futex; do
            result[$impl.$side.$call]=$(per_trip "$(strace_calls "$s.$SMALL" "$call")" "$(strace_calls "$s.$LARGE" "$call")")
        done
        a="$tmp/alloc.$side.$impl"
        result[$impl.$side.allocations]=$(per_trip "$(field "$a.$SMALL" allocations)" "$(field "$a.$LARGE" allocations)")
        c="$tmp/callgrind.$side.$impl"
        result[$impl.$side.instructions]=$(per_trip "$(callgrind_total "$c.$SMALL")" "$(callgrind_total "$c.$LARGE")")
        u="$tmp/usage.$side.$impl"
        result[$impl.$side.voluntary]=$(per_trip "$(field "$u.$SMALL" voluntary)" "$(field "$u.$LARGE" voluntary)")
        result[$impl.$side.involuntary]=$(per_trip "$(field "$u.$SMALL" involuntary)" "$(field "$u.$LARGE" involuntary)")
    done
done

{
    if [ "$kind" = thr ]; then unit=message; local_label=PULL; remote_label=PUSH; else unit="round trip"; local_label=REP; remote_label=REQ; fi
    echo "$unit costs ($kind): $transport, $size B, ($LARGE - $SMALL) ${unit}s; $(date -u +%FT%TZ); $vtx_source; swiftc flags: ${VTX_BENCH_SWIFTC_FLAGS:-none}; load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-26s %10s %10s %10s %10s\n' "per $unit" "VTX $local_label" "zmq $local_label" "VTX $remote_label" "zmq $remote_label"
    for row in syscalls read write readv writev sendmsg recvmsg recvfrom sendto epoll_wait epoll_pwait poll futex allocations instructions voluntary involuntary; do
        label=$row
        case $row in voluntary) label="context switches (wake-ups)" ;; involuntary) label="preemptions" ;; syscalls) label="system calls (all)" ;; instructions) label="instructions (all threads)" ;; esac
        printf '%-26s %10s %10s %10s %10s\n' "$label" "${result[vtx.local.$row]}" "${result[zmq.local.$row]}" "${result[vtx.remote.$row]}" "${result[zmq.remote.$row]}"
    done
} | tee "$out"
