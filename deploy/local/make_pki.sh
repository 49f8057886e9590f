#!/usr/bin/env bash
# make_pki.sh DIR [NAME...]: a throwaway certificate authority and
# certificates for local TLS (./dev up --tls) and the TLS tests, made with
# openssl. Never for production: keys are unencrypted and the CA is local.
#
# DIR/ca.{crt,key}                 the CA (EC P-256, valid 30 days)
# DIR/server.{crt,key}             CN=localhost, SAN localhost and 127.0.0.1
# DIR/client.{crt,key}             a client certificate (mutual TLS)
# DIR/expired.{crt,key}            like server, but expired yesterday
# DIR/other-ca.crt, other-server.* a second CA and a server cert it signed
#
# Idempotent per DIR: existing files are kept.
set -euo pipefail
dir="${1:?usage: make_pki.sh DIR}"
mkdir -p "$dir"
cd "$dir"

key() { [[ -f "$1.key" ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1.key" 2>/dev/null; }

ca() { # NAME
  key "$1"
  [[ -f "$1.crt" ]] || openssl req -x509 -new -key "$1.key" -out "$1.crt" -days 30 \
    -subj "/CN=session-ingest local $1" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

cert() { # NAME CA DAYS USAGE
  local name="$1" ca="$2" days="$3" usage="$4"
  key "$name"
  [[ -f "$name.crt" ]] && return 0
  openssl req -new -key "$name.key" -out "$name.csr" -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=%s\n' "$usage" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
    -out "$name.crt" -days "$days" -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

ca ca
ca other-ca
cert server ca 30 serverAuth
cert client ca 30 clientAuth
cert expired ca -1 serverAuth
cert other-server other-ca 30 serverAuth
chmod 600 ./*.key
