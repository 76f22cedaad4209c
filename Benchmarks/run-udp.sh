#!/usr/bin/env bash
# VTX's udp driver beside raw UDP sockets on loopback, in the same run (docs/PERFORMANCE.md, "UDP").
#
#   bash Benchmarks/run-udp.sh
#
# Raw UDP: Benchmarks/udp/raw_udp.c, plain sendto/recv, one message per datagram, no reliability. VTX: `vtx perf`
# (libzmq's perf roles) over udp://127.0.0.1: PUSH/PULL reliable, PUSH/PULL best-effort (the PUB/SUB default mode,
# endpoint option delivery=best-effort; the receiver measures the rate at which the first 10% of what is sent
# arrives: a sender that floods loses most of the rest at the receiver's full queue, as a PUB drops at its
# high-water mark), and REQ/REP latency. Counts: VTX_UDP_THR (default 200000),
# VTX_UDP_LAT (default 20000). Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
THR=${VTX_UDP_THR:-200000}
LAT=${VTX_UDP_LAT:-20000}
BIN=Benchmarks/bin
mkdir -p "$BIN"
cc -O2 -o "$BIN/raw_udp" Benchmarks/udp/raw_udp.c
swift build -c release --product vtx >/dev/null
VTX=$(swift build -c release --show-bin-path)/vtx
PORT=$((40000 + RANDOM % 10000))

rate() { sed -n 's/.*mean throughput: \([0-9.]*\) \[msg\/s\].*/\1/p; s/.* \([0-9]*\) msg\/s$/\1/p' | head -1; }
latency() { sed -n 's/.*average latency: \([0-9.]*\) \[us\].*/\1/p; s/.*, \([0-9.]*\) us one way$/\1/p' | head -1; }

raw_thr() {  # size
    PORT=$((PORT + 1))
    "$BIN/raw_udp" sink $PORT "$1" "$THR" >"$BIN/raw.out" &
    local sink=$!
    sleep 0.3
    "$BIN/raw_udp" source $PORT "$1" "$THR"
    wait $sink
    rate <"$BIN/raw.out"
}

vtx_thr() {  # size options receive-count
    PORT=$((PORT + 1))
    timeout 60 "$VTX" perf local-thr "udp://127.0.0.1:$PORT$2" "$1" "$3" >"$BIN/vtx.out" 2>&1 &
    local sink=$!
    sleep 0.5
    timeout 60 "$VTX" perf remote-thr "udp://127.0.0.1:$PORT$2" "$1" "$THR" >/dev/null 2>&1 || true
    wait $sink || true
    rate <"$BIN/vtx.out"
}

raw_lat() {
    PORT=$((PORT + 1))
    "$BIN/raw_udp" pong $PORT 64 "$LAT" &
    sleep 0.3
    "$BIN/raw_udp" ping $PORT 64 "$LAT" | latency
    wait
}

vtx_lat() {
    PORT=$((PORT + 1))
    timeout 60 "$VTX" perf local-lat "udp://127.0.0.1:$PORT" 64 "$LAT" >/dev/null 2>&1 &
    sleep 0.5
    timeout 60 "$VTX" perf remote-lat "udp://127.0.0.1:$PORT" 64 "$LAT" 2>&1 | latency
    wait || true
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "-" }'; }

echo "| test | raw UDP | VTX udp | ratio |"
echo "|---|---|---|---|"
for size in 16 1024; do
    raw=$(raw_thr $size)
    reliable=$(vtx_thr $size "" "$THR")
    best=$(vtx_thr $size "?delivery=best-effort" $((THR / 10)))
    echo "| PUSH/PULL reliable, $size B [msg/s] | $raw | $reliable | $(ratio "$reliable" "$raw") |"
    echo "| best-effort (PUB/SUB mode), $size B [msg/s] | $raw | $best | $(ratio "$best" "$raw") |"
done
raw=$(raw_lat)
vtx=$(vtx_lat)
echo "| REQ/REP latency, 64 B, one way [us] | $raw | $vtx | $(ratio "$vtx" "$raw") |"
