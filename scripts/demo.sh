#!/usr/bin/env bash
# The main demo: installs what is missing, builds the vtx tool, and runs `vtx demo` (a short tour on loopback:
# request-reply, publish-subscribe, a pipeline, routing ids, monitor events, throughput and latency).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
echo "==> building vtx"
swift build --product vtx >/dev/null
swift run --skip-build vtx demo
