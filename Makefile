# crmsync — see README for details.
GO ?= go
BIN := bin/crmsync
GO_TEST_PACKAGES ?= ./...
TEST_FLAGS ?=
FUZZ_TIME ?= 30s

.PHONY: build run test test-short crash-test bench fuzz migrate manifest clean clean-data e2e release release-binary release-check image

build:
	$(GO) build -o $(BIN) ./server

# The release binary, as the container image ships it: no cgo (a static binary for a distroless base),
# no build paths (-trimpath), no symbol table or DWARF (-s -w). The Dockerfile runs this very target, so
# the image and `make release` build the same binary. VERSION (a release tag vX.Y.Z) sets the add-in's
# version where Go cannot read the tag from git (the image's build context has no .git).
VERSION ?= $(shell git describe --tags --exact-match 2>/dev/null)
RELEASE_BIN ?= bin/crmsync-release
IMAGE ?= crmsync:$(or $(VERSION),dev)

release-binary:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w -X main.releaseVersion=$(VERSION)" -o $(RELEASE_BIN) ./server

release:
	$(MAKE) --no-print-directory release-binary

# The container image (needs a docker daemon; see the Dockerfile).
image:
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

# What can be checked of the image without docker: the Dockerfile builds with `make release-binary`, and
# the release binary is stripped and serves /healthz in local mode (.ci/release-check). Part of make test.
release-check: release
	RELEASE_BIN=$(RELEASE_BIN) GO=$(GO) bash .ci/release-check

# Local mode: keeps its state in ./data.
run: build
	./$(BIN) serve

test:
	@if [ -z "$$CRMSYNC_TEST_DATABASE_URL" ]; then \
		echo "note: CRMSYNC_TEST_DATABASE_URL is not set: store tests run on SQLite only; the PostgreSQL pass is skipped (bash .ci/run runs both)"; \
	fi
	$(GO) vet $(GO_TEST_PACKAGES)
	$(GO) test -race -count=1 -timeout 20m $(TEST_FLAGS) $(GO_TEST_PACKAGES)
	$(MAKE) --no-print-directory release-check
	@if [ -x /usr/bin/chromium ]; then \
		$(MAKE) --no-print-directory e2e; \
	else \
		echo "note: /usr/bin/chromium not found: the browser tests are skipped (bash .ci/run installs it)"; \
	fi

# The add-in's end-to-end tests: the binary just built, in local mode, and the sandbox (/dev/outlook) in
# Debian's headless Chromium driven by playwright-core; screenshots in taskpane/e2e/output/. Also part of
# make test when /usr/bin/chromium exists.
e2e: build
	cd taskpane && CRMSYNC_BIN=$(abspath $(BIN)) npm run e2e

# Everything but the long tests (the crash test).
test-short:
	$(GO) test -short -count=1 $(TEST_FLAGS) $(GO_TEST_PACKAGES)

# The real binary, 2,000 concurrent Track clicks, SIGKILL several times; on PostgreSQL too when
# CRMSYNC_TEST_DATABASE_URL is set. Also part of make test.
crash-test:
	$(GO) test -count=1 -v -run TestCrashLosesNothing ./server

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(GO_TEST_PACKAGES)

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzValidate -fuzztime $(FUZZ_TIME) ./internal/identity
	$(GO) test -run '^$$' -fuzz FuzzDecodeRecordInput -fuzztime $(FUZZ_TIME) ./internal/crm

migrate: build
	./$(BIN) migrate

# Regenerates the root manifest.xml, the local development add-in manifest (https://localhost:8443);
# a test in addin-manifest fails until it matches what the generator renders.
manifest:
	CRMSYNC_CLIENT_ID= CRMSYNC_PUBLIC_URL= $(GO) run ./server manifest --version 1.0.0.0 > manifest.xml.tmp || { rm -f manifest.xml.tmp; exit 1; }
	mv manifest.xml.tmp manifest.xml

clean:
	rm -rf bin/

# Deletes local data (./data); never run by `clean`.
clean-data:
	rm -rf data/

# ---- taskpane: TypeScript built by Vite into taskpane/dist, which the taskpane Go package embeds, so
# every Go build needs it first. npm ci runs again only when package-lock.json changes; the build runs
# again when a source changes.
TASKPANE_DIST := taskpane/dist/taskpane.html
TASKPANE_MODULES := taskpane/node_modules/.package-lock.json
TASKPANE_SRC := $(filter-out %.test.ts,$(wildcard taskpane/src/*.ts taskpane/src/*.css taskpane/*.html addin-manifest/icons/*.png)) \
	$(filter-out %.test.ts,$(wildcard taskpane/src/sandbox/*.ts taskpane/src/sandbox/*.css)) \
	taskpane/package.json taskpane/tsconfig.json taskpane/vite.config.ts taskpane/vite.standin.config.ts

.PHONY: taskpane taskpane-test

taskpane: $(TASKPANE_DIST)

$(TASKPANE_MODULES): taskpane/package-lock.json
	cd taskpane && npm ci --no-audit --no-fund
	touch $@

$(TASKPANE_DIST): $(TASKPANE_MODULES) $(TASKPANE_SRC)
	cd taskpane && npm run build

# The taskpane's unit tests (Vitest, jsdom); make test runs them before the Go tests.
taskpane-test: $(TASKPANE_MODULES)
	cd taskpane && npm test

build test test-short crash-test bench manifest release: $(TASKPANE_DIST)
test: taskpane-test
