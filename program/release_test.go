package program

import (
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/webstack/internal/clouddouble"
	"example.com/webstack/offline"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// rollbackAlarms are the alarms that stop a release of stack (Monitoring's RollbackAlarmNames).
func rollbackAlarms(stack string) []string {
	var names []string
	for _, kind := range []string{"alb-5xx-rate", "target-5xx", "unhealthy-hosts", "p99-latency", "tasks-below-desired"} {
		names = append(names, "webstack-monitoring-"+stack+"-"+kind)
	}
	return names
}

func strs(v resource.PropertyValue) []string {
	var out []string
	for _, e := range v.ArrayValue() {
		out = append(out, e.StringValue())
	}
	return out
}

// TestMonitoringInBothStrategies: every real stack (dev rolling, prod blue-green) gets the alarm
// topic, seven alarms and the dashboard, and the alarms watch the service by its fixed names.
func TestMonitoringInBothStrategies(t *testing.T) {
	for _, stack := range offline.Stacks(projectDir) {
		t.Run(stack, func(t *testing.T) {
			service := "webstack-" + stack + "-" + expect(t, stack).c.DeploymentStrategy
			d, err := runStack(t, stack, nil)
			if err != nil {
				t.Fatal(err)
			}
			d.One(t, "aws:sns/topic:Topic")
			if dash := d.One(t, "aws:cloudwatch/dashboard:Dashboard").Inputs; dash["dashboardName"].StringValue() != "webstack-monitoring-"+stack {
				t.Errorf("dashboard %v", dash)
			}
			var names []string
			for _, a := range d.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
				names = append(names, a.Inputs["name"].StringValue())
			}
			slices.Sort(names)
			want := append(rollbackAlarms(stack), "webstack-monitoring-"+stack+"-cpu-high", "webstack-monitoring-"+stack+"-memory-high")
			slices.Sort(want)
			if !slices.Equal(names, want) {
				t.Errorf("alarms %v, want %v", names, want)
			}
			svc := d.One(t, "aws:ecs/service:Service")
			if svc.Inputs["name"].StringValue() != service || d.One(t, "aws:ecs/cluster:Cluster").Inputs["name"].StringValue() != "webstack-"+stack {
				t.Errorf("service %q in cluster %q", svc.Inputs["name"].StringValue(), d.One(t, "aws:ecs/cluster:Cluster").Inputs["name"].StringValue())
			}
			if !slices.Equal(svc.ReplaceOnChanges, []string{"deploymentController"}) {
				t.Errorf("service replaceOnChanges %v, want [deploymentController]", svc.ReplaceOnChanges)
			}
		})
	}
}

// TestRollingStack: dev's service rolls back on the circuit breaker and on the rollback alarms;
// there is no CodeDeploy and nothing ignores the listeners.
func TestRollingStack(t *testing.T) {
	d, err := runStack(t, "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	in := d.One(t, "aws:ecs/service:Service").Inputs
	if in["deploymentController"].ObjectValue()["type"].StringValue() != "ECS" {
		t.Errorf("controller %v", in["deploymentController"])
	}
	cb := in["deploymentCircuitBreaker"].ObjectValue()
	alarms := in["alarms"].ObjectValue()
	if !cb["enable"].BoolValue() || !cb["rollback"].BoolValue() || !alarms["enable"].BoolValue() || !alarms["rollback"].BoolValue() {
		t.Errorf("circuit breaker %v, alarms %v", cb, alarms)
	}
	if got := strs(alarms["alarmNames"]); !slices.Equal(got, rollbackAlarms("dev")) {
		t.Errorf("deployment alarms %v, want %v", got, rollbackAlarms("dev"))
	}
	for _, typ := range []string{"aws:codedeploy/application:Application", "aws:codedeploy/deploymentGroup:DeploymentGroup"} {
		if n := len(d.OfType(typ)); n != 0 {
			t.Errorf("%d %s in a rolling stack", n, typ)
		}
	}
	for _, l := range d.OfType("aws:lb/listener:Listener") {
		if len(l.IgnoreChanges) != 0 {
			t.Errorf("listener %s ignores %v", l.Name, l.IgnoreChanges)
		}
	}
}

// TestBlueGreenStack: prod's service is CodeDeploy's, with blue and green target groups, a test
// listener and a deployment group configured from Pulumi.prod.yaml.
func TestBlueGreenStack(t *testing.T) {
	d, err := runStack(t, "prod", nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := d.One(t, "aws:ecs/service:Service").Inputs
	if svc["deploymentController"].ObjectValue()["type"].StringValue() != "CODE_DEPLOY" {
		t.Errorf("controller %v", svc["deploymentController"])
	}
	for _, k := range []resource.PropertyKey{"deploymentCircuitBreaker", "alarms"} {
		if v, ok := svc[k]; ok && !v.IsNull() {
			t.Errorf("%s = %v: ECS refuses it under CODE_DEPLOY", k, v)
		}
	}
	// The service starts on the blue target group.
	if lbs := svc["loadBalancers"].ArrayValue(); len(lbs) != 1 || !strings.HasSuffix(lbs[0].ObjectValue()["targetGroupArn"].StringValue(), ":webstack-lb-tg") {
		t.Errorf("service load balancers %v", lbs)
	}

	listeners := map[string]clouddouble.Recorded{}
	for _, l := range d.OfType("aws:lb/listener:Listener") {
		listeners[l.Name] = l
	}
	test := listeners["webstack-lb-test"].Inputs
	if test["port"].NumberValue() != 8443 || test["protocol"].StringValue() != "HTTPS" ||
		!strings.HasSuffix(test["defaultActions"].ArrayValue()[0].ObjectValue()["targetGroupArn"].StringValue(), ":webstack-lb-tg-green") {
		t.Errorf("test listener %v", test)
	}
	for name, ignored := range map[string][]string{"webstack-lb-https": {"defaultActions"}, "webstack-lb-test": {"defaultActions"}, "webstack-lb-http": nil} {
		if got := listeners[name].IgnoreChanges; !slices.Equal(got, ignored) {
			t.Errorf("%s ignoreChanges %v, want %v", name, got, ignored)
		}
	}

	group := d.One(t, "aws:codedeploy/deploymentGroup:DeploymentGroup")
	g := group.Inputs
	if g["deploymentConfigName"].StringValue() != "CodeDeployDefault.ECSCanary10Percent5Minutes" {
		t.Errorf("deployment config %v", g["deploymentConfigName"])
	}
	rollback := g["autoRollbackConfiguration"].ObjectValue()
	if events := strs(rollback["events"]); !rollback["enabled"].BoolValue() || !slices.Equal(events, []string{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}) {
		t.Errorf("auto rollback %v", rollback)
	}
	alarms := g["alarmConfiguration"].ObjectValue()
	if got := strs(alarms["alarms"]); !alarms["enabled"].BoolValue() || !slices.Equal(got, rollbackAlarms("prod")) {
		t.Errorf("deployment group alarms %v, want %v", got, rollbackAlarms("prod"))
	}
	wait := g["blueGreenDeploymentConfig"].ObjectValue()["terminateBlueInstancesOnDeploymentSuccess"].ObjectValue()
	if wait["action"].StringValue() != "TERMINATE" || wait["terminationWaitTimeInMinutes"].NumberValue() != 5 {
		t.Errorf("blue termination %v", wait)
	}
	ecsSvc := g["ecsService"].ObjectValue()
	if ecsSvc["clusterName"].StringValue() != "webstack-prod" || ecsSvc["serviceName"].StringValue() != "webstack-prod-blue-green" {
		t.Errorf("deployment group service %v", ecsSvc)
	}
	pair := g["loadBalancerInfo"].ObjectValue()["targetGroupPairInfo"].ObjectValue()
	var tgNames []string
	for _, tg := range pair["targetGroups"].ArrayValue() {
		tgNames = append(tgNames, tg.ObjectValue()["name"].StringValue())
	}
	prodRoute, testRoute := strs(pair["prodTrafficRoute"].ObjectValue()["listenerArns"]), strs(pair["testTrafficRoute"].ObjectValue()["listenerArns"])
	if !slices.Equal(tgNames, []string{"webstack-lb-tg-physical", "webstack-lb-tg-green-physical"}) || len(prodRoute) != 1 ||
		!strings.HasSuffix(prodRoute[0], ":webstack-lb-https") || len(testRoute) != 1 || !strings.HasSuffix(testRoute[0], ":webstack-lb-test") {
		t.Errorf("target groups %v, production route %v, test route %v", tgNames, prodRoute, testRoute)
	}
	if !d.DependsOnType(group, "aws:ecs/service:Service") {
		t.Error("the deployment group does not wait for the service")
	}
	// The unhealthy-hosts alarm sums both target groups: the idle one reports nothing.
	for _, a := range d.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if strings.HasSuffix(a.Inputs["name"].StringValue(), "-unhealthy-hosts") && len(a.Inputs["metricQueries"].ArrayValue()) != 3 {
			t.Errorf("unhealthy-hosts queries %v, want one per target group and their sum", a.Inputs["metricQueries"])
		}
	}
}

// TestReleaseTimeout: the deploy command's budget is the margin plus the traffic shift.
func TestReleaseTimeout(t *testing.T) {
	for _, tc := range []struct {
		set  map[string]string
		want time.Duration
	}{
		{map[string]string{"deploymentStrategy": "rolling"}, 15 * time.Minute},
		{map[string]string{}, 20 * time.Minute}, // prod: canary 10 % for 5 minutes
		{map[string]string{"trafficShifting": "linear", "trafficShiftPercent": "10", "trafficShiftIntervalMinutes": "3"}, 42 * time.Minute},
		{map[string]string{"trafficShifting": "all-at-once"}, 15 * time.Minute},
	} {
		cfg := stackConfig(t, "prod")
		for k, v := range tc.set {
			cfg[Project+":"+k] = v
		}
		c, err := Load("prod", getter(cfg))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.ReleaseTimeout(); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.set, got, tc.want)
		}
	}
}
