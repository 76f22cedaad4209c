#!/usr/bin/env bash
# Regenerates the TEST-ONLY certificates and keys of the TLS tests (never use them for anything else):
# a CA, a server certificate for 127.0.0.1, ::1 and localhost signed by it, a client certificate signed by it, a
# server certificate naming only localhost (no IP address), signed by it,
# and a second, unrelated CA with its own server and client certificates (for the refusal tests).
# EC P-256 keys, unencrypted, valid for 100 years. Run from this directory: bash make-fixtures.sh
set -euo pipefail
days=36500
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {   # ca NAME SUBJECT
    ec "$1-key.pem"
    openssl req -x509 -new -key "$1-key.pem" -sha256 -days $days -subj "$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem"
}
leaf() { # leaf NAME CA SUBJECT EXTENSIONS
    ec "$1-key.pem"
    openssl req -new -key "$1-key.pem" -subj "$3" -out "$1.csr"
    printf '%s\n' "$4" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2-key.pem" -set_serial "0x$(openssl rand -hex 8)" \
        -days $days -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm "$1.csr" "$1.ext"
}
server_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'
name_only_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost'
client_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth'
ca ca "/CN=VTX test CA"
leaf server ca "/CN=localhost" "$server_ext"
leaf client ca "/CN=VTX test client" "$client_ext"
leaf name-only-server ca "/CN=localhost" "$name_only_ext"
ca other-ca "/CN=Unrelated test CA"
leaf other-server other-ca "/CN=localhost" "$server_ext"
leaf other-client other-ca "/CN=Unrelated test client" "$client_ext"
rm -f ./*.srl ca-key.pem other-ca-key.pem   # the CAs sign nothing after this
