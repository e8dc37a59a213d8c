# One place for every command the README and docs/ name. Each target builds what it needs,
# so a fresh machine runs them in the order the README gives, with nothing installed by hand.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
# STACK has no default: `make preview` previews dev, but `make deploy` must be told what to release.
STACKS := $(patsubst Pulumi.%.yaml,%,$(wildcard Pulumi.*.yaml))
ifneq ($(filter deploy,$(MAKECMDGOALS)),)
ifeq ($(STACK),)
$(error make deploy releases one stack and has no default: run make deploy STACK=<stack> (stacks here: $(STACKS)))
endif
endif
# Where image-deps can install (root, Debian), the image test must run rather than skip.
IMAGE_TEST ?= $(shell [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && echo required)

.PHONY: test test-root test-api lint tools preview bench-api bench-policy bench-preview

## test: the whole test suite (what .ci/run runs).
test: lint test-api test-root

## lint: gofmt, go vet and staticcheck (staticcheck.conf: its default checks and Go's initialism style).
lint: bin/staticcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd api && $(GO) vet ./...
	bin/staticcheck ./...
	cd api && ../bin/staticcheck ./...

bin/staticcheck: tools/lint/go.mod tools/lint/go.sum
	cd tools/lint && $(GO) build -o ../../bin/staticcheck honnef.co/go/tools/cmd/staticcheck

test-api:
	cd api && $(GO) test -count=1 ./...

test-root: tools image-deps
	IMAGE_TEST=$(IMAGE_TEST) $(GO) test -count=1 -timeout 25m ./...

## image-test: build the Dockerfile with BuildKit and run the container as the task definition
## says, in a real engine (docs/image.md). Root on Debian: installs what it needs.
.PHONY: image-test image-deps
image-test: image-deps
	IMAGE_TEST=$(IMAGE_TEST) $(GO) test -count=1 -v -run '^TestImage$$' -timeout 25m ./imagetest/

image-deps:
	./scripts/image-deps.sh

## tools: the hermetic pulumi CLI (built once per machine from the module proxy).
tools: bin/pulumi

bin/pulumi: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o ../bin/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

## preview: a real `pulumi preview` of STACK (default dev) with the policy pack, offline. OVERLAY=file lays a
## config map over the stack's for this preview only (e.g. program/testdata/Pulumi.ec2.yaml).
preview: tools
	$(GO) run ./cmd/preview -stack $(or $(STACK),dev) $(if $(OVERLAY),-config-overlay $(OVERLAY))

## day2: what a second `pulumi up` does, offline (docs/day2.md): a simulated up of STACK (default dev), a preview
## (nothing changed: want no step), then EDIT (a config overlay, default
## offline/testdata/day2-edit.yaml) -> preview, up, preview. Prints the steps of each.
.PHONY: day2
day2: tools
	$(GO) run ./offline/cmd/day2 -stack $(or $(STACK),dev) $(if $(OVERLAY),-config-overlay $(OVERLAY)) -edit $(or $(EDIT),offline/testdata/day2-edit.yaml)

## deploy: release STACK (required) to AWS in the stack's aws:region (pulumi up with the policy pack,
## follow, verify per AZ, roll back on failure). Needs AWS credentials and a logged-in Pulumi
## backend. DEPLOY_FLAGS=-dry-run for the plan.
.PHONY: deploy
deploy: tools
	$(GO) build -o bin/policy-pack ./policy
	$(GO) run ./cmd/deploy -stack $(STACK) $(DEPLOY_FLAGS)

## bench-api: the API against a bare net/http handler, same run, same load generator.
bench-api:
	./scripts/bench-api.sh

## bench-policy: policy analysis cost per resource (a 200-resource stack), against decoding alone.
bench-policy:
	$(GO) test -run '^$$' -bench . -benchmem ./policy/rules/

## bench-preview: warm offline preview of dev against an empty-program baseline, per phase.
bench-preview: tools
	$(GO) test -run '^$$' -bench OfflinePreview -benchtime 5x ./offline/
