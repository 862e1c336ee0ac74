#!/usr/bin/env bash
# make netdemo: a fresh office key sealed under a passphrase, then
# internal/vm/netdemo: a record store on 127.0.0.1, the network boot tree
# with a stick-less site policy, a machine without a stick booted over UEFI
# PXE with Secure Boot (QEMU TCG), its network cable pulled while it erases,
# and `kesu report verify` of the record read from the bucket. Everything
# goes to out/netdemo.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
OUT=${OUT:-out}
CACHE_FLAG=()
if [ -n "${KESU_CACHE:-}" ]; then CACHE_FLAG=(-cache "$KESU_CACHE"); fi
DEMO=$OUT/netdemo
KESU=$OUT/kesu
start=$(date +%s)

mkdir -p "$DEMO/keys"
$GO build -o "$KESU" ./cmd/kesu
if [ ! -f "$DEMO/keys/kesu-signing.key" ]; then
  "$KESU" keygen --out "$DEMO/keys"
fi
# The demo's passphrase is typed on the VM's keyboard: lower-case words.
if [ ! -f "$DEMO/keys/passphrase" ]; then
  (umask 077; echo "kesu network demo passphrase" > "$DEMO/keys/passphrase")
fi
rm -f "$DEMO/keys/kesu.key.sealed"
"$KESU" keygen --seal "$DEMO/keys/kesu-signing.key" --sealed-out "$DEMO/keys/kesu.key.sealed" \
  --passphrase-file "$DEMO/keys/passphrase"

status=0
$GO run ./internal/vm/netdemo -dir "$DEMO" -kesu "$KESU" -sealed-key "$DEMO/keys/kesu.key.sealed" \
  -pubkey "$DEMO/keys/kesu-signing.pub" -passphrase-file "$DEMO/keys/passphrase" "${CACHE_FLAG[@]}" || status=$?

end=$(date +%s)
echo
echo "netdemo: total $((end - start)) s"
exit $status
