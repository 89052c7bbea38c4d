# The project's commands. `make test` is the full test suite, as CI runs it.
# The project is several modules (go.work lists them); the commands that
# test or check run in every module, with GOWORK=off (scripts/each-module.sh).
SHELL := /bin/bash
GO ?= go
TESTENV := bin/testenv
export FUZZTIME ?= 5s

.PHONY: test deps testenv run side-by-side bench fuzz vet unit consumer modules

## test: install the Debian packages, start the real servers, then in every
## module vet, test (-race), go mod tidy -diff; the consumer check; fuzz
## briefly; run every benchmark once (scripts/test.sh)
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

## side-by-side: the Django site (examples/django-site) and the Go demo
## side by side on one engine, sharing the login: make side-by-side ENGINE=db
## (db, db-postgres, db-mysql, cache, file, signed_cookies, cache-memcache, cached_db;
## scripts/side-by-side.sh).
## It installs nothing: it names the packages that are missing.
ENGINE ?= db
side-by-side: testenv
	scripts/side-by-side.sh $(ENGINE)

## bench: every benchmark of every module, against the real servers, with allocations
bench: deps testenv
	$(TESTENV) -- scripts/each-module.sh $(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: every fuzz target of every module for FUZZTIME (make fuzz FUZZTIME=1m for a soak)
fuzz:
	scripts/fuzz.sh

## vet / unit: quick checks of every module without servers (server tests skip)
vet:
	scripts/each-module.sh $(GO) vet ./...
unit:
	scripts/each-module.sh $(GO) test ./...

## consumer: the core module brings no module outside the project and golang.org/x
consumer:
	scripts/consumer-check.sh

## modules: go.work lists every module of the tree
modules:
	scripts/modules.sh --check
