#!/usr/bin/env bash
# Installs the Debian packages kesu's build, tests and demo need, if missing.
# Idempotent: does nothing (and needs no network) when all are present.
set -euo pipefail

pkgs=(
  qemu-system-x86   # VM tests and the demo (run with -accel tcg)
  ovmf              # UEFI firmware with Microsoft keys for Secure Boot
  fdisk             # sfdisk --dump checks the stick's GPT
  dosfstools        # fsck.vfat -n checks the stick's FAT32
  mtools            # reads the record back off the stick image
  cpio              # cpio -t checks the initramfs
  xz-utils          # initramfs compression
  e2fsprogs         # mkfs.ext4 for the mounted-device refusal tests
  poppler-utils     # pdftotext checks the certificates
  zbar-tools        # zbarimg decodes the certificate QR code in a test
  fonts-ipaexfont-gothic # Japanese font embedded in certificates (IPA Font License)
  kmod              # modinfo for the module tree
  util-linux        # losetup
  time              # /usr/bin/time for the bench's peak RSS cross-check
  hdparm            # hdparm --Istdin: the independent IDENTIFY decoder in ata's tests
)

# The stick is built from Debian's current signed kernel, shim and GRUB
# (apt-get download): the package index must exist and be recent, since old
# versions leave the archive with security updates.
# (apt keeps the archive's own timestamps on the index files, so a stamp of
# ours records when this machine last updated it.)
stamp="$(dirname "$0")/../.cache/apt-index-updated"
stale=0
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
  stale=1
elif [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 -print)" ]; then
  stale=1
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ] && [ $stale -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
echo "deps: apt-get update" >&2
$SUDO apt-get update -qq
mkdir -p "$(dirname "$stamp")" && touch "$stamp"
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
