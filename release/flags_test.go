package release

import (
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	f, err := ParseFlags([]string{"-stack", "prod", "-dry-run", "-timeout", "2m", "-verify-samples", "5"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Stack != "prod" || !f.DryRun || f.Timeout != 2*time.Minute || f.VerifySamples != 5 || f.RollbackTimeout != 10*time.Minute {
		t.Errorf("flags = %+v", f)
	}
	if f, err := ParseFlags([]string{"-stack", "prod"}); err != nil || f.Timeout != 0 {
		t.Errorf("without -timeout: %v, timeout %s; want 0 (the stack's releaseTimeoutSeconds)", err, f.Timeout)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "-stack is required"},
		{[]string{"-stack", "prod", "-timeout", "0s"}, "-timeout must be a positive duration"},
		{[]string{"-stack", "prod", "-timeout", "soon"}, `invalid value "soon" for flag -timeout`},
		{[]string{"-stack", "prod", "-verify-samples", "0"}, "-verify-samples must be at least 1"},
		{[]string{"-stack", "prod", "-max-sample-errors", "-1"}, "-max-sample-errors must be 0 or more"},
		{[]string{"-stack", "prod", "extra"}, `unexpected argument "extra"`},
		{[]string{"-stak", "prod"}, "flag provided but not defined: -stak"},
	} {
		if _, err := ParseFlags(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFlags(%q) = %v, want %q", tc.args, err, tc.want)
		}
	}
}
