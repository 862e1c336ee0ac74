# bash completion for kesu. Generated from kesu's command table by
# go test ./cmd/kesu -run TestCompletion -update; do not edit.

# With nothing typed: the whole-disk block devices; else file names.
_kesu_devices() {
    if [[ -z $1 ]]; then
        compgen -G '/dev/*' | grep -E '^/dev/(sd[a-z]+|nvme[0-9]+n[0-9]+|vd[a-z]+|hd[a-z]+|mmcblk[0-9]+|loop[0-9]+)$'
        return 0
    fi
    compgen -f -- "$1"
}

_kesu() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local IFS=$'\n'
    if (( COMP_CWORD == 1 )); then
        COMPREPLY=($(compgen -W $'appliance\nerase\nkeygen\nlist\nplan\nprobe\nreport\nunlock\nverify\nversion\nhelp\n--help\n--version' -- "$cur"))
        return
    fi
    local key=${COMP_WORDS[1]}
    case $key in
    report)
        if (( COMP_CWORD == 2 )); then
            COMPREPLY=($(compgen -W $'verify\npdf\ncsv\ndestroy' -- "$cur"))
            return
        fi
        key="report ${COMP_WORDS[2]}" ;;
    esac
    local flags= positional=
    case $key in
    "appliance") flags=$'--help'; positional= ;;
    "erase") flags=$'--all\n--config\n--customer\n--device\n--dry-run\n--endpoint\n--journal\n--json\n--key\n--location\n--method\n--operator\n--organization\n--pattern\n--region\n--seed\n--store\n--unsigned\n--verify\n--yes\n--help'; positional=device ;;
    "keygen") flags=$'--out\n--passphrase-file\n--seal\n--sealed-out\n--help'; positional= ;;
    "list") flags=$'--json\n--help'; positional= ;;
    "plan") flags=$'--config\n--device\n--json\n--help'; positional=device ;;
    "probe") flags=$'--device\n--json\n--raw\n--help'; positional=device ;;
    "report verify") flags=$'--endpoint\n--json\n--pubkey\n--region\n--help'; positional=file ;;
    "report pdf") flags=$'--drive\n--endpoint\n--font\n--force\n--lang\n--out\n--pubkey\n--region\n--tz\n--unverified\n--help'; positional=file ;;
    "report csv") flags=$'--endpoint\n--force\n--out\n--pubkey\n--region\n--tz\n--unverified\n--help'; positional=file ;;
    "report destroy") flags=$'--certificate\n--contractor\n--date\n--drive\n--key\n--method\n--note\n--out\n--photo\n--pubkey\n--recorder\n--serial\n--help'; positional=file ;;
    "unlock") flags=$'--device\n--password\n--yes\n--help'; positional=device ;;
    "verify") flags=$'--device\n--expect\n--json\n--sample\n--seed\n--help'; positional=device ;;
    "version") flags=$'--json\n--help'; positional= ;;
    esac
    case "$key $prev" in
    "erase --device"|\
    "plan --device"|\
    "probe --device"|\
    "unlock --device"|\
    "verify --device")
        COMPREPLY=($(_kesu_devices "$cur"))
        return ;;
    "erase --journal"|\
    "keygen --out"|\
    "probe --raw")
        COMPREPLY=($(compgen -d -- "$cur"))
        return ;;
    "erase --config"|\
    "erase --key"|\
    "erase --region"|\
    "keygen --sealed-out"|\
    "plan --config"|\
    "report csv --out"|\
    "report csv --pubkey"|\
    "report csv --region"|\
    "report csv --tz"|\
    "report destroy --certificate"|\
    "report destroy --contractor"|\
    "report destroy --date"|\
    "report destroy --key"|\
    "report destroy --method"|\
    "report destroy --note"|\
    "report destroy --out"|\
    "report destroy --photo"|\
    "report destroy --pubkey"|\
    "report destroy --recorder"|\
    "report destroy --serial"|\
    "report pdf --font"|\
    "report pdf --lang"|\
    "report pdf --out"|\
    "report pdf --pubkey"|\
    "report pdf --region"|\
    "report pdf --tz"|\
    "report verify --pubkey"|\
    "report verify --region")
        COMPREPLY=($(compgen -f -- "$cur"))
        return ;;
    "erase --method")
        COMPREPLY=($(compgen -W $'ata-sanitize-block-erase\nata-sanitize-crypto-scramble\nata-sanitize-overwrite\nata-security-erase\nata-security-erase-enhanced\nnvme-format-crypto-erase\nnvme-format-user-data-erase\nnvme-sanitize-block-erase\nnvme-sanitize-crypto-erase\nnvme-sanitize-overwrite\noverwrite\nscsi-sanitize-block-erase\nscsi-sanitize-crypto-erase\nscsi-sanitize-overwrite\ntcg-crypto-erase\nlist' -- "$cur"))
        return ;;
    "erase --customer"|\
    "erase --endpoint"|\
    "erase --location"|\
    "erase --operator"|\
    "erase --organization"|\
    "erase --seed"|\
    "erase --store"|\
    "erase --verify"|\
    "keygen --passphrase-file"|\
    "keygen --seal"|\
    "report csv --endpoint"|\
    "report destroy --drive"|\
    "report pdf --drive"|\
    "report pdf --endpoint"|\
    "report verify --endpoint"|\
    "unlock --password"|\
    "verify --sample"|\
    "verify --seed")
        COMPREPLY=()
        return ;;
    "erase --pattern"|\
    "verify --expect")
        COMPREPLY=($(compgen -W $'zero\none\nrandom\n0x' -- "$cur"))
        return ;;
    esac
    if [[ $cur == -* || -z $positional ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    case $positional in
    device) COMPREPLY=($(_kesu_devices "$cur")) ;;
    file) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -o filenames -F _kesu kesu
