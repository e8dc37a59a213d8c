package components

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

func blueGreenArgs() *BlueGreenArgs {
	return &BlueGreenArgs{
		ClusterName:           pulumi.String("web-cluster"),
		ServiceName:           pulumi.String("web"),
		BlueTargetGroupName:   pulumi.String("web-blue"),
		GreenTargetGroupName:  pulumi.String("web-green"),
		ProductionListenerARN: pulumi.String("arn:listener/prod"),
		TestListenerARN:       pulumi.String("arn:listener/test"),
		AlarmNames:            pulumi.ToStringArray([]string{"bg-test-alb-5xx-rate", "bg-test-p99-latency"}),
	}
}

func runBlueGreen(t *testing.T, args *BlueGreenArgs) (*clouddouble.Double, [2]string, error) {
	t.Helper()
	var names [2]string
	d, err := runReleaseDouble(func(ctx *pulumi.Context) error {
		bg, err := NewBlueGreen(ctx, "bg", args)
		if err != nil {
			return err
		}
		clouddouble.AwaitString(bg.ApplicationName, &names[0])
		clouddouble.AwaitString(bg.DeploymentGroupName, &names[1])
		return nil
	})
	return d, names, err
}

func TestBlueGreenDeploymentGroup(t *testing.T) {
	d, names, err := runBlueGreen(t, blueGreenArgs())
	if err != nil {
		t.Fatal(err)
	}
	if names != [2]string{"bg-test", "bg-test"} {
		t.Errorf("outputs ApplicationName, DeploymentGroupName = %v", names)
	}
	if app := d.One(t, "aws:codedeploy/application:Application"); app.Inputs["computePlatform"].StringValue() != "ECS" {
		t.Errorf("application = %v", app.Inputs)
	}
	role := d.One(t, "aws:iam/role:Role")
	var assume struct {
		Statement []struct {
			Principal struct{ Service string }
			Action    []string
		}
	}
	if err := json.Unmarshal([]byte(role.Inputs["assumeRolePolicy"].StringValue()), &assume); err != nil {
		t.Fatal(err)
	}
	if len(assume.Statement) != 1 || assume.Statement[0].Principal.Service != "codedeploy.amazonaws.com" || !slices.Equal(assume.Statement[0].Action, []string{"sts:AssumeRole"}) {
		t.Errorf("service role trust = %+v", assume)
	}
	attach := d.One(t, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
	if attach.Inputs["policyArn"].StringValue() != "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS" {
		t.Errorf("policy = %v", attach.Inputs["policyArn"])
	}
	if n := len(d.OfType("aws:codedeploy/deploymentConfig:DeploymentConfig")); n != 0 {
		t.Errorf("the default canary 10%%/5 min is predefined, yet %d custom configs were created", n)
	}

	group := d.One(t, "aws:codedeploy/deploymentGroup:DeploymentGroup")
	in := group.Inputs.Mappable()
	want := map[string]any{
		"deploymentConfigName": "CodeDeployDefault.ECSCanary10Percent5Minutes",
		"deploymentStyle":      map[string]any{"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
		"blueGreenDeploymentConfig": map[string]any{
			"deploymentReadyOption":                     map[string]any{"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
			"terminateBlueInstancesOnDeploymentSuccess": map[string]any{"action": "TERMINATE", "terminationWaitTimeInMinutes": 5.0},
		},
		"autoRollbackConfiguration": map[string]any{"enabled": true, "events": []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}},
		"alarmConfiguration":        map[string]any{"enabled": true, "alarms": []any{"bg-test-alb-5xx-rate", "bg-test-p99-latency"}},
		"ecsService":                map[string]any{"clusterName": "web-cluster", "serviceName": "web"},
		"loadBalancerInfo": map[string]any{"targetGroupPairInfo": map[string]any{
			"prodTrafficRoute": map[string]any{"listenerArns": []any{"arn:listener/prod"}},
			"testTrafficRoute": map[string]any{"listenerArns": []any{"arn:listener/test"}},
			"targetGroups":     []any{map[string]any{"name": "web-blue"}, map[string]any{"name": "web-green"}},
		}},
	}
	for k, v := range want {
		if got, _ := json.Marshal(in[k]); string(got) != mustJSON(t, v) {
			t.Errorf("deployment group %s = %s, want %s", k, got, mustJSON(t, v))
		}
	}
	if in["serviceRoleArn"] != "arn:aws:double:us-west-2:210987654321:bg-codedeploy" {
		t.Errorf("serviceRoleArn = %v", in["serviceRoleArn"])
	}
	if !strings.Contains(strings.Join(group.Dependencies, " "), "rolePolicyAttachment") {
		t.Errorf("the group does not wait for the role's policy: depends on %v", group.Dependencies)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBlueGreenTrafficShifting(t *testing.T) {
	for _, tc := range []struct {
		shifting   TrafficShifting
		configName string
		custom     string // expected custom trafficRoutingConfig, "" when predefined
	}{
		{TrafficShifting{Type: "linear", Percentage: 10, IntervalMinutes: 3}, "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", ""},
		{TrafficShifting{Type: "canary", IntervalMinutes: 15}, "CodeDeployDefault.ECSCanary10Percent15Minutes", ""},
		{TrafficShifting{Type: "all-at-once", Percentage: 50}, "CodeDeployDefault.ECSAllAtOnce", ""},
		{TrafficShifting{Type: "canary", Percentage: 20, IntervalMinutes: 10}, "bg-test-canary-20pct-10min",
			`{"timeBasedCanary":{"interval":10,"percentage":20},"type":"TimeBasedCanary"}`},
		{TrafficShifting{Type: "linear", Percentage: 25, IntervalMinutes: 2}, "bg-test-linear-25pct-2min",
			`{"timeBasedLinear":{"interval":2,"percentage":25},"type":"TimeBasedLinear"}`},
	} {
		t.Run(tc.configName, func(t *testing.T) {
			args := blueGreenArgs()
			args.TrafficShifting = tc.shifting
			d, _, err := runBlueGreen(t, args)
			if err != nil {
				t.Fatal(err)
			}
			group := d.One(t, "aws:codedeploy/deploymentGroup:DeploymentGroup")
			if got := group.Inputs["deploymentConfigName"].StringValue(); got != tc.configName {
				t.Errorf("deploymentConfigName = %q, want %q", got, tc.configName)
			}
			configs := d.OfType("aws:codedeploy/deploymentConfig:DeploymentConfig")
			if tc.custom == "" {
				if len(configs) != 0 {
					t.Errorf("predefined config, yet %d custom ones", len(configs))
				}
				return
			}
			if len(configs) != 1 {
				t.Fatalf("%d custom configs, want 1", len(configs))
			}
			in := configs[0].Inputs.Mappable()
			if got := mustJSON(t, in["trafficRoutingConfig"]); got != tc.custom || in["computePlatform"] != "ECS" {
				t.Errorf("custom config = %s (%v), want %s", got, in["computePlatform"], tc.custom)
			}
		})
	}
}

func TestBlueGreenRejectsBadArgs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*BlueGreenArgs)
		want  string
	}{
		{"unknown type", func(a *BlueGreenArgs) { a.TrafficShifting.Type = "instant" }, `TrafficShifting.Type "instant" is not supported: use one of canary, linear, all-at-once`},
		{"percentage 100", func(a *BlueGreenArgs) { a.TrafficShifting.Percentage = 100 }, "TrafficShifting.Percentage 100 is out of range"},
		{"negative interval", func(a *BlueGreenArgs) { a.TrafficShifting = TrafficShifting{Type: "linear", IntervalMinutes: -1} },
			"TrafficShifting.IntervalMinutes -1 is out of range"},
		{"termination wait", func(a *BlueGreenArgs) { a.TerminationWaitMinutes = 3000 }, "TerminationWaitMinutes 3000 is out of range"},
		{"no green", func(a *BlueGreenArgs) { a.GreenTargetGroupName = nil }, "GreenTargetGroupName is required"},
		{"no alarms", func(a *BlueGreenArgs) { a.AlarmNames = nil }, "AlarmNames is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := blueGreenArgs()
			tc.tweak(args)
			d, _, err := runBlueGreen(t, args)
			d.AssertRefused(t, err, tc.want)
		})
	}
}
