package offline_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"example.com/webstack/offline"
	"example.com/webstack/program"
)

// TestExistingVpcFixturePreviews previews dev laid into an existing VPC (the fixture's made-up
// ids; the aws double answers the VPC lookup): no VPC, subnets or NAT are created, and the
// preview passes the policy pack.
func TestExistingVpcFixturePreviews(t *testing.T) {
	root := repoRoot(t)
	res, err := offline.Preview(context.Background(), offline.Options{
		Stack: "dev", RepoRoot: root, Program: program.Run, StateDir: t.TempDir(),
		ConfigOverlay: filepath.Join(root, "program", "testdata", "Pulumi.existing-vpc.yaml"),
	})
	if err != nil {
		t.Fatalf("offline preview could not run: %v", err)
	}
	t.Logf("dev+existing VPC: %s, %d resources, error %q", res.Status, len(res.Resources), res.Error)
	for _, v := range res.Violations {
		t.Logf("%s (%s): %s", v.Policy, v.EnforcementLevel, v.Message)
	}
	if res.Status != "passed" || len(res.MandatoryViolations()) > 0 {
		t.Fatalf("status %s, error %q, mandatory violations %v", res.Status, res.Error, res.MandatoryViolations())
	}
	// Existing subnets are not resources of the stack: the AZ spread cannot be decided in the
	// preview and must be reported as unverified, not passed in silence.
	unverified := false
	for _, v := range res.Violations {
		unverified = unverified || strings.Contains(v.Message, "[ecs-service-subnets-span-azs]") && strings.Contains(v.Message, "cannot be verified")
	}
	if !unverified {
		t.Error("the service's AZ spread over existing subnets was not reported as unverified")
	}
	types := map[string]int{}
	for _, r := range res.Resources {
		types[r.Type]++
	}
	for _, typ := range []string{"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/natGateway:NatGateway", "aws:ec2/internetGateway:InternetGateway"} {
		if types[typ] != 0 {
			t.Errorf("%d %s in the preview, want none in an existing VPC", types[typ], typ)
		}
	}
	for _, typ := range []string{"aws:lb/loadBalancer:LoadBalancer", "aws:ecs/service:Service", "aws:ec2/securityGroup:SecurityGroup"} {
		if types[typ] == 0 {
			t.Errorf("no %s in the preview", typ)
		}
	}
}
