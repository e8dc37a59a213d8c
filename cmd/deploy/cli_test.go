package main

import (
	"context"
	"os"
	"testing"

	"example.com/webstack/offline"
)

// pulumiCLI is the pinned CLI in <root>/bin/pulumi, built the way the offline harness and `make
// tools` build it when it is missing, so `go test ./...` on a clean clone runs these tests
// instead of failing on a missing binary.
func pulumiCLI(t *testing.T, root string) string {
	t.Helper()
	cli, err := offline.EnsureCLI(context.Background(), root, os.Stderr)
	if err != nil {
		t.Fatalf("building the pinned Pulumi CLI (make tools does the same): %v", err)
	}
	return cli
}
