# conserje — the two commands a newcomer needs are `make run` and `make test`.
GO        ?= go
BIN       := bin
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/conserje/conserje/core/obs.Version=$(VERSION)
# Every plugin is a main package in plugins/<name>; it is built into bin/plugins/<name>.
PLUGINS   := $(notdir $(patsubst %/,%,$(dir $(wildcard plugins/*/main.go))))
GOLANGCI  := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

.PHONY: run build test lint generate proto check-generate bench clean

## run: build, migrate, load the demo the first time and serve on :8080 with SQLite
run: build
	@mkdir -p data
	./$(BIN)/conserje migrate up
	./$(BIN)/conserje seed demo
	exec ./$(BIN)/conserje serve

## build: the conserje binary into bin/ and every plugin into bin/plugins/
build:
	@mkdir -p $(BIN)/plugins
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/conserje ./core/cmd/conserje
	@for p in $(PLUGINS); do \
		echo "$(GO) build -o $(BIN)/plugins/$$p ./plugins/$$p"; \
		$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/plugins/$$p ./plugins/$$p || exit 1; \
	done

## test: go vet and every test with the race detector
test:
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...

## lint: golangci-lint at a pinned version (fetched through the Go module proxy)
lint:
	$(GO) run $(GOLANGCI) run ./...

## generate: regenerate the plugin protocol's Go code from sdk/proto
generate:
	./sdk/proto/generate.sh

## proto: the same as generate (the name architecture.md uses)
proto: generate

## check-generate: fail when regenerating changes committed files
check-generate: generate
	@git diff --exit-code -- sdk/internal/pb || (echo "generated code is stale: run make generate and commit" >&2; exit 1)
	@test -z "$$(git status --porcelain -- sdk/internal/pb)" || (echo "make generate created untracked files in sdk/internal/pb" >&2; git status --porcelain -- sdk/internal/pb; exit 1)

## bench: every benchmark, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf $(BIN)
