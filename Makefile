# crmsync — see README for details.
GO ?= go
BIN := bin/crmsync
GO_TEST_PACKAGES ?= ./...
TEST_FLAGS ?=
FUZZ_TIME ?= 30s

.PHONY: build run lint test test-short crash-test replica-test bench fuzz migrate manifest clean clean-data e2e release release-binary release-check image

# golangci-lint v2 (.golangci.yml); bash .ci/run installs this version.
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT ?= $(or $(shell command -v golangci-lint 2>/dev/null),$(shell $(GO) env GOPATH)/bin/golangci-lint)

# The same compile flags as the release binary (no cgo, -trimpath): the two builds, and the one the
# server's process tests make, share every compiled package and differ only at the link.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./server

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

# The linters of .golangci.yml (govet among them). Without golangci-lint, go vet runs alone and says so.
lint:
	@if [ -x "$(GOLANGCI_LINT)" ]; then \
		echo "$(GOLANGCI_LINT) run $(GO_TEST_PACKAGES)"; \
		"$(GOLANGCI_LINT)" run $(GO_TEST_PACKAGES); \
	else \
		echo "note: golangci-lint not found: only go vet runs (bash .ci/run installs it: go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION))"; \
		$(GO) vet $(GO_TEST_PACKAGES); \
	fi

test:
	@if [ -z "$$CRMSYNC_TEST_DATABASE_URL" ]; then \
		echo "note: CRMSYNC_TEST_DATABASE_URL is not set: store tests run on SQLite only; the PostgreSQL pass is skipped (bash .ci/run runs both)"; \
	fi
	@$(MAKE) --no-print-directory lint
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

# Several replicas, proven: three `crmsync serve` processes on one PostgreSQL and one fake Graph, 1,000
# mailboxes in server mode and 3,000 Track clicks, the leader killed with SIGKILL in the middle of a
# synchronization cycle and another replica during the clicks; prints its figures (cycle time and click
# throughput with one replica and with three). Needs CRMSYNC_TEST_DATABASE_URL (skipped without it). Also
# part of make test.
replica-test:
	$(GO) test -count=1 -v -run TestReplicas -timeout 15m ./server

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
TASKPANE_SRC := $(filter-out %.test.ts,$(shell find taskpane/src -type f) $(wildcard taskpane/*.html taskpane/app/*.html addin-manifest/icons/*.png)) \
	taskpane/package.json taskpane/tsconfig.json taskpane/vite.config.ts taskpane/vite.standin.config.ts

.PHONY: taskpane taskpane-test taskpane-types openapi-lint

taskpane: $(TASKPANE_DIST)

$(TASKPANE_MODULES): taskpane/package-lock.json
	cd taskpane && npm ci --no-audit --no-fund
	touch $@

$(TASKPANE_DIST): $(TASKPANE_MODULES) $(TASKPANE_SRC)
	cd taskpane && npm run build

# The taskpane's unit tests (Vitest, jsdom); make test runs them before the Go tests.
taskpane-test: $(TASKPANE_MODULES)
	cd taskpane && npm test

# The taskpane's API types (src/api/openapi.ts) are generated from the OpenAPI description by
# openapi-typescript (cd taskpane && npm run types); make test fails while the committed file is stale.
taskpane-types: $(TASKPANE_MODULES)
	cd taskpane && npm run --silent types:check

# Lints the API's OpenAPI description with Redocly's CLI (a devDependency of the taskpane, where the
# node tooling lives), its recommended rules as errors; make test runs it. The Go tests check the
# description against routes.go and against every answer the API tests get.
openapi-lint: $(TASKPANE_MODULES)
	cd taskpane && npx --no-install redocly lint ../internal/api/openapi.yaml --config ../internal/api/redocly.yaml

build lint test test-short crash-test replica-test bench manifest release: $(TASKPANE_DIST)
test: taskpane-test taskpane-types openapi-lint
