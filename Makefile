# levelmeter — `make run` starts the meter, `make test` runs every test. Both install what they need first.
SHELL := /bin/bash
GO    ?= go
BIN   ?= bin/levelmeter
CONFIG ?= config.yaml
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)

# The PortAudio binding hands a stream id to C as an unsafe.Pointer; the race detector's pointer check rejects it
# from the second stream in a process on. Switch the check off for that one package only.
RACEFLAGS := -race -gcflags=github.com/gordonklaus/portaudio=-d=checkptr=0

# Debian packages: the build needs PortAudio's headers; the tests also use a JACK dummy server with the ALSA file
# plugin (a real PortAudio stream with no sound card), ffmpeg, SoX and libebur128 as references, Chromium, and
# Prometheus (promtool checks the shipped alerting rules) with Alertmanager for the fleet test.
BUILD_DEBS := portaudio19-dev pkg-config
TEST_DEBS  := $(BUILD_DEBS) jackd2 libasound2-plugins ffmpeg sox libebur128-dev chromium prometheus prometheus-alertmanager

.PHONY: all build run test vet lint bench bench-analyze bench-batch scale fuzz fuzz-short soak deps deps-test testdata clean install uninstall

all: build

# deps installs the Debian packages the build needs (as root, or through sudo); it does nothing when they are there.
deps:
	@./scripts/install-debs.sh $(BUILD_DEBS)

deps-test:
	@./scripts/install-debs.sh $(TEST_DEBS)

build: deps
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/levelmeter

run: build
	$(BIN) run --config $(CONFIG)

# staticcheck is fetched through the Go module proxy at a pinned version (nothing to install by hand).
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) run $(STATICCHECK) ./...

lint: vet

test: deps-test vet
	$(GO) test $(RACEFLAGS) -count=1 -timeout 20m ./...
	@$(MAKE) --no-print-directory fuzz-short

# Every parser of outside input is fuzzed: every fuzz target of every package (scripts/fuzz.sh finds them), a
# few seconds each in `make test`, longer with `make fuzz`.
fuzz-short:
	./scripts/fuzz.sh 5

fuzz:
	./scripts/fuzz.sh $${FUZZTIME:-60}

bench: deps-test
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./...

# levelmeter analyze against ffmpeg's ebur128 on one hour of 48 kHz stereo 24-bit audio (made in /tmp once).
bench-analyze: deps-test build
	./scripts/bench-analyze.sh

# analyze over 20 three-minute files: -j 1 against -j 2 against ffmpeg's ebur128, one file after another.
bench-batch: deps-test build
	./scripts/bench-batch.sh

# scale: 64 live sources (32 commands, 32 file replays) for a minute with /metrics and /events polled.
scale: deps-test build
	./scripts/scale.sh

# soak: a day of 48 kHz stereo audio through the whole pipeline as fast as it goes (about 4 G frames, a quarter
# of an hour on two cores), then SOAK_MINUTES (default 10) of the daemon in real time with /metrics and the web
# page's event stream polled. `make test` runs the first for an hour of audio (two minutes under -race).
SOAK_AUDIO   ?= 24h
SOAK_MINUTES ?= 10
soak: deps-test
	$(GO) test -run '^TestSoak$$' -count=1 -timeout 6h -v ./pipeline -args -soak=$(SOAK_AUDIO)
	./scripts/soak-realtime.sh $(SOAK_MINUTES)

testdata:
	./testdata/generate.sh

clean:
	rm -rf bin

# install: the binary to $(BINDIR), the systemd unit (packaging/levelmeter.service, its ExecStart pointed at that
# binary) to $(UNITDIR), and packaging/config.yaml to $(SYSCONFDIR)/levelmeter/config.yaml unless a configuration
# is there already. DESTDIR stages the whole tree elsewhere (for a package). Then, as root:
# systemctl daemon-reload && systemctl enable --now levelmeter.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/levelmeter
	install -d -m 0755 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/levelmeter
	sed -e 's|/usr/local/bin/levelmeter|$(BINDIR)/levelmeter|' -e 's|/etc/levelmeter/|$(SYSCONFDIR)/levelmeter/|' \
		packaging/levelmeter.service > $(DESTDIR)$(UNITDIR)/levelmeter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/levelmeter.service
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/levelmeter/config.yaml ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/levelmeter/config.yaml (packaging/config.yaml is the new default)"; \
	else \
		install -m 0644 packaging/config.yaml $(DESTDIR)$(SYSCONFDIR)/levelmeter/config.yaml; \
	fi

# uninstall removes the binary and the unit, and keeps the configuration.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/levelmeter $(DESTDIR)$(UNITDIR)/levelmeter.service
