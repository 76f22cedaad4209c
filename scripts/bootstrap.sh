#!/usr/bin/env bash
# Installs what VTX needs on a Debian machine, when missing. Sourced by demo.sh and test.sh.
set -euo pipefail

need_apt=()
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
command -v swift >/dev/null 2>&1 || { echo "error: the Swift toolchain (6.1 or newer) is not on PATH" >&2; exit 1; }
dpkg -s pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
dpkg -s libsodium-dev >/dev/null 2>&1 || need_apt+=(libsodium-dev)
dpkg -s libzmq3-dev >/dev/null 2>&1 || need_apt+=(libzmq3-dev)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
# The TLS tests put stunnel in front of libzmq; openssl regenerates their certificates (Tests/VTXTLSTests/Fixtures).
dpkg -s stunnel4 >/dev/null 2>&1 || need_apt+=(stunnel4)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
# The UDP beacon tests build a small czmq zbeacon peer (Tests/VTXUDPTests) and run it in a network namespace (iproute2).
dpkg -s libczmq-dev >/dev/null 2>&1 || need_apt+=(libczmq-dev)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)

# python3 with pip, for pyzmq below (Debian images often ship python3 without pip).
if ! python3 -c "import zmq" >/dev/null 2>&1 && ! python3 -m pip --version >/dev/null 2>&1; then
    need_apt+=(python3 python3-pip)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
    echo "==> installing ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# pyzmq (bundling libzmq 4.3.4) is the libzmq peer of the interop tests (Tests/VTXTestSupport/Peers/zmq_peer.py,
# which report the libzmq version they ran against). Where pip cannot install it (no wheel for this Python, say),
# Debian's python3-zmq, built on the system libzmq 4.3.x, serves as well.
if ! python3 -c "import zmq" >/dev/null 2>&1; then
    echo "==> installing pyzmq"
    python3 -m pip install -q "pyzmq==25.1.2" 2>/dev/null \
        || python3 -m pip install -q --break-system-packages "pyzmq==25.1.2" 2>/dev/null \
        || {
            $SUDO apt-get update -qq
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-zmq >/dev/null
        }
    python3 -c "import zmq; print('==> libzmq', zmq.zmq_version(), 'via pyzmq', zmq.pyzmq_version())"
fi
