#!/usr/bin/env bash
# Installs what VTX needs on a Debian machine, when missing. Sourced by demo.sh and test.sh.
set -euo pipefail

need_apt=()
command -v swift >/dev/null 2>&1 || { echo "error: the Swift toolchain (6.1 or newer) is not on PATH" >&2; exit 1; }
dpkg -s pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
dpkg -s libsodium-dev >/dev/null 2>&1 || need_apt+=(libsodium-dev)
dpkg -s libzmq3-dev >/dev/null 2>&1 || need_apt+=(libzmq3-dev)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)

if [ ${#need_apt[@]} -gt 0 ]; then
    echo "==> installing ${need_apt[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
