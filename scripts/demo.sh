#!/usr/bin/env bash
# The main demo: installs what is missing, builds, and runs the request-reply and publish-subscribe examples.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
swift build -c release --product request-reply >/dev/null
swift build -c release --product publish-subscribe >/dev/null
echo "==> request-reply over inproc"
swift run -c release --skip-build request-reply
echo "==> publish-subscribe over inproc"
swift run -c release --skip-build publish-subscribe
