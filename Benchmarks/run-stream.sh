# VTX beside libzmq over tcp and ipc, as separate processes (see docs/PERFORMANCE.md, "tcp and ipc").
#
# Sourced by Benchmarks/run.sh (`bash Benchmarks/run.sh tcp ipc`, or no argument for everything), which builds the
# programs and defines VTX_BENCH, BIN_DIR, OUT, RAW, RUNS, MALLOC_COUNT and the helpers `values`, `stats`, `ratio`,
# `million` and `micro`. It defines:
#
#   stream_benchmarks TRANSPORT...   the timed runs: every pairing, size and run, interleaved
#   stream_profile TRANSPORT...      syscalls, bytes per syscall, allocations and CPU time per message (--profile)
#   stream_table TRANSPORT...        the tables (ratios against libzmq<->libzmq, then absolute figures)
#
# Each measurement is one pair of processes, as with libzmq's perf tools: the binding side (local-thr PULL or
# local-lat REP) starts first; once its endpoint is listening the connecting side (remote-thr PUSH or remote-lat
# REQ) runs. A pairing is written SENDER->RECEIVER for throughput and REQ->REP for latency, with vtx for
# `vtx-bench` and zmq for our C programs against the system libzmq (Benchmarks/libzmq/zmq_{local,remote}_*.c).
#
# The pseudo-transports curve and plain are tcp with that security mechanism (VTX_BENCH_MECHANISM) on both sides.
#
# Counts (environment): VTX_BENCH_STREAM_THR16 (messages at 16 B), VTX_BENCH_STREAM_THR1K (1 KiB),
# VTX_BENCH_STREAM_THR64K (64 KiB), VTX_BENCH_STREAM_LAT (round trips), VTX_BENCH_PORT (first tcp port).

STREAM_THR16=${VTX_BENCH_STREAM_THR16:-2000000}
STREAM_THR1K=${VTX_BENCH_STREAM_THR1K:-500000}
STREAM_THR64K=${VTX_BENCH_STREAM_THR64K:-50000}
STREAM_LAT=${VTX_BENCH_STREAM_LAT:-20000}
STREAM_PORT=${VTX_BENCH_PORT:-5600}
STREAM_PAIRS="vtx-vtx vtx-zmq zmq-vtx zmq-zmq"
# A process gets this long in all; once the connecting side has exited (everything it sent is in the kernel),
# the binding side gets STREAM_GRACE seconds more to finish, else it is counted as hung.
STREAM_TIMEOUT=90
STREAM_GRACE=10
STREAM_SEQ=0
STREAM_TMP=$(mktemp -d /tmp/vtx-bench.XXXXXX)
trap 'rm -rf "$STREAM_TMP"' EXIT

stream_count() {
    case "$1 $2" in
    "thr 16") echo "$STREAM_THR16" ;;
    "thr 1024") echo "$STREAM_THR1K" ;;
    "thr 65536") echo "$STREAM_THR64K" ;;
    lat*) echo "$STREAM_LAT" ;;
    esac
}

stream_sizes() {
    if [ "$1" = thr ]; then echo "16 1024 65536"; else echo "16 1024"; fi
}

# Prints the command line (one word per line) of IMPL's ROLE (local-thr, remote-lat, ...).
stream_program() {
    local impl=$1 role=$2
    if [ "$impl" = vtx ]; then
        printf '%s\n%s\n' "$VTX_BENCH" "$role"
    else
        printf '%s\n' "$BIN_DIR/zmq_${role/-/_}"
    fi
}

# Sets STREAM_ENDPOINT (a fresh one for every pair, so no run sees another's leftovers), STREAM_READY (a
# command that succeeds once something listens there) and STREAM_REMOTE_ENDPOINT (where the connecting side goes
# when that is elsewhere: the stunnel pairing of run-tls.sh).
stream_endpoint() {
    STREAM_SEQ=$((STREAM_SEQ + 1))
    STREAM_REMOTE_ENDPOINT=""
    if [ "$1" = tcp ] || [ "$1" = tls ] || [ "$1" = curve ] || [ "$1" = plain ]; then
        local port=$((STREAM_PORT + STREAM_SEQ % 400))
        local scheme=$1
        [ "$1" = curve ] || [ "$1" = plain ] && scheme=tcp
        STREAM_ENDPOINT="$scheme://127.0.0.1:$port"
        STREAM_READY="ss -Hltn sport = :$port | grep -q ."
    elif [ "$1" = stunnel ]; then
        # libzmq through two stunnels (Benchmarks/run-tls.sh): the binder listens behind the server-mode stunnel,
        # the connecter connects to the client-mode one.
        STREAM_ENDPOINT="tcp://127.0.0.1:$TLS_PORT"
        STREAM_REMOTE_ENDPOINT="tcp://127.0.0.1:$((TLS_PORT + 2))"
        STREAM_READY="ss -Hltn sport = :$TLS_PORT | grep -q ."
    else
        STREAM_ENDPOINT="ipc://$STREAM_TMP/$STREAM_SEQ.ipc"
        STREAM_READY="test -S $STREAM_TMP/$STREAM_SEQ.ipc"
    fi
}

# Runs one pair of processes. KIND is thr or lat; PAIR is SENDER-RECEIVER (thr) or REQ-REP (lat). WRAP, when
# set, is an array name whose words are put in front of both commands (for the profile). Leaves the two outputs
# in $STREAM_TMP/local.out and remote.out and returns non-zero (with STREAM_FAILURE set) if a side failed.
stream_pair() {
    local kind=$1 transport=$2 size=$3 count=$4 pair=$5
    local remote_impl=${pair%-*} local_impl=${pair#*-}
    local -a local_cmd remote_cmd wrap_local=() wrap_remote=()
    mapfile -t local_cmd < <(stream_program "$local_impl" "local-$kind")
    mapfile -t remote_cmd < <(stream_program "$remote_impl" "remote-$kind")
    if [ -n "${STREAM_WRAP_LOCAL:-}" ]; then read -r -a wrap_local <<<"$STREAM_WRAP_LOCAL"; fi
    if [ -n "${STREAM_WRAP_REMOTE:-}" ]; then read -r -a wrap_remote <<<"$STREAM_WRAP_REMOTE"; fi
    stream_endpoint "$transport"
    STREAM_FAILURE=""
    # curve and plain are tcp with that security mechanism on both sides (Benchmarks/libzmq/common.h and
    # vtx-bench read VTX_BENCH_MECHANISM; the binding side is the server).
    local mechanism=null
    [ "$transport" = curve ] || [ "$transport" = plain ] && mechanism=$transport
    export VTX_BENCH_MECHANISM=$mechanism

    timeout "$STREAM_TIMEOUT" "${wrap_local[@]}" "${local_cmd[@]}" "$STREAM_ENDPOINT" "$size" "$count" \
        >"$STREAM_TMP/local.out" 2>&1 &
    local local_pid=$! tries=0
    until eval "$STREAM_READY"; do
        tries=$((tries + 1))
        if ! kill -0 "$local_pid" 2>/dev/null || [ "$tries" -gt 500 ]; then
            kill "$local_pid" 2>/dev/null || true
            wait "$local_pid" 2>/dev/null || true
            STREAM_FAILURE="bind-failed"
            return 1
        fi
        sleep 0.02
    done

    local remote_rc=0 local_rc=0
    timeout "$STREAM_TIMEOUT" "${wrap_remote[@]}" "${remote_cmd[@]}" "${STREAM_REMOTE_ENDPOINT:-$STREAM_ENDPOINT}" "$size" "$count" \
        >"$STREAM_TMP/remote.out" 2>&1 || remote_rc=$?
    tries=0
    while kill -0 "$local_pid" 2>/dev/null && [ "$tries" -lt $((STREAM_GRACE * 20)) ]; do
        sleep 0.05
        tries=$((tries + 1))
    done
    if kill -0 "$local_pid" 2>/dev/null; then
        kill "$local_pid" 2>/dev/null || true
        wait "$local_pid" 2>/dev/null || true
        STREAM_FAILURE="receiver-hung"
        [ "$kind" = lat ] && STREAM_FAILURE="rep-hung"
        return 1
    fi
    wait "$local_pid" || local_rc=$?
    if [ "$remote_rc" != 0 ]; then
        STREAM_FAILURE="remote-exit-$remote_rc"
        return 1
    fi
    if [ "$local_rc" != 0 ]; then
        STREAM_FAILURE="local-exit-$local_rc"
        return 1
    fi
}

# Runs one timed pair and appends its raw line: the receiver's msg/s (thr) or the REQ side's one-way latency (lat;
# with the percentiles of its round trips, p50=… p90=… p99=… p99.9=… max=…, one-way µs).
stream_measure() {
    local kind=$1 transport=$2 size=$3 pair=$4
    local count line value percentiles=""
    count=$(stream_count "$kind" "$size")
    line="stream kind=$kind transport=$transport size=$size pair=$pair count=$count"
    if stream_pair "$kind" "$transport" "$size" "$count" "$pair"; then
        if [ "$kind" = thr ]; then
            value=$(sed -n 's/^mean throughput: \([0-9.]*\) \[msg\/s\]$/\1/p' "$STREAM_TMP/local.out")
        else
            value=$(sed -n 's/^average latency: \([0-9.]*\) \[us\]$/\1/p' "$STREAM_TMP/remote.out")
            percentiles=$(sed -n 's/^latency percentiles: \(.*\) \[us\]$/\1/p' "$STREAM_TMP/remote.out")
        fi
        line="$line value=${value:-nan}${percentiles:+ $percentiles}"
    else
        line="$line failed=$STREAM_FAILURE"
        echo "    warning: $kind $transport $size B $pair failed ($STREAM_FAILURE); its remaining runs are skipped" >&2
        tail -n 3 "$STREAM_TMP/local.out" "$STREAM_TMP/remote.out" 2>/dev/null | sed 's/^/      /' >&2
    fi
    echo "$line" >>"$RAW"
    echo "    $line"
}

stream_benchmarks() {
    local transport kind size pair run_index
    echo "==> tcp/ipc, separate processes: $* (median of $RUNS; pairings interleaved)"
    for run_index in $(seq "$RUNS"); do
        for transport in "$@"; do
            for kind in thr lat; do
                for size in $(stream_sizes "$kind"); do
                    for pair in $STREAM_PAIRS; do
                        # A pairing that failed once is not run again (a hang costs the grace period each time).
                        if grep -F -- "stream kind=$kind transport=$transport size=$size pair=$pair " "$RAW" \
                            | grep -q failed=; then
                            continue
                        fi
                        stream_measure "$kind" "$transport" "$size" "$pair"
                    done
                done
            done
        done
    done
}

# MARK: Profile

# Sums what `perf trace` recorded for one process: data syscalls (those moving more than 8 bytes, which sets aside
# eventfd signals), their bytes, eventfd-sized writes, and blocking waits (epoll_wait, poll).
stream_trace_summary() {
    local file=$1 messages=$2
    awk -v n="$messages" '
        {
            if (!match($0, /[a-z_0-9]+\(/)) next
            call = substr($0, RSTART, RLENGTH - 1)
            if (!match($0, /\) += -?[0-9]+/)) next
            ret = substr($0, RSTART, RLENGTH); sub(/.*= +/, "", ret); ret += 0
            if (call ~ /^(write|writev|sendto|sendmsg)$/) {
                if (ret > 8) { out++; outb += ret } else if (ret == 8) sig++
            } else if (call ~ /^(read|readv|recvfrom|recvmsg)$/) {
                if (ret > 8) { inn++; inb += ret }
            } else if (call ~ /^(epoll_wait|poll)$/) waits++
        }
        END {
            printf "data_writes=%d msgs_per_write=%.1f bytes_per_write=%.0f ", out, out ? n / out : 0, out ? outb / out : 0
            printf "data_reads=%d msgs_per_read=%.1f bytes_per_read=%.0f ", inn, inn ? n / inn : 0, inn ? inb / inn : 0
            printf "eventfd_writes_per_1k_msgs=%.2f waits_per_1k_msgs=%.2f\n", sig * 1000 / n, waits * 1000 / n
        }' "$file"
}

# Prints the allocations and CPU time per message of one side (remote or local) of the last profiled pair.
stream_cost_summary() {
    local side=$1 messages=$2 allocs
    allocs=$(sed -n 's/^allocations: \([0-9.]*\) .*/\1/p' "$STREAM_TMP/$side.out")
    printf 'allocs_per_msg=%s ' "${allocs:-nan}"
    sed -n 's/^cpu_seconds=\([0-9.]*\)+\([0-9.]*\)$/\1 \2/p' "$STREAM_TMP/time.$side" \
        | awk -v n="$messages" '{ printf "user_us_per_msg=%.3f sys_us_per_msg=%.3f\n", $1 * 1e6 / n, $2 * 1e6 / n }'
}

# Runs one throughput pair with both commands prefixed by WRAP, in which @SIDE@ stands for local or remote, then
# appends and echoes one line per side: KIND, the pair, and what SUMMARY (a function taking the side and the
# message count) prints. Warns and appends nothing when the pair failed.
stream_profiled_pair() {
    local kind=$1 wrap=$2 summary=$3 transport=$4 size=$5 count=$6 pair=$7 status=0 side line
    STREAM_WRAP_LOCAL=${wrap//@SIDE@/local}
    STREAM_WRAP_REMOTE=${wrap//@SIDE@/remote}
    stream_pair thr "$transport" "$size" "$count" "$pair" || status=$?
    STREAM_WRAP_LOCAL=""
    STREAM_WRAP_REMOTE=""
    if [ "$status" != 0 ]; then
        echo "    warning: profile $transport $size B $pair failed ($STREAM_FAILURE)" >&2
        return 0
    fi
    for side in remote local; do
        line="$kind transport=$transport size=$size pair=$pair side=$([ "$side" = remote ] && echo sender || echo receiver)"
        line="$line $("$summary" "$side" "$count")"
        echo "$line" >>"$RAW"
        echo "    $line"
    done
}

stream_trace_side() { stream_trace_summary "$STREAM_TMP/trace.$1" "$2"; }

# For VTX<->VTX and libzmq<->libzmq throughput over each transport: (1) syscalls under `perf trace` (both
# processes); (2) allocations per message (malloc_count.so) and CPU seconds per million messages (user + system,
# /usr/bin/time) of each process, in a run without tracing. Counts: a quarter of the timed runs' at 16 B, half at
# 1 KiB, all at 64 KiB.
stream_profile() {
    local transport size pair count
    local calls=write,writev,sendto,sendmsg,read,readv,recvfrom,recvmsg,epoll_wait,poll
    if ! command -v perf >/dev/null 2>&1; then
        echo "error: --profile needs perf (linux-perf) for the tcp/ipc syscall counts" >&2
        exit 1
    fi
    echo "==> tcp/ipc profile: syscalls (perf trace), allocations and CPU time per message"
    for transport in "$@"; do
        for size in 16 1024 65536; do
            count=$(stream_count thr "$size")
            [ "$size" = 16 ] && count=$((count / 4))
            [ "$size" = 1024 ] && count=$((count / 2))
            for pair in vtx-vtx zmq-zmq; do
                stream_profiled_pair syscalls "perf trace -o $STREAM_TMP/trace.@SIDE@ -e $calls --" stream_trace_side \
                    "$transport" "$size" "$count" "$pair"
                stream_profiled_pair cost \
                    "/usr/bin/time -f cpu_seconds=%U+%S -o $STREAM_TMP/time.@SIDE@ env LD_PRELOAD=$MALLOC_COUNT" \
                    stream_cost_summary "$transport" "$size" "$count" "$pair"
            done
        done
    done
}

# MARK: Table

# The per-pair ratios (vtx<->vtx of run i over zmq<->zmq of run i; see Benchmarks/report.sh for the WIDE flag)
# and the latency percentiles (median of the runs; vtx<->vtx and zmq<->zmq) of each transport, kept for the charts.
stream_pair_table() {
    local transport kind size label prefix
    for transport in "$@"; do
        echo
        ratio_header "$transport vtx<->vtx / zmq<->zmq, per pair"
        for kind in thr lat; do
            for size in $(stream_sizes "$kind"); do
                label=$([ "$kind" = thr ] && echo "throughput" || echo "latency")
                case $size in 16) label="$label 16 B" ;; 1024) label="$label 1 KiB" ;; 65536) label="$label 64 KiB" ;; esac
                prefix="stream kind=$kind transport=$transport size=$size pair="
                ratio_row "$label" "${prefix}vtx-vtx " "${prefix}zmq-zmq " value "$transport"
            done
        done
        echo
        percentile_header "$transport latency, one-way us"
        for size in 16 1024; do
            prefix="stream kind=lat transport=$transport size=$size pair="
            percentile_row "VTX $size B" "${prefix}vtx-vtx " "latency-$transport.dat"
            percentile_row "libzmq $size B" "${prefix}zmq-zmq " "latency-$transport.dat"
        done
    done
}

# Prints "median min max" of the values of one pairing, or "FAIL(reason)" when it failed.
stream_stats() {
    local prefix=$1 failure
    failure=$(grep -F -- "$prefix" "$RAW" | sed -n 's/.* failed=\([^ ]*\).*/\1/p' | head -1)
    if [ -n "$failure" ]; then
        echo "FAIL($failure)"
    else
        values "$prefix" value | stats
    fi
}

# Prints the "median (min-max)" cell of the raw lines starting with PREFIX: millions of msg/s for KIND thr,
# microseconds for lat; FAIL(reason) when the pairing failed.
stream_cell() {
    local kind=$1 prefix=$2 median low high
    read -r median low high < <(stream_stats "$prefix")
    case "$median" in
    FAIL*) echo "$median" ;;
    *)
        if [ "$kind" = thr ]; then
            awk -v m="$median" -v l="$low" -v h="$high" 'BEGIN { printf "%.3f (%.3f-%.3f)\n", m / 1e6, l / 1e6, h / 1e6 }'
        else
            awk -v m="$median" -v l="$low" -v h="$high" 'BEGIN { printf "%.1f (%.1f-%.1f)\n", m, l, h }'
        fi
        ;;
    esac
}

stream_table() {
    local transport kind size pair label unit base cell target check median verdict
    for transport in "$@"; do
        echo
        printf '%-26s %-12s %-12s %-12s %-22s %s\n' "$transport, ratio to zmq<->zmq" "vtx<->vtx" "vtx->zmq" \
            "zmq->vtx" "zmq<->zmq (median)" "target for vtx<->vtx"
        for kind in thr lat; do
            for size in $(stream_sizes "$kind"); do
                label=$([ "$kind" = thr ] && echo "throughput" || echo "latency")
                case $size in 16) label="$label 16 B" ;; 1024) label="$label 1 KiB" ;; 65536) label="$label 64 KiB" ;; esac
                read -r base _ < <(stream_stats "stream kind=$kind transport=$transport size=$size pair=zmq-zmq ")
                printf '%-26s' "$label"
                verdict="-"
                for pair in vtx-vtx vtx-zmq zmq-vtx; do
                    read -r median _ < <(stream_stats "stream kind=$kind transport=$transport size=$size pair=$pair ")
                    case "$median" in
                    FAIL*) cell=$median ;;
                    *) cell=$(ratio "$median" "$base") ;;
                    esac
                    printf ' %-12s' "$cell"
                    if [ "$pair" = vtx-vtx ]; then
                        if [ "$kind" = thr ]; then target=">= 0.80x"; check='$1 >= 0.8'; else target="<= 1.25x"; check='$1 <= 1.25'; fi
                        case "$cell" in
                        FAIL* | n/a) verdict="$target MISSED" ;;
                        *) verdict="$target $(echo "${cell%x}" | awk "{ print ($check) ? \"met\" : \"MISSED\" }")" ;;
                        esac
                    fi
                done
                case "$base" in
                FAIL*) cell=$base ;;
                *) if [ "$kind" = thr ]; then cell="$(million "$base") msg/s"; else cell=$(micro "$base"); fi ;;
                esac
                printf ' %-22s %s\n' "$cell" "$verdict"
            done
        done
        echo
        printf '%-26s %-24s %-24s %-24s %s\n' "$transport, median (min-max)" "vtx<->vtx" "vtx->zmq" "zmq->vtx" "zmq<->zmq"
        for kind in thr lat; do
            for size in $(stream_sizes "$kind"); do
                unit=$([ "$kind" = thr ] && echo "M msg/s" || echo "us")
                printf '%-26s' "$kind $size B ($unit)"
                for pair in $STREAM_PAIRS; do
                    printf ' %-24s' "$(stream_cell "$kind" "stream kind=$kind transport=$transport size=$size pair=$pair ")"
                done
                echo
            done
        done
    done
    stream_pair_table "$@"
    if grep -q "^syscalls " "$RAW"; then
        echo
        echo "per process, throughput runs (--profile): syscalls under perf trace; allocations and CPU without tracing"
        grep -E "^(syscalls|cost) " "$RAW" | sed 's/^/  /'
    fi
}
