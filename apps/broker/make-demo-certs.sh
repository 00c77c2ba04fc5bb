#!/usr/bin/env bash
# Demo TLS material for the broker in docker-compose.yml: a CA, the broker's server certificate
# and one client certificate per device, whose common name is the device id (Mosquitto's
# `use_identity_as_username true` makes it the username, so the ACL's %u binds the connection
# to that device). DEMO ONLY: the CA key sits beside the certificates; a real CA lives elsewhere.
#
#   apps/broker/make-demo-certs.sh                     # CA, server, pump-1 … pump-3 in apps/broker/certs
#   apps/broker/make-demo-certs.sh pump-4 pump-5       # more devices, signed by the same CA
#   CERTS_DIR=/tmp/x BROKER_NAMES=DNS:broker.example apps/broker/make-demo-certs.sh
#
# Files that exist are kept (so adding a device does not replace the CA); delete one to remake
# it. Environment: CERTS_DIR (default: certs/ beside this script), BROKER_NAMES (extra
# subjectAltNames of the server certificate, comma-separated), DAYS (client and server
# certificates' validity, default 365; the CA gets ten times as long).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${CERTS_DIR:-$here/certs}
days=${DAYS:-365}
names="DNS:mosquitto,DNS:localhost,IP:127.0.0.1${BROKER_NAMES:+,$BROKER_NAMES}"
devices=("$@")
[ ${#devices[@]} -gt 0 ] || devices=(pump-1 pump-2 pump-3)
for id in "${devices[@]}"; do
  [[ $id =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]] || {
    echo "make-demo-certs: \"$id\" is not a device id (CONTRACT.md section 2: letters, digits, _ . -, at most 64)" >&2
    exit 2
  }
  # "ledger" is the ledger's account in the ACL: a certificate naming it would speak as the ledger.
  case $id in ca | server | ledger)
    echo "make-demo-certs: \"$id\" is reserved (the CA's, the broker's or the ledger's name)" >&2
    exit 2 ;;
  esac
done
mkdir -p "$out"
cd "$out"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
made=()

if [ ! -f ca.crt ] || [ ! -f ca.key ]; then
  openssl req -x509 "${ec[@]}" -days $((days * 10)) -subj "/CN=Ratchet demo CA" \
    -keyout ca.key -out ca.crt 2>/dev/null
  made+=(ca.crt)
fi

# sign <name> <common name> [subjectAltName]
sign() {
  [ -f "$1.crt" ] && [ -f "$1.key" ] && return 0
  openssl req "${ec[@]}" -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  ext=$(mktemp)
  if [ -n "${3:-}" ]; then
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$3" >"$ext"
  else
    printf 'extendedKeyUsage=clientAuth\n' >"$ext"
  fi
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
    -extfile "$ext" -out "$1.crt" 2>/dev/null
  rm -f "$1.csr" "$ext"
  made+=("$1.crt")
}

sign server mosquitto "$names"
for id in "${devices[@]}"; do sign "$id" "$id"; done
# The broker runs as the `mosquitto` user in its container and reads these through a bind mount.
chmod 644 ./*.crt ./*.key
echo "make-demo-certs: in $out: ${made[*]:-nothing new} (server names: $names)"
