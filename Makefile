# The two commands a newcomer needs:
#   make run    start confer on http://127.0.0.1:8080 with a demo room
#   make test   every test: vet, format, race-checked unit and integration
#               tests, and the browser tests in headless Chromium
GO ?= go

.PHONY: run build test check unit e2e fuzz bench

run:
	$(GO) run ./cmd/confer --dev

build:
	CGO_ENABLED=0 $(GO) build -o confer ./cmd/confer

test: check unit e2e

check:
	@bash scripts/test-deps.sh
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/confer

unit:
	$(GO) test -race -count=1 -timeout 20m ./internal/... ./cmd/...

e2e:
	@bash scripts/e2e.sh

# Not part of `make test`: explore with the fuzzer, then keep new failing
# inputs under testdata/fuzz as regression seeds.
fuzz:
	$(GO) test ./internal/signal -run '^$$' -fuzz FuzzDecode -fuzztime 60s

bench:
	$(GO) test ./internal/sfu -run '^$$' -bench . -benchmem
