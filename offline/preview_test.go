package offline_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"example.com/webstack/offline"
	"example.com/webstack/program"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func preview(t *testing.T, stack string, run pulumi.RunFunc) *offline.Result {
	t.Helper()
	return previewWithFixture(t, stack, "", run)
}

// previewWithFixture previews stack with program/testdata/<fixture> laid over its config (none
// when fixture is "").
func previewWithFixture(t *testing.T, stack, fixture string, run pulumi.RunFunc) *offline.Result {
	t.Helper()
	root := repoRoot(t)
	opts := offline.Options{Stack: stack, RepoRoot: root, Program: run, StateDir: t.TempDir()}
	if fixture != "" {
		opts.ConfigOverlay = filepath.Join(root, "program", "testdata", fixture)
	}
	res, err := offline.Preview(context.Background(), opts)
	if err != nil {
		t.Fatalf("offline preview of %s %s could not run: %v", stack, fixture, err)
	}
	t.Logf("%s %s: %s, %d resources, error %q, timings %+v", stack, fixture, res.Status, len(res.Resources), res.Error, res.Timings)
	return res
}

// TestStacksPreviewCleanly previews every stack of the repository: the real program through the
// real engine with the real policy pack must pass with no mandatory violation, and the awsx
// double must have laid out private subnets in distinct zones for the multi-AZ policies.
func TestStacksPreviewCleanly(t *testing.T) {
	stacks := offline.Stacks(repoRoot(t))
	for _, want := range []string{"dev", "prod"} {
		if !slices.Contains(stacks, want) {
			t.Fatalf("stack %s is missing (stacks: %v)", want, stacks)
		}
	}
	for _, stack := range stacks {
		t.Run(stack, func(t *testing.T) {
			res := preview(t, stack, program.Run)
			if res.Status != "passed" || len(res.MandatoryViolations()) > 0 {
				t.Fatalf("status %s, error %q, mandatory violations %v", res.Status, res.Error, res.MandatoryViolations())
			}
			types := map[string]int{}
			for _, r := range res.Resources {
				types[r.Type]++
				if r.Op != "create" && r.Op != "same" {
					t.Errorf("%s: unexpected step %s in a preview from empty state", r.URN, r.Op)
				}
			}
			for _, typ := range []string{"awsx:ec2:Vpc", "aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition",
				"docker:index/image:Image", "aws:lb/loadBalancer:LoadBalancer"} {
				if types[typ] == 0 {
					t.Errorf("no %s in the preview", typ)
				}
			}
			// Issue 6: every stack has its alarms and dashboard; prod releases blue-green through CodeDeploy.
			if types["aws:cloudwatch/metricAlarm:MetricAlarm"] == 0 || types["aws:cloudwatch/dashboard:Dashboard"] != 1 {
				t.Errorf("%d alarms, %d dashboards: want the Monitoring component", types["aws:cloudwatch/metricAlarm:MetricAlarm"], types["aws:cloudwatch/dashboard:Dashboard"])
			}
			if stack == "prod" && (types["aws:codedeploy/deploymentGroup:DeploymentGroup"] != 1 || types["aws:lb/targetGroup:TargetGroup"] != 2) {
				t.Errorf("prod: %d deployment groups, %d target groups; want blue-green (1 and 2)",
					types["aws:codedeploy/deploymentGroup:DeploymentGroup"], types["aws:lb/targetGroup:TargetGroup"])
			}
			if types["aws:ec2/subnet:Subnet"] < 4 {
				t.Errorf("%d subnets: want public and private subnets in at least 2 zones", types["aws:ec2/subnet:Subnet"])
			}
			if res.Changes["create"] == 0 {
				t.Errorf("change summary %v has no creates", res.Changes)
			}
		})
	}
}

// TestNonCompliantProgramFails previews the real dev program with three defects injected by a
// stack transform (a test fixture, not shipped): the container runs as root, the service runs in
// one subnet, and it runs one task (desired count and autoscaling minimum 1). The preview must
// fail with exactly the policies that own those defects: the one subnet is also the stack
// policy's, since a one-entry list spans one zone even while its id is unknown.
func TestNonCompliantProgramFails(t *testing.T) {
	res := preview(t, "dev", func(ctx *pulumi.Context) error {
		if err := ctx.RegisterResourceTransform(injectDefects); err != nil {
			return err
		}
		return program.Run(ctx)
	})
	if res.Status != "policy-violations" {
		t.Fatalf("status %s (%s), want policy-violations", res.Status, res.Error)
	}
	want := []string{"ecs-container-not-root", "ecs-scaling-minimum-multi-az", "ecs-service-multi-az", "ecs-service-subnets-span-azs"}
	if got := res.MandatoryViolations(); !slices.Equal(got, want) {
		t.Errorf("mandatory violations %v, want exactly %v", got, want)
	}
	// ecs-service-multi-az owns two of the defects: both must be reported. The stack policy must
	// refuse the one-entry list for its length (its id is unknown during preview).
	var serviceFindings, spanFindings string
	for _, v := range res.Violations {
		if v.EnforcementLevel != "mandatory" {
			continue
		}
		t.Logf("%s: %s", v.Policy, v.Message)
		switch v.Policy {
		case "ecs-service-multi-az":
			serviceFindings += v.Message + "\n"
		case "ecs-service-subnets-span-azs":
			spanFindings += v.Message + "\n"
		}
	}
	for _, field := range []string{"desiredCount", "subnets"} {
		if !strings.Contains(serviceFindings, field) {
			t.Errorf("ecs-service-multi-az does not report %s:\n%s", field, serviceFindings)
		}
	}
	if !strings.Contains(spanFindings, "networkConfiguration.subnets: lists 1 subnet") {
		t.Errorf("ecs-service-subnets-span-azs does not refuse the one-entry subnet list:\n%s", spanFindings)
	}
}

// injectDefects is the non-compliant fixture's transform.
func injectDefects(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	props := args.Props
	switch args.Type {
	case "aws:ecs/taskDefinition:TaskDefinition":
		var defs []map[string]any
		if err := json.Unmarshal([]byte(props["containerDefinitions"].(pulumi.String)), &defs); err != nil {
			panic(err)
		}
		for _, d := range defs {
			d["user"] = "root"
		}
		text, _ := json.Marshal(defs)
		props["containerDefinitions"] = pulumi.String(text)
	case "aws:ecs/service:Service":
		props["desiredCount"] = pulumi.Float64(1)
		network := props["networkConfiguration"].(pulumi.Map)
		// Keep the first private subnet only; its id is unknown in a preview.
		network["subnets"] = pulumi.Array{network["subnets"].(pulumi.AnyOutput).ApplyT(func(ids any) any {
			return ids.([]any)[0]
		})}
	case "aws:appautoscaling/target:Target":
		props["minCapacity"] = pulumi.Float64(1)
	default:
		return nil
	}
	return &pulumi.ResourceTransformResult{Props: props, Opts: args.Opts}
}

// TestUnknownStackIsRefusedBeforeAnyBuild checks the one clear message for a bad stack name.
func TestUnknownStackIsRefusedBeforeAnyBuild(t *testing.T) {
	root := repoRoot(t)
	for stack, want := range map[string]string{
		"no-such-stack": `unknown stack "no-such-stack": there is no Pulumi.no-such-stack.yaml`,
		"../prod":       `stack name "../prod" is not valid`,
	} {
		err := offline.Check(root, stack)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "dev, prod") {
			t.Errorf("Check(%q) = %v, want an error containing %q and the known stacks", stack, err, want)
		}
	}
}

// TestProgramErrorFailsThePreview checks that a failing program is an "error" result carrying
// the program's own message, not a pass and not a policy failure.
func TestProgramErrorFailsThePreview(t *testing.T) {
	res := preview(t, "dev", func(*pulumi.Context) error {
		return errors.New("fixture: deliberate program failure")
	})
	if res.Status != "error" || !strings.Contains(res.Error, "fixture: deliberate program failure") {
		t.Errorf("status %q, error %q; want error carrying the program's message", res.Status, res.Error)
	}
}

// TestExistingVPCFixturePreviews previews dev laid into an existing VPC (the fixture's made-up
// ids; the aws double answers the VPC lookup): no VPC, subnets or NAT are created, and the
// preview passes the policy pack.
func TestExistingVPCFixturePreviews(t *testing.T) {
	res := previewWithFixture(t, "dev", "Pulumi.existing-vpc.yaml", program.Run)
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
