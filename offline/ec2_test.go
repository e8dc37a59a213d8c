package offline_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"example.com/webstack/program"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TestEC2FixturePreviewsCleanly previews dev with the EC2 capacity fixture laid over it (the real
// program, engine and policy pack with dev's enforcement): no mandatory violation, and the EC2
// resources are in the preview instead of the Fargate-only ones.
func TestEC2FixturePreviewsCleanly(t *testing.T) {
	res := previewWithFixture(t, "dev", "Pulumi.ec2.yaml", program.Run)
	for _, v := range res.Violations {
		t.Logf("%s (%s): %s", v.Policy, v.EnforcementLevel, v.Message)
		if strings.Contains(v.Message, "[ecs-service-multi-az]") && strings.Contains(v.Message, "capacityProviderStrategies") {
			t.Errorf("the service's AZ spread was not seen: %s", v.Message)
		}
	}
	if res.Status != "passed" || len(res.MandatoryViolations()) > 0 {
		t.Fatalf("status %s, error %q, mandatory violations %v", res.Status, res.Error, res.MandatoryViolations())
	}
	types := map[string]int{}
	for _, r := range res.Resources {
		types[r.Type]++
	}
	for typ, want := range map[string]int{
		"webstack:components:Ec2Capacity":                           1,
		"aws:ec2/launchTemplate:LaunchTemplate":                     1,
		"aws:autoscaling/group:Group":                               1,
		"aws:ecs/capacityProvider:CapacityProvider":                 1,
		"aws:iam/instanceProfile:InstanceProfile":                   1,
		"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": 1, // the EC2 provider's only
		"aws:ecs/service:Service":                                   1,
	} {
		if types[typ] != want {
			t.Errorf("%d %s in the preview, want %d", types[typ], typ, want)
		}
	}
}

// TestEC2DefectsFailThePreview injects EC2 defects into the same fixture preview with a stack
// transform (a test fixture, not shipped): IMDSv1 allowed, a public IP and an unencrypted root
// volume in the launch template, and no AZ spread for the service. The preview must fail with
// exactly the policies that own them (the capacity provider has a fixed name, so the policy
// knows during preview that the service runs on EC2).
func TestEC2DefectsFailThePreview(t *testing.T) {
	res := previewWithFixture(t, "dev", "Pulumi.ec2.yaml", func(ctx *pulumi.Context) error {
		if err := ctx.RegisterResourceTransform(injectEC2Defects); err != nil {
			return err
		}
		return program.Run(ctx)
	})
	if res.Status != "policy-violations" {
		t.Fatalf("status %s (%s), want policy-violations", res.Status, res.Error)
	}
	want := []string{"ec2-encrypted-volumes", "ec2-imdsv2-required", "ec2-no-public-ip", "ecs-service-multi-az"}
	spread := false
	for _, v := range res.Violations {
		t.Logf("%s (%s): %s", v.Policy, v.EnforcementLevel, v.Message)
		spread = spread || v.Policy == "ecs-service-multi-az" && v.EnforcementLevel == "mandatory" && strings.Contains(v.Message, "orderedPlacementStrategies")
	}
	if !spread {
		t.Error("ecs-service-multi-az does not report the missing orderedPlacementStrategies spread")
	}
	if got := res.MandatoryViolations(); !slices.Equal(got, want) {
		t.Errorf("mandatory violations %v, want exactly %v", got, want)
	}
}

func injectEC2Defects(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
	props := args.Props
	switch args.Type {
	case "aws:ec2/launchTemplate:LaunchTemplate":
		props["metadataOptions"] = pulumi.Map{"httpEndpoint": pulumi.String("enabled"), "httpTokens": pulumi.String("optional")}
		props["networkInterfaces"] = pulumi.Array{pulumi.Map{"deviceIndex": pulumi.Float64(0), "associatePublicIpAddress": pulumi.String("true")}}
		props["blockDeviceMappings"] = pulumi.Array{pulumi.Map{"deviceName": pulumi.String("/dev/xvda"),
			"ebs": pulumi.Map{"volumeSize": pulumi.Float64(30), "encrypted": pulumi.String("false")}}}
	case "aws:ecs/service:Service":
		delete(props, "orderedPlacementStrategies")
	default:
		return nil
	}
	return &pulumi.ResourceTransformResult{Props: props, Opts: args.Opts}
}
