package components

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

type monitoringSeen struct {
	alarmNames, rollbackNames, alarmARNs []string
	topicARN, dashboardName              string
}

func runMonitoring(t *testing.T, args *MonitoringArgs) (*clouddouble.Double, monitoringSeen, error) {
	t.Helper()
	var seen monitoringSeen
	d, err := runReleaseDouble(func(ctx *pulumi.Context) error {
		m, err := NewMonitoring(ctx, "mon", args)
		if err != nil {
			return err
		}
		clouddouble.AwaitStrings(m.AlarmNames, &seen.alarmNames)
		clouddouble.AwaitStrings(m.RollbackAlarmNames, &seen.rollbackNames)
		clouddouble.AwaitStrings(m.AlarmARNs, &seen.alarmARNs)
		clouddouble.AwaitString(m.TopicARN, &seen.topicARN)
		clouddouble.AwaitString(m.DashboardName, &seen.dashboardName)
		return nil
	})
	return d, seen, err
}

func monitoringArgs(targetGroups ...string) *MonitoringArgs {
	var tgs []pulumi.StringInput
	for _, tg := range targetGroups {
		tgs = append(tgs, pulumi.String(tg))
	}
	return &MonitoringArgs{
		LoadBalancerARNSuffix:  pulumi.String("app/web/abc"),
		TargetGroupARNSuffixes: tgs,
		ClusterName:            pulumi.String("web-cluster"),
		ServiceName:            pulumi.String("web"),
	}
}

func TestMonitoringAlarmsTopicAndDashboard(t *testing.T) {
	args := monitoringArgs("targetgroup/blue/1")
	args.AlarmEmail = "oncall@example.com"
	args.Thresholds.P99LatencySeconds = 0.5
	d, seen, err := runMonitoring(t, args)
	if err != nil {
		t.Fatal(err)
	}
	kinds := []string{"alb-5xx-rate", "target-5xx", "unhealthy-hosts", "p99-latency", "tasks-below-desired", "cpu-high", "memory-high"}
	var want []string
	for _, k := range kinds {
		want = append(want, "mon-test-"+k)
	}
	if !slices.Equal(seen.alarmNames, want) {
		t.Errorf("AlarmNames = %v, want %v", seen.alarmNames, want)
	}
	if !slices.Equal(seen.rollbackNames, want[:5]) {
		t.Errorf("RollbackAlarmNames = %v, want %v (no CPU/memory)", seen.rollbackNames, want[:5])
	}

	key := d.One(t, "aws:kms/key:Key")
	topic := d.One(t, "aws:sns/topic:Topic")
	keyARN := fmt.Sprintf("arn:aws:double:%s:%s:mon-alarms", releaseDoubleRegion, releaseDoubleAccount)
	if got := topic.Inputs["kmsMasterKeyId"].StringValue(); got != keyARN {
		t.Errorf("topic kmsMasterKeyId = %q, want the customer managed key %q", got, keyARN)
	}
	var policy struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(key.Inputs["policy"].StringValue()), &policy); err != nil {
		t.Fatal(err)
	}
	cw := policy.Statement[1]
	if cw["Principal"].(map[string]any)["Service"] != "cloudwatch.amazonaws.com" ||
		!strings.Contains(fmt.Sprint(cw["Condition"]), releaseDoubleAccount) || !key.Inputs["enableKeyRotation"].BoolValue() {
		t.Errorf("key policy/rotation do not let this account's CloudWatch use the key: %v", key.Inputs)
	}
	sub := d.One(t, "aws:sns/topicSubscription:TopicSubscription")
	if sub.Inputs["protocol"].StringValue() != "email" || sub.Inputs["endpoint"].StringValue() != "oncall@example.com" {
		t.Errorf("subscription = %v", sub.Inputs)
	}

	alarms := map[string]map[string]any{}
	for _, a := range d.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		in := a.Inputs.Mappable()
		alarms[strings.TrimPrefix(in["name"].(string), "mon-test-")] = in
		if in["alarmActions"].([]any)[0] != seen.topicARN || in["okActions"].([]any)[0] != seen.topicARN ||
			in["treatMissingData"] != "notBreaching" {
			t.Errorf("alarm %s: actions/missing data = %v %v %v", in["name"], in["alarmActions"], in["okActions"], in["treatMissingData"])
		}
	}
	rate := alarms["alb-5xx-rate"]
	queries := rate["metricQueries"].([]any)
	if rate["threshold"] != 1.0 || queries[2].(map[string]any)["expression"] != "IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)" ||
		queries[0].(map[string]any)["metric"].(map[string]any)["metricName"] != "HTTPCode_ELB_5XX_Count" ||
		queries[1].(map[string]any)["metric"].(map[string]any)["metricName"] != "RequestCount" {
		t.Errorf("5xx rate alarm = %v", rate)
	}
	p99 := alarms["p99-latency"]
	if p99["threshold"] != 0.5 || p99["metricQueries"].([]any)[0].(map[string]any)["metric"].(map[string]any)["stat"] != "p99" {
		t.Errorf("the stack's p99 threshold did not reach the alarm: %v", p99)
	}
	if p99["evaluationPeriods"] != 3.0 || p99["datapointsToAlarm"] != 2.0 {
		t.Errorf("p99 window = %v of %v, want 2 of 3", p99["datapointsToAlarm"], p99["evaluationPeriods"])
	}
	tasks := alarms["tasks-below-desired"]
	tq := tasks["metricQueries"].([]any)
	if tasks["evaluationPeriods"] != 5.0 || tq[0].(map[string]any)["metric"].(map[string]any)["namespace"] != "ECS/ContainerInsights" ||
		tq[2].(map[string]any)["expression"] != "m1 - m2" {
		t.Errorf("tasks-below-desired alarm = %v", tasks)
	}
	if cpu := alarms["cpu-high"]; cpu["threshold"] != 85.0 {
		t.Errorf("cpu-high threshold = %v, want the default 85", cpu["threshold"])
	}

	dash := d.One(t, "aws:cloudwatch/dashboard:Dashboard")
	if seen.dashboardName != "mon-test" {
		t.Errorf("DashboardName = %q", seen.dashboardName)
	}
	var body struct {
		Widgets []struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(dash.Inputs["dashboardBody"].StringValue()), &body); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, w := range body.Widgets {
		titles = append(titles, w.Properties["title"].(string))
		if w.Type == "metric" && w.Properties["region"] != releaseDoubleRegion {
			t.Errorf("widget %q region = %v", w.Properties["title"], w.Properties["region"])
		}
	}
	if want := []string{"Requests", "Target response time", "5xx", "Healthy hosts per AZ", "CPU and memory", "Tasks", "Alarms"}; !slices.Equal(titles, want) {
		t.Errorf("widgets = %v, want %v", titles, want)
	}
	perAZ := fmt.Sprint(body.Widgets[3].Properties["metrics"])
	if !strings.Contains(perAZ, "AvailabilityZone") || !strings.Contains(perAZ, `TargetGroup="targetgroup/blue/1"`) {
		t.Errorf("healthy hosts widget does not split by AZ for the target group: %s", perAZ)
	}
	if latency := fmt.Sprint(body.Widgets[1].Properties["metrics"]); !strings.Contains(latency, "p50") || !strings.Contains(latency, "p99") {
		t.Errorf("latency widget = %s", latency)
	}
	if got := fmt.Sprint(body.Widgets[6].Properties["alarms"]); got != fmt.Sprint(seen.alarmARNs) || len(seen.alarmARNs) != 7 {
		t.Errorf("alarm widget lists %s, want the 7 alarm ARNs %v", got, seen.alarmARNs)
	}
}

func TestMonitoringBlueGreenWatchesBothTargetGroups(t *testing.T) {
	d, _, err := runMonitoring(t, monitoringArgs("targetgroup/blue/1", "targetgroup/green/2"))
	if err != nil {
		t.Fatal(err)
	}
	if subs := d.OfType("aws:sns/topicSubscription:TopicSubscription"); len(subs) != 0 {
		t.Errorf("no AlarmEmail, yet %d subscriptions", len(subs))
	}
	for _, a := range d.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if a.Name != "mon-unhealthy-hosts" {
			continue
		}
		q := fmt.Sprint(a.Inputs.Mappable()["metricQueries"])
		if !strings.Contains(q, "FILL(m0, 0) + FILL(m1, 0)") || !strings.Contains(q, "targetgroup/green/2") || !strings.Contains(q, "targetgroup/blue/1") {
			t.Errorf("unhealthy-hosts does not sum both target groups: %s", q)
		}
	}
	body := d.One(t, "aws:cloudwatch/dashboard:Dashboard").Inputs["dashboardBody"].StringValue()
	if strings.Count(body, "SEARCH(") != 2 {
		t.Errorf("healthy hosts per AZ has %d searches, want one per target group", strings.Count(body, "SEARCH("))
	}
}

func TestMonitoringRejectsBadArgs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*MonitoringArgs)
		want  string
	}{
		{"no target group", func(a *MonitoringArgs) { a.TargetGroupARNSuffixes = nil }, "TargetGroupARNSuffixes has 0 entries"},
		{"bad email", func(a *MonitoringArgs) { a.AlarmEmail = "oncall at example" }, `AlarmEmail "oncall at example" is not an email address`},
		{"rate above 100", func(a *MonitoringArgs) { a.Thresholds.ALB5xxRatePercent = 150 }, "Thresholds.ALB5xxRatePercent 150 is out of range"},
		{"negative latency", func(a *MonitoringArgs) { a.Thresholds.P99LatencySeconds = -1 }, "Thresholds.P99LatencySeconds -1 is out of range"},
		{"datapoints above window", func(a *MonitoringArgs) { a.Thresholds.EvaluationMinutes, a.Thresholds.DatapointsToAlarm = 2, 3 },
			"Thresholds.DatapointsToAlarm 3 is outside 1..2"},
		{"no load balancer", func(a *MonitoringArgs) { a.LoadBalancerARNSuffix = nil }, "LoadBalancerARNSuffix is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := monitoringArgs("targetgroup/blue/1")
			tc.tweak(args)
			d, _, err := runMonitoring(t, args)
			d.AssertRefused(t, err, tc.want)
		})
	}
}
