package components

import (
	"slices"
	"strings"
	"testing"
	"time"

	"example.com/webstack/internal/clouddouble"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The pieces blue-green adds to the LoadBalancer and Service, and the ECS controller's alarms.

func TestLoadBalancerTestListenerForBlueGreen(t *testing.T) {
	var testURL string
	d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
		l, err := NewLoadBalancer(ctx, "web", &LoadBalancerArgs{
			VPCID: pulumi.String("vpc-double"), SubnetIDs: pulumi.ToStringArray([]string{"subnet-public-1", "subnet-public-2"}),
			ContainerPort: 8080, DomainName: "api.example.com", HostedZoneID: "Z0123456789ABCDEFGHIJ",
			TestListener: &TestListenerArgs{Port: 8443, CIDRBlocks: []string{"203.0.113.0/24", "198.51.100.0/24"}},
		})
		if err != nil {
			return err
		}
		clouddouble.Await(ctx, "testUrl", func(v []any) { testURL = v[0].(string) }, l.TestListenerURL)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tgs := d.OfType("aws:lb/targetGroup:TargetGroup")
	if len(tgs) != 2 {
		t.Fatalf("%d target groups, want blue and green", len(tgs))
	}
	for _, tg := range tgs {
		hc := tg.Inputs["healthCheck"].ObjectValue()
		if tg.Inputs["targetType"].StringValue() != "ip" || hc["interval"].NumberValue() != HealthCheckIntervalSeconds ||
			hc["healthyThreshold"].NumberValue() != HealthyThreshold {
			t.Errorf("%s: %v", tg.Name, tg.Inputs)
		}
	}
	listeners := map[string]clouddouble.Recorded{}
	for _, l := range d.OfType("aws:lb/listener:Listener") {
		listeners[l.Name] = l
	}
	test, ok := listeners["web-test"]
	if !ok || len(listeners) != 3 {
		t.Fatalf("listeners %v, want https, http (redirect) and test", slices.Sorted(func(yield func(string) bool) {
			for k := range listeners {
				yield(k)
			}
		}))
	}
	action := test.Inputs["defaultActions"].ArrayValue()[0].ObjectValue()
	if test.Inputs["port"].NumberValue() != 8443 || test.Inputs["protocol"].StringValue() != "HTTPS" ||
		test.Inputs["sslPolicy"].StringValue() != DefaultSSLPolicy || !strings.HasSuffix(action["targetGroupArn"].StringValue(), ":web-tg-green") {
		t.Errorf("test listener %v", test.Inputs)
	}
	// CodeDeploy owns which target group the production and test listeners forward to; the
	// redirect listener stays Pulumi's.
	for name, want := range map[string][]string{"web-https": {"defaultActions"}, "web-test": {"defaultActions"}, "web-http": nil} {
		if got := listeners[name].IgnoreChanges; !slices.Equal(got, want) {
			t.Errorf("%s ignoreChanges %v, want %v", name, got, want)
		}
	}
	var testIngress []string
	for _, r := range d.OfType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") {
		if r.Inputs["fromPort"].NumberValue() == 8443 {
			testIngress = append(testIngress, r.Inputs["cidrIpv4"].StringValue())
		}
	}
	slices.Sort(testIngress)
	if !slices.Equal(testIngress, []string{"198.51.100.0/24", "203.0.113.0/24"}) {
		t.Errorf("test listener ingress from %v", testIngress)
	}
	if testURL != "https://api.example.com:8443" {
		t.Errorf("test listener URL %q", testURL)
	}
}

func TestLoadBalancerTestListenerInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		tl   TestListenerArgs
		want string
	}{
		{TestListenerArgs{Port: 443, CIDRBlocks: []string{"203.0.113.0/24"}}, "TestListener.Port 443"},
		{TestListenerArgs{Port: 8443}, "TestListener.CIDRBlocks empty"},
		{TestListenerArgs{Port: 8443, CIDRBlocks: []string{"0.0.0.0/0"}}, "TestListener.CIDRBlocks \"0.0.0.0/0\" opens the test listener"},
		{TestListenerArgs{Port: 8443, CIDRBlocks: []string{"203.0.113.1/24"}}, "has host bits set"},
	} {
		tl := tc.tl
		t.Run(tc.want, func(t *testing.T) {
			d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
				_, err := NewLoadBalancer(ctx, "web", &LoadBalancerArgs{VPCID: pulumi.String("v"), SubnetIDs: pulumi.StringArray{},
					ContainerPort: 8080, AllowHTTP: true, TestListener: &tl})
				return err
			})
			d.AssertRefused(t, err, tc.want)
		})
	}
}

func TestServiceUnderCodeDeploy(t *testing.T) {
	args := serviceArgs()
	args.DeploymentController = ControllerCodeDeploy
	args.ClusterName, args.ServiceName = "webstack-test", "webstack-test-blue-green"
	d := runService(t, args)
	svc := d.One(t, "aws:ecs/service:Service")
	in := svc.Inputs
	if in["deploymentController"].ObjectValue()["type"].StringValue() != "CODE_DEPLOY" || in["name"].StringValue() != "webstack-test-blue-green" {
		t.Errorf("service %v", in)
	}
	for _, k := range []string{"deploymentCircuitBreaker", "alarms", "forceNewDeployment"} {
		if v, ok := in[resource.PropertyKey(k)]; ok && !v.IsNull() {
			t.Errorf("%s = %v under CODE_DEPLOY", k, v)
		}
	}
	if in["availabilityZoneRebalancing"].StringValue() != "DISABLED" {
		t.Errorf("availabilityZoneRebalancing %v under CODE_DEPLOY", in["availabilityZoneRebalancing"])
	}
	if want := []string{"desiredCount", "taskDefinition", "loadBalancers", "networkConfiguration", "capacityProviderStrategies", "enableExecuteCommand"}; !slices.Equal(svc.IgnoreChanges, want) {
		t.Errorf("ignoreChanges %v, want %v", svc.IgnoreChanges, want)
	}
	if !slices.Equal(svc.ReplaceOnChanges, []string{"deploymentController"}) {
		t.Errorf("replaceOnChanges %v", svc.ReplaceOnChanges)
	}
	if c := d.One(t, "aws:ecs/cluster:Cluster").Inputs; c["name"].StringValue() != "webstack-test" {
		t.Errorf("cluster %v", c)
	}
	// The task definition is still Pulumi's: each `pulumi up` registers a revision.
	if td := d.One(t, "aws:ecs/taskDefinition:TaskDefinition"); len(td.IgnoreChanges) != 0 {
		t.Errorf("task definition ignores %v", td.IgnoreChanges)
	}
}

func TestServiceDeploymentAlarms(t *testing.T) {
	args := serviceArgs()
	args.DeploymentAlarmNames = pulumi.ToStringArray([]string{"a-5xx", "a-latency"})
	d := runService(t, args)
	in := d.One(t, "aws:ecs/service:Service").Inputs
	alarms := in["alarms"].ObjectValue()
	var names []string
	for _, n := range alarms["alarmNames"].ArrayValue() {
		names = append(names, n.StringValue())
	}
	if !alarms["enable"].BoolValue() || !alarms["rollback"].BoolValue() || !slices.Equal(names, []string{"a-5xx", "a-latency"}) {
		t.Errorf("alarms %v", alarms)
	}
	if cb := in["deploymentCircuitBreaker"].ObjectValue(); !cb["enable"].BoolValue() || !cb["rollback"].BoolValue() ||
		in["deploymentController"].ObjectValue()["type"].StringValue() != "ECS" {
		t.Errorf("service %v", in)
	}

	bad := serviceArgs()
	bad.DeploymentController, bad.DeploymentAlarmNames = ControllerCodeDeploy, pulumi.StringArray{}
	if _, err := clouddouble.Run(func(ctx *pulumi.Context) error { _, err := NewService(ctx, "svc", bad); return err }); err == nil ||
		!strings.Contains(err.Error(), "DeploymentAlarmNames work with the ECS controller only") {
		t.Errorf("alarms under CODE_DEPLOY: %v", err)
	}
}

func TestTrafficShiftingDuration(t *testing.T) {
	for _, tc := range []struct {
		ts   TrafficShifting
		want time.Duration
	}{
		{TrafficShifting{Type: "canary", Percentage: 10, IntervalMinutes: 5}, 5 * time.Minute},
		{TrafficShifting{Type: "linear", Percentage: 10, IntervalMinutes: 3}, 27 * time.Minute}, // 10 steps, 9 waits
		{TrafficShifting{Type: "linear", Percentage: 30, IntervalMinutes: 2}, 6 * time.Minute},  // 30, 60, 90, 100
		{TrafficShifting{Type: "all-at-once", Percentage: 10, IntervalMinutes: 5}, 0},
	} {
		if got := tc.ts.Duration(); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.ts, got, tc.want)
		}
	}
}

// blueGreenWebServiceArgs is the smallest blue-green WebService: plain HTTP, so the test listener
// is HTTP too.
func blueGreenWebServiceArgs(t *testing.T) *WebServiceArgs {
	a := webServiceArgs(t)
	a.LoadBalancer.TestListener = &TestListenerArgs{Port: 9000, CIDRBlocks: []string{"203.0.113.0/24"}}
	a.Monitoring = &MonitoringArgs{}
	a.BlueGreen = &BlueGreenArgs{TrafficShifting: TrafficShifting{Type: "linear", Percentage: 10, IntervalMinutes: 1}}
	return a
}

// The outputs the program exports for the deploy command come from the parts that own them.
func TestWebServiceBlueGreenOutputs(t *testing.T) {
	var got []any
	d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
		w, err := NewWebService(ctx, "web", blueGreenWebServiceArgs(t))
		if err != nil {
			return err
		}
		clouddouble.Await(ctx, "outputs", func(v []any) { got = v }, w.AlarmNames, w.CodeDeployApplicationName,
			w.CodeDeployDeploymentGroupName, w.TestListenerURL, w.DashboardName, w.ServiceName, w.ClusterName)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	alarms, _ := got[0].([]string)
	if len(alarms) != 5 || alarms[0] != "web-monitoring-test-alb-5xx-rate" {
		t.Errorf("alarmNames %v, want the 5 rollback alarms", alarms)
	}
	want := []any{"web-deploy-test", "web-deploy-test", "http://web-lb-alb-123.eu-west-1.elb.amazonaws.com:9000", "web-monitoring-test", "web-test-blue-green", "web-test"}
	for i, w := range want {
		if got[i+1] != w {
			t.Errorf("output %d = %v, want %v", i+1, got[i+1], w)
		}
	}
	listeners := map[string]string{}
	for _, l := range d.OfType("aws:lb/listener:Listener") {
		listeners[l.Name] = l.Inputs["protocol"].StringValue()
	}
	if len(listeners) != 2 || listeners["web-lb-http"] != "HTTP" || listeners["web-lb-test"] != "HTTP" {
		t.Errorf("listeners %v, want the HTTP forwarder and an HTTP test listener", listeners)
	}
	if cfg := d.One(t, "aws:codedeploy/deploymentGroup:DeploymentGroup").Inputs["deploymentConfigName"].StringValue(); cfg != "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" {
		t.Errorf("deployment config %q", cfg)
	}
}

func TestWebServiceReleaseArgsValidatedFirst(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(a *WebServiceArgs)
		want   string
	}{
		{"blue-green without test listener", func(a *WebServiceArgs) { a.LoadBalancer.TestListener = nil }, "BlueGreen and LoadBalancer.TestListener go together"},
		{"test listener without blue-green", func(a *WebServiceArgs) { a.BlueGreen = nil }, "BlueGreen and LoadBalancer.TestListener go together"},
		{"blue-green without alarms", func(a *WebServiceArgs) { a.Monitoring = nil }, "BlueGreen needs Monitoring"},
		{"thresholds", func(a *WebServiceArgs) { a.Monitoring.Thresholds.DatapointsToAlarm = 5 }, "DatapointsToAlarm 5 is outside 1..3"},
		{"traffic shifting", func(a *WebServiceArgs) { a.BlueGreen.TrafficShifting.Percentage = 100 }, "TrafficShifting.Percentage 100 is out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := blueGreenWebServiceArgs(t)
			tc.change(args)
			d, err := runWebService(args)
			d.AssertRefused(t, err, tc.want)
		})
	}
}
