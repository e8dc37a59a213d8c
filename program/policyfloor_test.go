package program

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAvailabilityZonesBelowThePolicyMinimumAreRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "policy", "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The shape of the real files: plain levels and objects, the minimum on some rules only.
	policy := `{"lb-multi-az": {"enforcementLevel": "mandatory", "minimumAvailabilityZones": 3},
		"ecs-task-non-root": "mandatory", "asg-multi-az": {"enforcementLevel": "mandatory", "minimumAvailabilityZones": 2}}`
	if err := os.WriteFile(filepath.Join(dir, "policy", "config", "prod.json"), []byte(policy), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, tc := range []struct {
		name  string
		stack string
		cfg   Config
		want  string // "" = accepted
	}{
		{"below the floor", "prod", Config{AvailabilityZones: 2}, "webstack:availabilityZones: 2 is below the 3 zones policy/config/prod.json requires"},
		{"at the floor", "prod", Config{AvailabilityZones: 3}, ""},
		{"above the floor", "prod", Config{AvailabilityZones: 4}, ""},
		{"existing VPC: its subnets decide", "prod", Config{AvailabilityZones: 2, ExistingVPCID: "vpc-0123456789abcdef0"}, ""},
		{"no policy config for the stack", "staging", Config{AvailabilityZones: 2}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.refuseBelowPolicyZones(tc.stack)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "fix:")):
				t.Fatalf("error %v, want one containing %q and a fix", err, tc.want)
			}
		})
	}
}

// TestRealStacksMeetTheirPolicyMinimum: the committed stacks are not refused by the check.
func TestRealStacksMeetTheirPolicyMinimum(t *testing.T) {
	t.Chdir(filepath.Join(".."))
	for _, stack := range []string{"dev", "prod"} {
		floor, err := policyMinimumZones(stack)
		if err != nil || floor < 2 {
			t.Fatalf("%s: policy minimum %d, %v: want the file's minimum (at least 2)", stack, floor, err)
		}
	}
}
