package program

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"example.com/webstack/components"
	"example.com/webstack/internal/clouddouble"
	"example.com/webstack/release"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A secrets entry may name a customer managed key; the container gets the secret's ARN only, the
// execution role kms:Decrypt on that key through Secrets Manager only.
func TestSecretWithKMSKey(t *testing.T) {
	const secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	d, err := runStack(t, "dev", map[string]string{"secrets": `["DB_PASSWORD=` + secret + secretKMSKeySep + key + `"]`})
	if err != nil {
		t.Fatal(err)
	}
	var defs []struct {
		Secrets []struct{ Name, ValueFrom string }
	}
	if err := json.Unmarshal([]byte(d.One(t, "aws:ecs/taskDefinition:TaskDefinition").Inputs["containerDefinitions"].StringValue()), &defs); err != nil {
		t.Fatal(err)
	}
	if s := defs[0].Secrets; len(s) != 1 || s[0].ValueFrom != secret {
		t.Errorf("container secrets %+v, want valueFrom %s", s, secret)
	}
	var found bool
	for _, p := range d.OfType("aws:iam/rolePolicy:RolePolicy") {
		policy := p.Inputs["policy"].StringValue()
		if strings.Contains(policy, "kms:Decrypt") {
			found = strings.Contains(policy, key) && strings.Contains(policy, "secretsmanager.us-east-1.amazonaws.com") &&
				strings.Contains(policy, `"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"`)
		}
	}
	if !found {
		t.Error("no kms:Decrypt on the key through secretsmanager.us-east-1.amazonaws.com next to the secret's own ARN")
	}

	bad, err := runStack(t, "dev", map[string]string{"secrets": `["DB_PASSWORD=` + secret + secretKMSKeySep + `alias/db"]`})
	bad.AssertRefused(t, err, `secrets: DB_PASSWORD: "alias/db" is not a KMS key ARN`)
}

// ECS Exec cannot be switched on a CodeDeploy service: the config refuses it on blue-green stacks.
func TestExecuteCommandRefusedOnBlueGreenStack(t *testing.T) {
	d, err := runStack(t, "prod", map[string]string{"enableExecuteCommand": "true"})
	d.AssertRefused(t, err, "enableExecuteCommand: ECS Exec cannot be used with blue-green releases", "use rolling releases on the stack you debug")
}

// IDLE_TIMEOUT is the stack's ALB idle timeout plus the margin, and the environment cannot set it.
func TestIdleTimeoutFromStack(t *testing.T) {
	d, err := runStack(t, "dev", map[string]string{"idleTimeoutSeconds": "120"})
	if err != nil {
		t.Fatal(err)
	}
	if td := d.One(t, "aws:ecs/taskDefinition:TaskDefinition").Inputs["containerDefinitions"].StringValue(); !strings.Contains(td, `{"name":"IDLE_TIMEOUT","value":"135s"}`) {
		t.Errorf("containerDefinitions %s: want IDLE_TIMEOUT 135s for an idle timeout of 120 s", td)
	}
	bad, err := runStack(t, "dev", map[string]string{"environment": `["IDLE_TIMEOUT=30s"]`})
	bad.AssertRefused(t, err, "environment: IDLE_TIMEOUT is set by the stack itself")
}

// A blue-green stack exports what the next AppSpec must carry, and every stack what the deploy
// command compares before an update, in the shape release.ParseOutputs reads (the service ignores
// the AppSpec settings on `pulumi up`). The platform version is what ECS runs on Fargate (LATEST, as
// the service sets none) and absent on EC2, where ECS has none.
func TestBlueGreenExportsAppSpecSettings(t *testing.T) {
	prod := deployCommandOutputs(t, "prod", nil)
	want := release.ServiceSettings{
		Subnets: []string{"subnet-private-1", "subnet-private-2", "subnet-private-3"}, SecurityGroups: []string{"webstack-app-tasks-id"},
		PlatformVersion:   "LATEST",
		CapacityProviders: []release.CapacityProviderItem{{CapacityProvider: "FARGATE", Base: 0, Weight: 1}},
	}
	if !reflect.DeepEqual(prod.Service, want) || prod.ComputeType != "fargate" {
		t.Errorf("prod: AppSpec settings from the outputs %+v, computeType %q; want %+v, fargate", prod.Service, prod.ComputeType, want)
	}

	ec2 := ec2Fixture(t)
	maps.Copy(ec2, map[string]string{"deploymentStrategy": "blue-green", "testListenerCidrs": `["198.51.100.0/24"]`, "enableExecuteCommand": "false"})
	onEC2 := deployCommandOutputs(t, "dev", ec2)
	if onEC2.Service.PlatformVersion != "" || onEC2.ComputeType != "ec2" || len(onEC2.Service.Subnets) == 0 {
		t.Errorf("blue-green on EC2: settings %+v, computeType %q; want no platform version, ec2, the network", onEC2.Service, onEC2.ComputeType)
	}

	dev := deployCommandOutputs(t, "dev", nil) // rolling: no AppSpec settings, the compute type still
	if !reflect.DeepEqual(dev.Service, release.ServiceSettings{}) || dev.ComputeType != "fargate" {
		t.Errorf("dev: settings %+v, computeType %q; want none, fargate", dev.Service, dev.ComputeType)
	}
}

// The deploy command refuses a change of availabilityZones on a live stack that carves its own VPC
// (release/edits.go): the stack exports the zone count it carved and NextStack carries the next one;
// a stack with existingVpcId has neither (its subnets are the user's).
func TestZoneCountExportedForOwnVPC(t *testing.T) {
	for stack, want := range map[string]int{"dev": 2, "prod": 3} {
		if got := deployCommandOutputs(t, stack, nil).AvailabilityZones; got != want {
			t.Errorf("%s exports %d zones, want %d", stack, got, want)
		}
		c, err := StackFileConfig(projectDir, stack)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.NextStack().AvailabilityZones; got != want {
			t.Errorf("%s NextStack has %d zones, want %d", stack, got, want)
		}
	}
	// An existing VPC's lookups (getVpc) are outside the cloud double's contract: the outputs map is
	// read directly (dev is rolling, so it needs no service).
	c, _ := StackFileConfig(projectDir, "dev")
	c.ExistingVPCID = "vpc-0123456789abcdef0"
	if outs := c.stackOutputs(&components.WebService{}, "us-east-1"); outs[release.OutputAvailabilityZones] != nil || outs[release.OutputComputeType] == nil {
		t.Errorf("existingVpcId: outputs %v, want computeType and no zone count", outs)
	}
	if got := c.NextStack().AvailabilityZones; got != 0 {
		t.Errorf("existingVpcId: NextStack has %d zones, want none", got)
	}
}

// deployCommandOutputs runs the program's components for stack and reads what Run exports
// (stackOutputs) back through release.ParseOutputs, as JSON, the way stack outputs reach it.
func deployCommandOutputs(t *testing.T, stack string, overrides map[string]string) release.StackOutputs {
	t.Helper()
	cfg := stackConfig(t, stack)
	setConfig(cfg, overrides)
	t.Chdir(projectDir)
	plain := map[string]any{}
	_, err := clouddouble.RunWith(clouddouble.Options{DryRun: true}, stack, cfg, func(ctx *pulumi.Context) error {
		c, err := Load(ctx.Stack(), ctx.GetConfig)
		if err != nil {
			return err
		}
		ws, err := components.NewWebService(ctx, c.ServiceName, c.WebServiceArgs(ctx.Stack()))
		if err != nil {
			return err
		}
		resolveOutputs(ctx, c.stackOutputs(ws, "us-east-1"), plain)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o, err := release.ParseOutputs(plain)
	if err != nil {
		t.Fatalf("ParseOutputs: %v (outputs %v)", err, plain)
	}
	return o
}

// The deploy command reads the next config from the stack file with StackFileConfig: the same
// Config as the program gets from the Pulumi CLI (stackConfig: the file over Pulumi.yaml's
// defaults, values as the CLI passes them), and the expected blue-green release time from it.
func TestStackFileConfigIsWhatTheProgramLoads(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		got, err := StackFileConfig(projectDir, stack)
		if err != nil {
			t.Fatalf("%s: %v", stack, err)
		}
		cli := stackConfig(t, stack)
		want, err := Load(stack, func(k string) (string, bool) { v, ok := cli[k]; return v, ok })
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: StackFileConfig %+v\nwant %+v", stack, got, want)
		}
	}
	prod, _ := StackFileConfig(projectDir, "prod")
	next := prod.NextStack()
	// canary 10 % / 5 min and a 5 min termination wait (Pulumi.prod.yaml): TaskStart 30 s + 3 healthy
	// checks + 5 min shift + 5 min wait + deregistration + drain.
	timing := release.WebstackTiming(releaseTaskStart, time.Duration(prod.DeregistrationDelaySeconds)*time.Second)
	timing.TrafficShift, timing.TerminationWait = prod.trafficShifting().Duration(), time.Duration(prod.BlueTerminationWaitMinutes)*time.Minute
	if next.Strategy != release.BlueGreen || next.ComputeType != "fargate" || next.ContainerPort != prod.ContainerPort ||
		next.ReleaseTime != release.EstimateReleaseTime(timing, release.BlueGreen).Done || next.ReleaseTime < 10*time.Minute {
		t.Errorf("prod NextStack %+v", next)
	}
	if _, err := StackFileConfig(t.TempDir(), "prod"); err == nil {
		t.Error("a missing stack file read without error")
	}
}
