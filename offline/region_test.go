package offline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"example.com/webstack/program"
)

// TestStackRegionReachesTheDoubles (issue 16 item 13): the engine configures the aws provider
// with the stack's aws:region (as "aws:config:region" and as a typed arg, not "aws:region"); the
// double must answer in that region, through the engine: the region output, the ECR address and
// the zones the subnets land in.
func TestStackRegionReachesTheDoubles(t *testing.T) {
	overlay := filepath.Join(t.TempDir(), "region.yaml")
	if err := os.WriteFile(overlay, []byte("config:\n  aws:region: eu-west-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := simulate(t, devBase, overlay, t.TempDir(), true, program.Run)
	if res.Status != "passed" {
		t.Fatalf("up: %s", res.Error)
	}
	if got := res.Outputs["region"]; got != "eu-west-1" {
		t.Errorf("region output %v, want eu-west-1", got)
	}
	for _, key := range []string{"imageRef", "repositoryUrl"} {
		if ref, _ := res.Outputs[key].(string); !strings.Contains(ref, ".dkr.ecr.eu-west-1.amazonaws.com/") {
			t.Errorf("%s %q is not an eu-west-1 ECR address", key, ref)
		}
	}
	zones := 0
	for _, r := range res.Resources {
		if r.Type == "aws:ec2/subnet:Subnet" && r.Op == "create" {
			zones++
			if az, _ := r.Inputs["availabilityZone"].(string); !strings.HasPrefix(az, "eu-west-1") {
				t.Errorf("subnet %s in zone %q, want an eu-west-1 zone", r.URN, az)
			}
		}
	}
	if zones == 0 {
		t.Error("no subnets created")
	}
}
