#!/usr/bin/env bash
# make demo: build a kesu stick with an unattended demo policy and a fresh
# signing key, boot it under QEMU (OVMF, Secure Boot enforced, TCG) with small
# target disks of each kind filled with marker data, print per disk what the
# appliance did and whether any marker survived, and verify the record read
# off the stick image with `kesu report verify`. Everything goes to out/demo.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
OUT=${OUT:-out}
# KESU_CACHE: the builder's cache (default .cache in the repository).
CACHE_FLAG=()
if [ -n "${KESU_CACHE:-}" ]; then CACHE_FLAG=(-cache "$KESU_CACHE"); fi
DEMO=$OUT/demo
KESU=$OUT/kesu
start=$(date +%s)

mkdir -p "$DEMO/keys"
$GO build -o "$KESU" ./cmd/kesu
if [ ! -f "$DEMO/keys/kesu-signing.key" ]; then
  "$KESU" keygen --out "$DEMO/keys"
fi

cat > "$DEMO/kesu.toml" <<'TOML'
# The demo's policy: Clear (MIC category 3) with a full read-back, no one at
# the keyboard: a 5-second countdown, then power off when done.
version = 1
language = "en"

[policy]
mic_category = 3
verify = "full"

[run]
unattended = true
countdown = 5
after = "poweroff"
after_delay = 0

[record]
operator = "kesu demo"
organization = "kesu"
location = "QEMU"
TOML

echo "demo: building the stick image"
$GO run ./cmd/kesu-mkimage -config "$DEMO/kesu.toml" -key "$DEMO/keys/kesu-signing.key" \
  -o "$DEMO/kesu.img" -grub-timeout 0 "${CACHE_FLAG[@]}"
built=$(date +%s)

status=0
$GO run ./internal/vm/demo -image "$DEMO/kesu.img" -dir "$DEMO" || status=$?

echo
echo "demo: kesu report verify"
shopt -s nullglob
journals=("$DEMO"/records/*.jsonl)
if [ ${#journals[@]} -eq 0 ]; then
  echo "demo: no record on the stick" >&2
  status=1
else
  "$KESU" report verify "${journals[@]}" --pubkey "$DEMO/keys/kesu-signing.pub" || status=$?
fi

end=$(date +%s)
echo
echo "demo: image built in $((built - start)) s, VM run and checks $((end - built)) s, total $((end - start)) s"
exit $status
