# The project's commands. `make test` is the full test suite, as CI runs it.
SHELL := /bin/bash
GO ?= go
TESTENV := bin/testenv
export FUZZTIME ?= 5s

.PHONY: test deps testenv run bench fuzz vet unit

## test: install the Debian packages, start the real servers, then vet, test
## (-race, the whole module), fuzz briefly and run the benchmarks module once
test: deps testenv
	$(TESTENV) -- scripts/test.sh

## deps: install the Debian packages the tests need (as root; a no-op when present)
deps:
	scripts/install-deps.sh

## testenv: build the test server runner (internal/testservers/cmd/testenv)
testenv:
	$(GO) build -o $(TESTENV) ./internal/testservers/cmd/testenv

## run: the demo site
run:
	$(GO) run ./cmd/sessiondemo

## bench: every benchmark, against the real servers, with allocations
bench: deps testenv
	$(TESTENV) -- bash -c '$(GO) test -run "^$$" -bench . -benchmem ./... && \
		if [ -f benchmarks/go.mod ]; then cd benchmarks && $(GO) test -run "^$$" -bench . -benchmem ./...; fi'

## fuzz: every fuzz target for FUZZTIME (make fuzz FUZZTIME=1m for a soak)
fuzz:
	scripts/fuzz.sh

## vet / unit: quick checks without servers (server tests skip)
vet:
	$(GO) vet ./...
unit:
	$(GO) test ./...
