# kesu — build, test, bench, image and demo.
# The README's two commands are `make demo` and `make test`.

GO      ?= go
PKGS    ?= ./...
OUT     ?= out
KESU    := $(OUT)/kesu

.PHONY: all build install deps test check fmt vet bench image demo netdemo clean

all: build

# What `kesu version`, the record and the certificate name (internal/version):
# the release, the commit (with -dirty state) and the build date. The date is
# SOURCE_DATE_EPOCH's when set (reproducible builds), else now.
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo devel)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED ?= $(shell test -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" && echo true)
DATE     ?= $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(date +%s)}" +%Y-%m-%dT%H:%M:%SZ)
VPKG     := github.com/kesu-erase/kesu/internal/version
LDFLAGS  := -X $(VPKG).release=$(VERSION) -X $(VPKG).commit=$(COMMIT) -X $(VPKG).modified=$(MODIFIED) -X $(VPKG).date=$(DATE)

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(KESU) ./cmd/kesu

# install: the binary, its manual page (docs/kesu.1) and bash completion
# (scripts/kesu.bash) under $(DESTDIR)$(PREFIX).
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(KESU) $(DESTDIR)$(BINDIR)/kesu
	install -m 0644 docs/kesu.1 $(DESTDIR)$(MANDIR)/man1/kesu.1
	install -m 0644 scripts/kesu.bash $(DESTDIR)$(BASHCOMPDIR)/kesu

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

# bench: kesu against dd (and nwipe when installed) on loop devices it
# creates (RAM- and disk-backed), in interleaved rounds: overwrite and
# verification ratios, fixed overhead, peak RSS, N drives at once, firmware
# erase wall time. Prints the table and writes $(OUT)/bench/results.json.
# Needs root. BENCHFLAGS passes options, e.g. BENCHFLAGS="-size 8192 -runs 7".
BENCHFLAGS ?=
bench: build
	mkdir -p $(OUT)/bench
	$(GO) run ./internal/bench -kesu $(KESU) -out $(OUT)/bench/results.json $(BENCHFLAGS)

clean:
	rm -rf $(OUT)

# ---- the boot stick: image and demo (docs/stick.md) ----
# image: out/kesu.img from CONFIG (kesu.toml) and KEY (the signing key from
# `kesu keygen`; leave empty only if CONFIG says signing.unsigned = true).
#   make image CONFIG=my-kesu.toml KEY=keys/kesu-signing.key
# The stick's kesu is stamped with VERSION and the commit as `make build`
# stamps them, but dated SOURCE_DATE_EPOCH or else the commit's time, never
# the clock: one commit gives the same image bytes (image.GitStamp).
CONFIG ?= configs/kesu.toml
KEY    ?=
IMAGE  ?= $(OUT)/kesu.img

image: deps
	$(GO) run ./cmd/kesu-mkimage -config $(CONFIG) $(if $(KEY),-key $(KEY)) -release $(VERSION) -o $(IMAGE)

# demo: a demo stick booted under QEMU with Secure Boot and marker-filled
# target disks; prints what happened per disk and verifies the record.
demo: deps
	./scripts/demo.sh

# netdemo: the fleet's way (docs/netboot.md): a machine without a stick boots
# the network boot tree over UEFI PXE with Secure Boot, opens the office's
# sealed key with the passphrase typed on its keyboard, erases while its
# network cable is pulled, uploads its record to an S3-compatible store
# (versitygw on 127.0.0.1) once the cable is back, and powers off only then;
# `kesu report verify s3://…` reads the record back from the bucket.
netdemo: deps
	./scripts/netdemo.sh
