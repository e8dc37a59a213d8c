package main

import (
	"context"
	"strings"
	"testing"
)

func TestBadFlagsExitTwoWithOneMessage(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"-stack", "prod", "-timeout", "-5m"}, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	msg := stderr.String()
	if !strings.HasPrefix(msg, "deploy: -timeout must be a positive duration") || !strings.Contains(msg, "usage: deploy -stack NAME") ||
		strings.Count(msg, "\n") != 2 || stdout.Len() != 0 {
		t.Errorf("stderr = %q, stdout = %q", msg, stdout.String())
	}
}
