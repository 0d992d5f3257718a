# perfgate: `make demo` runs the whole story, `make test` the whole suite.
GO       ?= go
BIN      ?= bin/perfgate
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null)
LDFLAGS  := -s -w -X github.com/perfgate/perfgate/internal/build.version=$(VERSION) -X github.com/perfgate/perfgate/internal/build.commit=$(COMMIT)
PKGS     := ./...

.PHONY: all build install test test-short lint fmt vet bench demo clean

all: lint test build

build: ## static binary in bin/perfgate
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/perfgate

install: ## perfgate into $(go env GOBIN), else $(go env GOPATH)/bin, so that a bare `perfgate` runs once that directory is on PATH
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/perfgate
	@dir=$$($(GO) env GOBIN); [ -n "$$dir" ] || dir=$$($(GO) env GOPATH)/bin; \
	echo "installed $$dir/perfgate"; \
	case ":$$PATH:" in *":$$dir:"*) ;; *) echo "$$dir is not on your PATH: export PATH=\"$$dir:\$$PATH\"";; esac

test: ## race-enabled tests; fuzz targets run their seed corpora as ordinary tests
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

lint: fmt vet

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

# BENCHFLAGS go to bench/sidebyside.sh: --all adds the 3-million-request
# memory run (about 2 minutes more), --rounds N repeats the side by side.
BENCHFLAGS ?= --accuracy --report
bench: ## Go benchmarks (but the endpoint's: make bench-db) and the side-by-side script; figures in BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 20m $$($(GO) list $(PKGS) | grep -v /internal/coursestatus)
	bench/sidebyside.sh $(BENCHFLAGS)

.PHONY: bench-db
bench-db: ## the endpoint's 2x2 benchmark on Postgres (about 2 minutes a count), as benchstat reads it
	$(GO) test -run '^$$' -bench BenchmarkCourseStatus -count 5 -timeout 30m ./internal/coursestatus/ | tee /tmp/perfgate-bench-db.txt
	$(GO) tool benchstat -col /strategy /tmp/perfgate-bench-db.txt

demo: build ## ephemeral Postgres, the endpoint before and after, four scenarios, a comparison
	./$(BIN) demo

clean:
	rm -rf bin
