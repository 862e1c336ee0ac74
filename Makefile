# kesu — build, test, bench, image and demo.
# The README's two commands are `make demo` and `make test`.

GO      ?= go
PKGS    ?= ./...
OUT     ?= out
KESU    := $(OUT)/kesu

.PHONY: all build deps test check fmt vet bench image demo clean

all: build

VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(KESU) ./cmd/kesu

# deps installs the Debian packages the tests, image and demo use.
deps:
	./scripts/deps.sh

# check: formatting and vet, no changes made.
check: fmt vet

fmt:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

# test runs every test, VM tests included (they need root, loop devices and
# QEMU; run as root, as CI does).
test: deps check
	$(GO) test -p 2 -timeout 40m $(PKGS)

# bench: overwrite and verification speed against dd on a RAM-backed loop
# device, plus peak memory. Prints medians and ratios.
bench: build
	$(GO) run ./internal/bench -kesu $(KESU)

clean:
	rm -rf $(OUT)

# ---- the boot stick: image and demo (docs/stick.md) ----
# image: out/kesu.img from CONFIG (kesu.toml) and KEY (the signing key from
# `kesu keygen`; leave empty only if CONFIG says signing.unsigned = true).
#   make image CONFIG=my-kesu.toml KEY=keys/kesu-signing.key
CONFIG ?= configs/kesu.toml
KEY    ?=
IMAGE  ?= $(OUT)/kesu.img

image: deps
	$(GO) run ./cmd/kesu-mkimage -config $(CONFIG) $(if $(KEY),-key $(KEY)) -o $(IMAGE)

# demo: a demo stick booted under QEMU with Secure Boot and marker-filled
# target disks; prints what happened per disk and verifies the record.
demo: deps
	./scripts/demo.sh
