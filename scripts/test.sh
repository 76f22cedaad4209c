#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test.
# VTX_TSAN=1 also runs the suite under ThreadSanitizer (a separate build in .build-tsan).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
# The TLS package trait builds the vtx tool and vtx-bench with the tls:// driver, so the TLS tests of the CLI run
# too (the VTXTLS module and its own tests are built either way).
swift build --build-tests --traits TLS
# The TLS suites run on their own, after the rest: on 2 cores the rest already takes about a minute, and tests
# waiting for a cooperative thread count against their 1-minute limits, so the extra load of TLS handshakes,
# stunnel and libzmq peers running beside them made unrelated suites time out.
swift test --skip-build --traits TLS --skip "VTXTLSTests|TLSCatTests"
swift test --skip-build --traits TLS --filter "VTXTLSTests|TLSCatTests"
if [ "${VTX_TSAN:-0}" = "1" ]; then
    # The core's concurrency (pipes, mailboxes, patterns, drivers, the stream engine) under ThreadSanitizer.
    # The libzmq interop and bad-input suites spawn processes and stress timing; they run in the pass above.
    echo "==> ThreadSanitizer run"
    swift test --sanitize=thread --scratch-path .build-tsan --traits TLS \
        --filter "VTXCoreTests|VTXInprocTests|DriverAPITests|ZMTPTests|PatternsOverTransportsTests|StreamDriverTests"
    # The tls driver on its own: its async tests wait for cooperative threads, which the blocking suites above
    # hold for long stretches under ThreadSanitizer.
    swift test --skip-build --sanitize=thread --scratch-path .build-tsan --traits TLS --filter VTXTLSTests
fi
