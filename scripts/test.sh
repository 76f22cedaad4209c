#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test.
# VTX_TSAN=1 also runs the suite under ThreadSanitizer (a separate build in .build-tsan).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
# The TLS package trait builds the vtx tool and vtx-bench with the tls:// driver, so the TLS tests of the CLI run
# too (the VTXTLS module and its own tests are built either way).
swift build --build-tests --traits TLS
swift test --skip-build --traits TLS
if [ "${VTX_TSAN:-0}" = "1" ]; then
    # The core's concurrency (pipes, mailboxes, patterns, drivers, the stream engine, the tls driver) under
    # ThreadSanitizer. The libzmq interop and bad-input suites spawn processes and stress timing; they run in the
    # pass above (the tls suite's two stunnel tests run in both).
    echo "==> ThreadSanitizer run"
    swift test --sanitize=thread --scratch-path .build-tsan --traits TLS \
        --filter "VTXCoreTests|VTXInprocTests|DriverAPITests|ZMTPTests|PatternsOverTransportsTests|StreamDriverTests|VTXTLSTests"
fi
