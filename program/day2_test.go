package program

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"example.com/webstack/components"
	"example.com/webstack/internal/clouddouble"
	"example.com/webstack/release"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A secrets entry may name a customer managed key; the container gets the secret's ARN only, the
// execution role kms:Decrypt on that key through Secrets Manager only.
func TestSecretWithKmsKey(t *testing.T) {
	const secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf:password::"
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	d, err := runStack(t, "dev", map[string]string{"secrets": `["DB_PASSWORD=` + secret + secretKmsKeySep + key + `"]`})
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

	bad, err := runStack(t, "dev", map[string]string{"secrets": `["DB_PASSWORD=` + secret + secretKmsKeySep + `alias/db"]`})
	bad.AssertRefused(t, err, `secrets: DB_PASSWORD: "alias/db" is not a KMS key ARN`)
}

// ECS Exec cannot be switched on a CodeDeploy service: the config refuses it on blue-green stacks.
func TestExecuteCommandRefusedOnBlueGreenStack(t *testing.T) {
	d, err := runStack(t, "prod", map[string]string{"enableExecuteCommand": "true"})
	d.AssertRefused(t, err, "enableExecuteCommand: ECS Exec cannot be used with deploymentStrategy blue-green", "deploymentStrategy rolling")
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
	bad.AssertRefused(t, err, "environment: IDLE_TIMEOUT is set by the program")
}

// A blue-green stack exports what the next AppSpec must carry, in the shape release.ParseOutputs
// reads (the service ignores these on `pulumi up`).
func TestBlueGreenExportsAppSpecSettings(t *testing.T) {
	cfg := stackConfig(t, "prod")
	t.Chdir(projectDir)
	plain := map[string]any{}
	_, err := clouddouble.RunWith(clouddouble.Options{DryRun: true}, "prod", cfg, func(ctx *pulumi.Context) error {
		c, err := Load(ctx.Stack(), ctx.GetConfig)
		if err != nil {
			return err
		}
		ws, err := components.NewWebService(ctx, c.ServiceName, c.WebServiceArgs(ctx.Stack()))
		if err != nil {
			return err
		}
		resolveOutputs(AppSpecOutputs(ws.Service), plain)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := release.ParseOutputs(plain) // the other outputs are not part of this test
	want := release.ServiceSettings{
		Subnets: []string{"subnet-private-1", "subnet-private-2", "subnet-private-3"}, SecurityGroups: []string{"webstack-app-tasks-id"},
		CapacityProviders: []release.CapacityProviderItem{{CapacityProvider: "FARGATE", Base: 0, Weight: 1}},
	}
	if !reflect.DeepEqual(o.Service, want) {
		t.Errorf("AppSpec settings from the outputs %+v, want %+v (outputs %v)", o.Service, want, plain)
	}
}
