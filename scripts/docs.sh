#!/usr/bin/env bash
# Builds the DocC documentation of VTX's documented modules with swift-docc-plugin and fails on any documentation
# warning (a link that does not resolve, an undocumented parameter, …). The archives land in
# .build/plugins/Swift-DocC/outputs/<Module>.doccarchive. Called by scripts/test.sh (so CI runs it).
#
#   bash scripts/docs.sh                 # every documented module
#   bash scripts/docs.sh VTXCore         # only these modules
#
# The catalogs: Sources/VTXCore/VTXCore.docc (the user guides and the driver API), Sources/VTXStream/VTXStream.docc
# (stream transports), Sources/VTX/VTX.docc (the umbrella module).
set -euo pipefail
cd "$(dirname "$0")/.."

modules=("$@")
if [ ${#modules[@]} -eq 0 ]; then
    modules=(VTXCore VTX VTXSecurity VTXStream VTXUDP VTXServiceLifecycle)
fi
arguments=()
for module in "${modules[@]}"; do arguments+=(--target "$module"); done

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "==> DocC: ${modules[*]}"
started=$SECONDS
# --warnings-as-errors makes docc fail on a warning; the grep below also catches one that a future plugin or docc
# might print without failing.
status=0
# With the TLS trait, as scripts/test.sh builds: the plugin then reuses that build's modules instead of compiling
# every module again without the trait (the trait's flag reaches every target of the package).
swift package --traits TLS generate-documentation "${arguments[@]}" --warnings-as-errors >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || grep -qE '(^|[[:space:]])(warning|error):' "$log"; then
    # The whole log: docc's diagnostics quote the comment or article line at fault and suggest the fix.
    cat "$log"
    echo "error: the documentation has warnings or errors (exit status $status); see above" >&2
    exit 1
fi
grep -E '^(Finished building documentation|Generated)' "$log" || true
echo "==> DocC: no warnings ($((SECONDS - started)) s)"
