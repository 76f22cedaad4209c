# VTX over tls beside VTX over tcp and beside libzmq's perf tools through two stunnels, in the same run (see
# docs/PERFORMANCE.md, "tls").
#
# Sourced by Benchmarks/run.sh (`bash Benchmarks/run.sh tls`), after Benchmarks/run-stream.sh, whose
# stream_measure runs every pair here; run.sh builds vtx-bench with the TLS trait when tls is asked for. Defines:
#
#   tls_benchmarks   the timed runs: for each size, VTX tls, VTX tcp and libzmq+stunnel back to back, repeated
#                    TLS_RUNS times (so each run index is one alternating triple measured under the same load)
#   tls_table        per-run ratios (their median and min-max) and the absolute medians (min-max)
#
# The libzmq side: zmq_remote_* connects in plain tcp to a stunnel in client mode, which speaks TLS to a stunnel
# in server mode, which forwards to zmq_local_* on plain tcp; both stunnels use the test certificates of
# Tests/VTXTLSTests/Fixtures and stay up for the whole run. VTX tls runs use the same certificates.
#
# Counts (environment): VTX_BENCH_TLS_RUNS (default 5), VTX_BENCH_TLS_THR16 (messages at 16 B), VTX_BENCH_TLS_THR1K,
# VTX_BENCH_TLS_THR64K, VTX_BENCH_TLS_LAT (round trips), VTX_BENCH_TLS_PORT (first of three stunnel ports).

TLS_RUNS=${VTX_BENCH_TLS_RUNS:-5}
TLS_FIXTURES="$PWD/Tests/VTXTLSTests/Fixtures"
TLS_PORT=${VTX_BENCH_TLS_PORT:-6400}
TLS_IMPLS="tls:vtx-vtx tcp:vtx-vtx stunnel:zmq-zmq"
TLS_THR16=${VTX_BENCH_TLS_THR16:-500000}
TLS_THR1K=${VTX_BENCH_TLS_THR1K:-200000}
TLS_THR64K=${VTX_BENCH_TLS_THR64K:-10000}
TLS_LAT=${VTX_BENCH_TLS_LAT:-5000}
export VTX_BENCH_TLS_CERT="$TLS_FIXTURES/server.pem" VTX_BENCH_TLS_KEY="$TLS_FIXTURES/server-key.pem"
export VTX_BENCH_TLS_TRUST="$TLS_FIXTURES/ca.pem"

# Starts the two stunnels (client: TLS_PORT+2 -> TLS_PORT+1; server: TLS_PORT+1 -> TLS_PORT, where zmq_local_*
# binds) and waits until both listen.
tls_start_stunnels() {
    local stunnel side
    stunnel=$(command -v stunnel4 || command -v stunnel) || { echo "error: tls needs stunnel4" >&2; exit 1; }
    cat >"$STREAM_TMP/stunnel-server.conf" <<EOF
foreground = yes
pid =
syslog = no
debug = 3
[bench]
accept = 127.0.0.1:$((TLS_PORT + 1))
connect = 127.0.0.1:$TLS_PORT
cert = $TLS_FIXTURES/server.pem
key = $TLS_FIXTURES/server-key.pem
sslVersionMin = TLSv1.2
EOF
    cat >"$STREAM_TMP/stunnel-client.conf" <<EOF
foreground = yes
pid =
syslog = no
debug = 3
[bench]
client = yes
accept = 127.0.0.1:$((TLS_PORT + 2))
connect = 127.0.0.1:$((TLS_PORT + 1))
CAfile = $TLS_FIXTURES/ca.pem
verifyChain = yes
checkIP = 127.0.0.1
sslVersionMin = TLSv1.2
EOF
    TLS_STUNNEL_PIDS=()
    for side in server client; do
        "$stunnel" "$STREAM_TMP/stunnel-$side.conf" >"$STREAM_TMP/stunnel-$side.log" 2>&1 &
        TLS_STUNNEL_PIDS+=($!)
    done
    for port in $((TLS_PORT + 1)) $((TLS_PORT + 2)); do
        for _ in $(seq 250); do
            ss -Hltn "sport = :$port" | grep -q . && break
            sleep 0.02
        done
        ss -Hltn "sport = :$port" | grep -q . || { echo "error: stunnel did not listen on $port" >&2; exit 1; }
    done
}

tls_stop_stunnels() {
    kill "${TLS_STUNNEL_PIDS[@]}" 2>/dev/null || true
    wait "${TLS_STUNNEL_PIDS[@]}" 2>/dev/null || true
}

tls_benchmarks() {
    local run_index kind size impl transport pair
    STREAM_THR16=$TLS_THR16 STREAM_THR1K=$TLS_THR1K STREAM_THR64K=$TLS_THR64K STREAM_LAT=$TLS_LAT
    tls_start_stunnels
    echo "==> tls: VTX tls, VTX tcp, libzmq through two stunnels; $TLS_RUNS alternating runs"
    for run_index in $(seq "$TLS_RUNS"); do
        for kind in thr lat; do
            for size in $(stream_sizes "$kind"); do
                for impl in $TLS_IMPLS; do
                    transport=${impl%%:*}
                    pair=${impl#*:}
                    stream_measure "$kind" "$transport" "$size" "$pair"
                done
            done
        done
    done
    tls_stop_stunnels
}

# Prints the values of one implementation, one per line, in run order.
tls_values() { values "stream kind=$1 transport=$2 size=$3 pair=$4 " value; }

# Prints "median min max" of the per-run ratios A/B, where A and B are "transport:pair".
tls_ratio_stats() {
    local kind=$1 size=$2 a=$3 b=$4
    paste <(tls_values "$kind" "${a%%:*}" "$size" "${a#*:}") <(tls_values "$kind" "${b%%:*}" "$size" "${b#*:}") \
        | awk '$1 != "nan" && $2 != "nan" && $2 + 0 != 0 { print $1 / $2 }' | stats
}

tls_table() {
    local kind size label median low high unit impl
    echo
    echo "tls, $TLS_RUNS runs; ratios are medians of per-run ratios (min-max); throughput: higher is better, latency: lower"
    printf '%-22s %-30s %-30s\n' "" "VTX tls / libzmq+stunnel" "VTX tls / VTX tcp"
    for kind in thr lat; do
        for size in $(stream_sizes "$kind"); do
            label=$([ "$kind" = thr ] && echo "throughput" || echo "latency")
            case $size in 16) label="$label 16 B" ;; 1024) label="$label 1 KiB" ;; 65536) label="$label 64 KiB" ;; esac
            printf '%-22s' "$label"
            for impl in stunnel:zmq-zmq tcp:vtx-vtx; do
                read -r median low high < <(tls_ratio_stats "$kind" "$size" tls:vtx-vtx "$impl")
                printf ' %-30s' "$(awk -v m="$median" -v l="$low" -v h="$high" 'BEGIN { printf "%.2fx (%.2f-%.2f)", m, l, h }')"
            done
            echo
        done
    done
    echo
    printf '%-22s %-26s %-26s %-26s\n' "tls, median (min-max)" "VTX tls" "VTX tcp" "libzmq+stunnel"
    for kind in thr lat; do
        for size in $(stream_sizes "$kind"); do
            unit=$([ "$kind" = thr ] && echo "M msg/s" || echo "us")
            printf '%-22s' "$kind $size B ($unit)"
            for impl in $TLS_IMPLS; do
                printf ' %-26s' "$(stream_cell "$kind" "stream kind=$kind transport=${impl%%:*} size=$size pair=${impl#*:} ")"
            done
            echo
        done
    done
}
