package release

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"example.com/webstack/contract"
)

// --- doubles (wired into awsdoubles_test.go's handlers) ------------------------------------------

// getDeploymentGroup answers GetDeploymentGroup with the group the program creates
// (components/bluegreen.go: targetGroups blue then green, one production listener). Shape: CodeDeploy
// API reference, DeploymentGroupInfo.loadBalancerInfo.targetGroupPairInfoList (targetGroups[].name,
// prodTrafficRoute.listenerArns).
func (w *world) getDeploymentGroup(in map[string]any) (any, string) {
	if in["applicationName"] != "webstack" || in["deploymentGroupName"] != "webstack-dg" {
		return nil, "DeploymentGroupDoesNotExistException"
	}
	return map[string]any{"deploymentGroupInfo": map[string]any{"applicationName": "webstack", "deploymentGroupName": "webstack-dg",
		"loadBalancerInfo": map[string]any{"targetGroupPairInfoList": []any{map[string]any{
			"targetGroups":     []any{map[string]any{"name": "webstack-blue"}, map[string]any{"name": "webstack-green"}},
			"prodTrafficRoute": map[string]any{"listenerArns": []any{prodListener}},
		}}}}}, ""
}

const prodListener = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/webstack/1/443"

// describeRules answers DescribeRules for the production listener: its default rule forwards to the
// target group production is on. CodeDeploy reroutes by modifying the listener or its rules
// (elasticloadbalancing:ModifyListener/ModifyRule in the AWSCodeDeployRoleForECS managed policy); a
// forward action lists its target group in TargetGroupArn and in ForwardConfig ("If you specify both
// ForwardConfig and TargetGroupArn, you can specify only one target group using ForwardConfig and it
// must be the same target group specified in TargetGroupArn", ELBv2 API reference, Action). Which of
// the two CodeDeploy writes after a finished deployment is not sourced: both are given.
func (w *world) describeRules(form map[string][]string) (int, string) {
	if l := form["ListenerArn"]; len(l) != 1 || l[0] != prodListener {
		return 400, `<ErrorResponse><Error><Type>Sender</Type><Code>ListenerNotFound</Code><Message>One or more listeners not found</Message></Error></ErrorResponse>`
	}
	tg := blueTG
	if w.prodOnGreen {
		tg = greenTG
	}
	return 200, `<DescribeRulesResponse><DescribeRulesResult><Rules><member><RuleArn>` + prodListener + `/rule/default</RuleArn>` +
		`<Priority>default</Priority><IsDefault>true</IsDefault><Conditions/><Actions><member><Type>forward</Type><Order>1</Order>` +
		`<TargetGroupArn>` + tg + `</TargetGroupArn><ForwardConfig><TargetGroups><member><TargetGroupArn>` + tg +
		`</TargetGroupArn><Weight>1</Weight></member></TargetGroups></ForwardConfig></member></Actions></member></Rules>` +
		`</DescribeRulesResult></DescribeRulesResponse>`
}

// describeScheduledActions answers DescribeScheduledActions filtered by ResourceId, as the API does
// (Application Auto Scaling API reference: ScheduledActionName, ScheduledActionARN, ServiceNamespace,
// Schedule, ResourceId, CreationTime are always present).
func (w *world) describeScheduledActions(in map[string]any) (any, string) {
	out := []any{}
	for _, a := range w.scheduledActions {
		if in["ResourceId"] == nil || in["ResourceId"] == a["ResourceId"] {
			out = append(out, a)
		}
	}
	return map[string]any{"ScheduledActions": out}, ""
}

func scheduledAction(name, schedule string) map[string]any {
	return map[string]any{"ScheduledActionName": name, "ScheduledActionARN": "arn:aws:autoscaling:us-east-1:123456789012:scheduledAction:1:" + name,
		"ServiceNamespace": "ecs", "Schedule": schedule, "ResourceId": "service/" + cluster + "/" + service, "ScalableDimension": "ecs:service:DesiredCount",
		"CreationTime": 1.7e9, "ScalableTargetAction": map[string]any{"MinCapacity": 4, "MaxCapacity": 8}}
}

func nextStack(s Strategy, port int) *NextStack {
	return &NextStack{Strategy: s, ComputeType: contract.ComputeFargate, ContainerPort: port, ReleaseTime: 30 * time.Minute}
}

func wantNothingReleased(t *testing.T, w *world, err error, want ...string) {
	t.Helper()
	var nothing *NothingReleasedError
	if !errors.As(err, &nothing) || ExitCode(err) != ExitNothingReleased {
		t.Fatalf("err = %v (exit %d), want a refusal (exit %d)", err, ExitCode(err), ExitNothingReleased)
	}
	for _, s := range want {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("refusal lacks %q:\n%v", s, err)
		}
	}
	if w.ups != 0 || len(refreshesOf(w)) != 0 || len(w.createdAppSpecs) != 0 || w.registerCalls != 0 {
		t.Errorf("refused, yet %d ups, %d refreshes, AppSpecs %v, %d RegisterScalableTarget", w.ups, len(refreshesOf(w)), w.createdAppSpecs, w.registerCalls)
	}
}

// --- issue 12 item 6: blue-green -> rolling while production is on green -------------------------

func TestSwitchToRollingRefusedWhileProductionOnGreen(t *testing.T) {
	w := newWorld(BlueGreen)
	w.prodOnGreen = true
	_, err, _ := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(Rolling, 8080) })
	wantNothingReleased(t, w, err, "production is on the green target group webstack-green", "listener "+prodListener,
		"aws deploy create-deployment --application-name webstack --deployment-group-name webstack-dg --revision",
		`\"TaskDefinition\":\"`+td(1)+`\"`, "aws deploy wait deployment-successful", "nothing was changed")

	// On blue, the switch goes ahead (refresh, then up).
	w = newWorld(BlueGreen)
	if _, err, _ := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(Rolling, 8080) }); err != nil {
		t.Fatal(err)
	}
	if w.ups != 1 {
		t.Errorf("production on blue: %d ups, want the switch to run", w.ups)
	}
}

// --- edits AWS would refuse on a live stack ------------------------------------------------------

func TestComputeTypeSwitchRefused(t *testing.T) {
	for _, s := range []Strategy{Rolling, BlueGreen} {
		t.Run(string(s), func(t *testing.T) {
			w := newWorld(s)
			w.computeType = contract.ComputeFargate
			_, err, _ := run(t, w, func(d *Deployer) {
				d.Config.Next = nextStack(s, 8080)
				d.Config.Next.ComputeType = contract.ComputeEC2
			})
			wantNothingReleased(t, w, err, "Pulumi.prod.yaml switches computeType from fargate to ec2 on a live stack",
				"pulumi stack init prod-ec2", "Or set computeType back to fargate")
		})
	}
	// The same compute type releases.
	w := newWorld(Rolling)
	w.computeType = contract.ComputeFargate
	if _, err, _ := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(Rolling, 8080) }); err != nil {
		t.Fatal(err)
	}
}

// A stack last updated before the computeType output existed: the service's own capacity provider
// strategy or launch type says which it runs on.
func TestComputeTypeOfService(t *testing.T) {
	for _, c := range []struct {
		svc  ecstypes.Service
		want string
	}{
		{ecstypes.Service{CapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("FARGATE_SPOT")}}}, contract.ComputeFargate},
		{ecstypes.Service{CapacityProviderStrategy: []ecstypes.CapacityProviderStrategyItem{{CapacityProvider: aws.String("webstack-prod-ec2")}}}, contract.ComputeEC2},
		{ecstypes.Service{LaunchType: ecstypes.LaunchTypeFargate}, contract.ComputeFargate},
		{ecstypes.Service{}, ""},
	} {
		if got := computeTypeOf(c.svc); got != c.want {
			t.Errorf("computeTypeOf(%+v) = %q, want %q", c.svc, got, c.want)
		}
	}
}

func TestContainerPortChangeRefusedOnBlueGreen(t *testing.T) {
	w := newWorld(BlueGreen)
	_, err, _ := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(BlueGreen, 9090) })
	wantNothingReleased(t, w, err, "changes containerPort from 8080 to 9090 on a blue-green stack",
		"(1) deploymentStrategy rolling (same port); (2) containerPort 9090; (3) deploymentStrategy blue-green")

	// Rolling: the listener follows the replaced target group (docs/day2-components.md), no refusal.
	w = newWorld(Rolling)
	if _, err, _ := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(Rolling, 9090) }); err != nil {
		t.Fatal(err)
	}
}

// A live stack whose VPC the program carves (awsx's Auto layout) cannot change its zone count in one
// `pulumi up`: every subnet is replaced create-first by one whose block overlaps it, which EC2
// CreateSubnet refuses (InvalidSubnet.Conflict; offline/day2_test.go shows the simulated up fail).
func TestAvailabilityZonesChangeRefusedOnOwnVPC(t *testing.T) {
	for _, s := range []Strategy{Rolling, BlueGreen} {
		t.Run(string(s), func(t *testing.T) {
			w := newWorld(s)
			w.zones = 2
			_, err, _ := run(t, w, func(d *Deployer) {
				d.Config.Next = nextStack(s, 8080)
				d.Config.Next.AvailabilityZones = 3
			})
			wantNothingReleased(t, w, err, "Pulumi.prod.yaml changes availabilityZones from 2 to 3 on a live stack that creates its own VPC",
				"InvalidSubnet.Conflict", "pulumi stack init prod-3az", "move traffic to its url (DNS)", "`pulumi destroy` the old stack",
				"Or set availabilityZones back to 2")
		})
	}
	for _, c := range []struct {
		name       string
		live, next int
	}{
		{"the same zone count", 2, 2},
		{"a stack last updated before the output existed", 0, 3},
		{"a stack with existingVpcId (its subnets are the user's: no output, no zone count)", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(Rolling)
			w.zones = c.live
			if _, err, _ := run(t, w, func(d *Deployer) {
				d.Config.Next = nextStack(Rolling, 8080)
				d.Config.Next.AvailabilityZones = c.next
			}); err != nil {
				t.Fatal(err)
			}
			if w.ups != 1 {
				t.Errorf("%d ups, want the release to run", w.ups)
			}
		})
	}
}

// --- issue 17 item 6: scheduled scaling inside a blue-green release -------------------------------

func cronAt(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("cron(%d %d * * ? *)", t.Minute(), t.Hour())
}

func TestScheduledActionInsideBlueGreenReleaseRefused(t *testing.T) {
	w := newWorld(BlueGreen)
	w.scalableTarget = true
	at := w.clock.peek().Add(20 * time.Minute).Truncate(time.Minute)
	w.scheduledActions = []map[string]any{scheduledAction("morning-scale-up", cronAt(at))}
	_, err, _ := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(BlueGreen, 8080) })
	wantNothingReleased(t, w, err, "scheduled scaling action morning-scale-up runs at "+at.UTC().Format("15:04 UTC"),
		"Start the release after "+at.UTC().Add(time.Minute).Format("15:04 UTC"))

	// Far from the release: it goes ahead.
	w = newWorld(BlueGreen)
	w.scalableTarget = true
	w.scheduledActions = []map[string]any{scheduledAction("evening", cronAt(w.clock.peek().Add(3*time.Hour)))}
	if _, err, _ := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(BlueGreen, 8080) }); err != nil {
		t.Fatal(err)
	}
	if len(w.createdAppSpecs) != 1 {
		t.Errorf("%d deployments, want 1", len(w.createdAppSpecs))
	}
}

// pulumi up can take minutes (an image build): the check is made again before the deployment.
func TestScheduledActionCheckedAgainAfterUp(t *testing.T) {
	w := newWorld(BlueGreen)
	w.scalableTarget = true
	w.onUp = func() {
		w.scheduledActions = []map[string]any{scheduledAction("soon", cronAt(w.clock.peek().Add(10*time.Minute)))}
	}
	_, err, out := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(BlueGreen, 8080) })
	var nothing *NothingReleasedError
	if !errors.As(err, &nothing) || !strings.Contains(err.Error(), "pulumi up ran, but no CodeDeploy deployment was created, so "+td(1)+" still serves") ||
		!strings.Contains(err.Error(), "scheduled scaling action soon") {
		t.Fatalf("err = %v", err)
	}
	if len(w.createdAppSpecs) != 0 || w.registerCalls != 0 || !strings.Contains(out, "==> summary: nothing released") {
		t.Errorf("AppSpecs %v, %d RegisterScalableTarget, summary printed %v", w.createdAppSpecs, w.registerCalls, strings.Contains(out, "summary"))
	}
	// pulumi up changed no task definition: no deployment, nothing to refuse.
	w = newWorld(BlueGreen)
	w.scalableTarget, w.upNoop = true, true
	w.onUp = func() {
		w.scheduledActions = []map[string]any{scheduledAction("soon", cronAt(w.clock.peek().Add(10*time.Minute)))}
	}
	if _, err, _ := run(t, w, func(d *Deployer) { d.Config.Next = nextStack(BlueGreen, 8080) }); err != nil {
		t.Errorf("unchanged task definition: %v", err)
	}
}

func TestNextRun(t *testing.T) {
	day := time.Date(2026, 11, 27, 6, 50, 0, 0, time.UTC) // a Friday
	act := func(schedule, tz string) aastypes.ScheduledAction {
		a := aastypes.ScheduledAction{Schedule: aws.String(schedule), CreationTime: aws.Time(day.Add(-48 * time.Hour))}
		if tz != "" {
			a.Timezone = aws.String(tz)
		}
		return a
	}
	for _, c := range []struct {
		schedule, tz string
		from         time.Time
		span         time.Duration
		want         time.Time // zero: not in the window
	}{
		{"cron(0 7 * * ? *)", "", day, 20 * time.Minute, day.Add(10 * time.Minute)},
		{"cron(0 7 * * ? *)", "", day.Add(11 * time.Minute), 20 * time.Minute, time.Time{}},
		{"cron(0 7 ? * MON-FRI *)", "", day, 20 * time.Minute, day.Add(10 * time.Minute)},
		{"cron(0 7 ? * SAT,SUN *)", "", day, 20 * time.Minute, time.Time{}},
		{"cron(0/15 * * * ? *)", "", day, 5 * time.Minute, time.Time{}},
		{"cron(0/15 * * * ? *)", "", day, 11 * time.Minute, day.Add(10 * time.Minute)},
		{"cron(0 8 * * ? *)", "Europe/Berlin", day, 20 * time.Minute, day.Add(10 * time.Minute)}, // 08:00 CET = 07:00 UTC
		{"cron(0 7 L * ? *)", "", day, 20 * time.Minute, day.Add(10 * time.Minute)},              // "last day" read as any day
		{"at(2026-11-27T07:05:00)", "", day, 20 * time.Minute, day.Add(15 * time.Minute)},
		{"at(2026-11-28T07:05:00)", "", day, 20 * time.Minute, time.Time{}},
		{"rate(5 minutes)", "", day, 20 * time.Minute, day},
		{"rate(1 day)", "", day, 20 * time.Minute, day},                            // from CreationTime, 06:50 two days before
		{"rate(2 hours)", "", day.Add(time.Minute), 20 * time.Minute, time.Time{}}, // 06:50, then 08:50
	} {
		got, ok, err := nextRun(act(c.schedule, c.tz), c.from, c.from.Add(c.span))
		if err != nil {
			t.Errorf("%s: %v", c.schedule, err)
			continue
		}
		if ok != !c.want.IsZero() || (ok && !got.Equal(c.want)) {
			t.Errorf("%s (%s) from %s for %s: got %s %v, want %s", c.schedule, c.tz, c.from.Format("15:04"), c.span, got, ok, c.want)
		}
	}
	// A start time inside the window is a run of its own, whatever the recurrence.
	started := act("cron(0 19 ? * MON-FRI *)", "")
	started.StartTime = aws.Time(day.Add(5 * time.Minute))
	if got, ok, err := nextRun(started, day, day.Add(20*time.Minute)); err != nil || !ok || !got.Equal(day.Add(5*time.Minute)) {
		t.Errorf("StartTime in the window: %s %v %v, want %s", got, ok, err, day.Add(5*time.Minute))
	}
	if _, _, err := nextRun(act("cron(0 25 * * ? *)", ""), day, day.Add(time.Hour)); err == nil {
		t.Error("hour 25 accepted")
	}
}

// --- -dry-run on a blue-green stack refreshes before the preview ---------------------------------

func TestDryRunRefreshesBlueGreenFirst(t *testing.T) {
	w := newWorld(BlueGreen)
	_, err, out := run(t, w, func(d *Deployer) { d.Config.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	if got := refreshesOf(w); len(got) != 1 || w.previews != 1 || w.ups != 0 {
		t.Errorf("dry run: refreshes %v, previews %d, ups %d; want one refresh, one preview, no up", got, w.previews, w.ups)
	}
	if r, p := strings.Index(out, "==> pulumi refresh"), strings.Index(out, "==> pulumi preview"); r < 0 || r > p {
		t.Errorf("the refresh is not shown before the preview")
	}
	rolling := newWorld(Rolling)
	if _, err, _ := run(t, rolling, func(d *Deployer) { d.Config.DryRun = true }); err != nil || len(refreshesOf(rolling)) != 0 {
		t.Errorf("rolling dry run: err %v, refreshes %v; want none", err, refreshesOf(rolling))
	}

	failing := newWorld(BlueGreen)
	failRefresh(failing, errors.New("AccessDenied"))
	if _, err, _ := run(t, failing, func(d *Deployer) { d.Config.DryRun = true }); err == nil || failing.previews != 0 ||
		!strings.Contains(err.Error(), "pulumi refresh failed, so no preview was made") {
		t.Errorf("failed refresh: err %v, previews %d", err, failing.previews)
	}
}
