#!/usr/bin/env bash
# The soak (issue 14, item 7; docs/RELIABILITY.md, "Soak"): one VTX server process under minutes of churn.
#
#   bash Benchmarks/soak.sh [--ci] [SECONDS]        (default 600 s at full size)
#
# What runs, all on 127.0.0.1 (programs: `vtx-soak`, Benchmarks/Soak; libzmq peers: Benchmarks/soak-py):
#   - the server (`vtx-soak server`): one ROUTER echoing every request, one PUB publishing 50 numbered,
#     timestamped messages a second; its RSS (/proc/PID/status VmRSS) and open descriptors (/proc/PID/fd) are
#     sampled every 2 s (1 s with --ci);
#   - 1,000 request/reply peers in 10 processes of 100: 6 of VTX DEALERs, 2 of VTX REQs, 1 of libzmq DEALERs and
#     1 of libzmq REQs (pyzmq); each peer sends a 64-byte request every 500 ms, one outstanding at a time;
#   - every 15 s (6 s with --ci), one of the two victim processes (the first VTX DEALER one, the libzmq DEALER
#     one, in turn) is killed with kill -9 and started again at once;
#   - 200 SUBs of the PUB: 2 processes of 75 VTX SUBs, 1 of 50 libzmq SUBs.
# At the end every peer stops sending and waits up to 10 s for the replies still due.
#
# Checks (the exit status is 1 when one fails, so CI can run it):
#   - lost: a request sent by a peer process that was not killed (stable processes, and the last incarnation of
#     each victim) and still unanswered after the drain; must be 0. Replies must equal their requests (corrupt
#     = 0). Requests of a killed incarnation are not counted: the pattern promises nothing for a dead peer.
#   - PUB/SUB: gaps in a SUB's sequence numbers after its first message must not exceed the messages the PUB
#     itself dropped at its high-water mark (PUB/SUB promises delivery only below it); no SUB may stay silent.
#   - RSS and descriptors of the server, after a warm-up (the first 20% of the run, at least 5 s, and, when the run
#     is long enough, the time each connection needs to move 512 requests, after which its queues have their
#     working size: 256 s at the default interval; see docs/RELIABILITY.md): the median of
#     the last quarter may exceed the first quarter's by at most max(8 MiB, 10%) (RSS) and max(16, 2%) (fds).
#   - every process that was not killed ends with its RESULT line.
# The report adds round-trip and PUB-to-SUB latency percentiles (p50/p90/p99/max, exact from sorted samples).
#
# --ci (or SOAK_SCALE=ci) scales down for a busy 2-core CI machine: 10 peers per process (100 in all), 20 SUBs
# (2 x 7 VTX, 6 libzmq), a kill every 6 s. Overrides: SOAK_PEERS_PER_PROCESS, SOAK_VTX_SUBS_PER_PROCESS,
# SOAK_ZMQ_SUBS, SOAK_INTERVAL_MS, SOAK_PUB_RATE, SOAK_KILL_EVERY, SOAK_SAMPLE_EVERY (a count or SOAK_KILL_EVERY of
# 0 leaves that part out, to tell which part makes something grow). SOAK_SWIFT_FLAGS are passed to
# `swift build` (scripts/test.sh passes its --traits TLS so nothing is rebuilt), SOAK_OUT names the directory of
# the run's files (default: a new /tmp/vtx-soak.XXXXXX). A watchdog kills everything and fails after
# SECONDS + 120 s (SOAK_HARD_LIMIT, counted after the build); every child is killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

scale="${SOAK_SCALE:-full}"
duration=600
for argument in "$@"; do
    case "$argument" in
        --ci) scale=ci ;;
        *[!0-9]* | "") echo "usage: soak.sh [--ci] [SECONDS]" >&2; exit 64 ;;
        *) duration="$argument" ;;
    esac
done
[ "$duration" -ge 10 ] || { echo "soak.sh: SECONDS must be at least 10" >&2; exit 64; }

if [ "$scale" = ci ]; then
    per_process="${SOAK_PEERS_PER_PROCESS:-10}"; vtx_subs="${SOAK_VTX_SUBS_PER_PROCESS:-7}"
    zmq_subs="${SOAK_ZMQ_SUBS:-6}"; kill_every="${SOAK_KILL_EVERY:-6}"; sample_every="${SOAK_SAMPLE_EVERY:-1}"
else
    per_process="${SOAK_PEERS_PER_PROCESS:-100}"; vtx_subs="${SOAK_VTX_SUBS_PER_PROCESS:-75}"
    zmq_subs="${SOAK_ZMQ_SUBS:-50}"; kill_every="${SOAK_KILL_EVERY:-15}"; sample_every="${SOAK_SAMPLE_EVERY:-2}"
fi
interval="${SOAK_INTERVAL_MS:-500}"
rate="${SOAK_PUB_RATE:-50}"
drain=10
hard_limit="${SOAK_HARD_LIMIT:-$((duration + 120))}"

# shellcheck disable=SC2086
swift build --product vtx-soak ${SOAK_SWIFT_FLAGS:-}
# shellcheck disable=SC2086
bin="$(swift build --show-bin-path ${SOAK_SWIFT_FLAGS:-})/vtx-soak"
zmq_soak="python3 Benchmarks/soak-py/zmq_soak.py"
out="${SOAK_OUT:-$(mktemp -d /tmp/vtx-soak.XXXXXX)}"
mkdir -p "$out"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

declare -A pid_of=()    # process name -> pid of its current incarnation
declare -A round_of=()  # process name -> incarnation number
declare -A command_of=()
server_pid=""
watchdog_pid=""
cleanup() {
    local pid
    for pid in "${pid_of[@]}" $server_pid; do kill -9 "$pid" 2>/dev/null || true; done
    for pid in "${pid_of[@]}" $server_pid; do wait "$pid" 2>/dev/null || true; done  # reaped: no zombies left
    [ -z "$watchdog_pid" ] || kill "$watchdog_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo "soak: FAILED: the watchdog fired after ${hard_limit} s" >&2; exit 1' USR1
trap 'echo "soak: interrupted" >&2; exit 130' INT TERM
# The watchdog: its sleep ends with it (TERM from cleanup), so nothing outlives the run.
(sleep "$hard_limit" & sleeper=$!; trap 'kill $sleeper 2>/dev/null; exit 0' TERM; wait $sleeper && kill -USR1 $$) &
watchdog_pid=$!

start="$(date +%s)"
until=$((start + duration))
echo "$start" > "$out/start"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "==> soak: $scale size for ${duration} s, files in $out ($(date -u +%FT%TZ), commit $commit)"
echo "load before: $(uptime)" | tee "$out/uptime"
"$bin" server --router 'tcp://127.0.0.1:*' --pub 'tcp://127.0.0.1:*' --until $((until + drain + 2)) --rate "$rate" \
    > "$out/server.out" 2> "$out/server.err" &
server_pid=$!
for _ in $(seq 300); do grep -q '^BOUND' "$out/server.out" && break; sleep 0.1; done
if ! grep -q '^BOUND' "$out/server.out"; then
    echo "soak: FAILED: the server did not bind" >&2
    cat "$out/server.err" >&2
    exit 1
fi
router="$(awk '$1 == "ENDPOINT" && $2 == "router" { print $3 }' "$out/server.out")"
pub="$(awk '$1 == "ENDPOINT" && $2 == "pub" { print $3 }' "$out/server.out")"
echo "server pid $server_pid: ROUTER $router, PUB $pub"

# start NAME: runs command_of[NAME] as incarnation round_of[NAME], output in NAME.ROUND.out/.err/.samples.
start_process() {
    local name="$1" round="${round_of[$1]:-0}"
    round_of[$name]=$round
    # shellcheck disable=SC2086
    ${command_of[$name]} --samples "$out/$name.$round.samples" > "$out/$name.$round.out" 2> "$out/$name.$round.err" &
    pid_of[$name]=$!
}
add() { command_of[$1]="$2"; start_process "$1"; }
peer_options="--endpoint $router --until $until --interval $interval --drain $drain"
sub_options="--endpoint $pub --until $until"
# A count of 0 leaves that part out (to tell which part of the soak makes something grow).
if [ "$vtx_subs" -gt 0 ]; then
    add subs-vtx-0 "$bin subs $vtx_subs $sub_options"
    add subs-vtx-1 "$bin subs $vtx_subs $sub_options"
fi
[ "$zmq_subs" -eq 0 ] || add subs-zmq-0 "$zmq_soak subs $zmq_subs $sub_options"
victims=()
if [ "$per_process" -gt 0 ]; then
    for i in 0 1 2 3 4 5; do add "peers-vtx-dealer-$i" "$bin peers $per_process --type dealer $peer_options"; done
    for i in 0 1; do add "peers-vtx-req-$i" "$bin peers $per_process --type req $peer_options"; done
    add peers-zmq-dealer-0 "$zmq_soak peers $per_process --type dealer $peer_options"
    add peers-zmq-req-0 "$zmq_soak peers $per_process --type req $peer_options"
    [ "$kill_every" -eq 0 ] || victims=(peers-vtx-dealer-0 peers-zmq-dealer-0)
fi
[ "$kill_every" -gt 0 ] || kill_every=$((duration + 1))  # 0: no kills
echo "peers: 10 processes x $per_process, SUBs: $((2 * vtx_subs + zmq_subs)),"\
    "kill -9 every ${kill_every} s (${#victims[@]} victims)"

echo "t_s,rss_kb,fds" > "$out/server.csv"
sample() {
    local rss fds
    rss="$(awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null)" || return 0
    fds="$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
    [ -n "$rss" ] && echo "$(($(date +%s) - start)),$rss,$fds" >> "$out/server.csv"
    return 0
}

: > "$out/killed"
next_sample=$start
next_kill=$((start + kill_every))
kills=0
while [ "$(date +%s)" -lt "$until" ]; do
    now="$(date +%s)"
    if [ "$now" -ge "$next_sample" ]; then sample; next_sample=$((now + sample_every)); fi
    # No kill in the last 10 s, so the last incarnation of a victim has time to settle.
    if [ ${#victims[@]} -gt 0 ] && [ "$now" -ge "$next_kill" ] && [ "$now" -lt $((until - 10)) ]; then
        victim="${victims[$((kills % ${#victims[@]}))]}"
        kill -9 "${pid_of[$victim]}" 2>/dev/null || true
        wait "${pid_of[$victim]}" 2>/dev/null || true
        echo "$victim.${round_of[$victim]}" >> "$out/killed"
        round_of[$victim]=$((round_of[$victim] + 1))
        start_process "$victim"
        kills=$((kills + 1))
        next_kill=$((now + kill_every))
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then echo "soak: FAILED: the server died" >&2; break; fi
    sleep 0.5
done
echo "run over after $kills kills; draining"
for name in "${!pid_of[@]}"; do
    while kill -0 "${pid_of[$name]}" 2>/dev/null; do
        sample_now="$(date +%s)"
        [ "$sample_now" -ge "$next_sample" ] && { sample; next_sample=$((sample_now + sample_every)); }
        sleep 0.2
    done
    wait "${pid_of[$name]}" || echo "soak: $name exited with status $?" >&2
done
wait "$server_pid" || echo "soak: the server exited with status $?" >&2
echo "load after: $(uptime)" | tee -a "$out/uptime"
python3 Benchmarks/soak-py/soak_report.py "$out" --duration "$duration" --scale "$scale" \
    --queue-warmup $((512 * interval / 1000))
