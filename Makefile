# The README's commands. `make test` is what CI runs.
GO ?= go

.PHONY: run test vet bench fuzz

run:
	$(GO) run ./cmd/omnigate

test: vet
	$(GO) test -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./routing/ ./store/...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecodeJSONRequest -fuzztime 30s ./api/
	$(GO) test -run '^$$' -fuzz FuzzDecodeClientFrame -fuzztime 30s ./channels/webchat/
