package components

import (
	"slices"
	"testing"

	"example.com/webstack/internal/clouddouble"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func autoscalingArgs() *AutoscalingArgs {
	return &AutoscalingArgs{
		ClusterName:           pulumi.String("cluster"),
		ServiceName:           pulumi.String("service"),
		LoadBalancerARNSuffix: pulumi.String("app/alb/1"),
		TargetGroupARNSuffix:  pulumi.String("targetgroup/tg/2"),
		MinCount:              3, MaxCount: 9,
		CPUTargetPercent: 55, MemoryTargetPercent: 65, RequestsPerTarget: 800,
		ScaleInCooldownSeconds: pulumi.IntRef(240), ScaleOutCooldownSeconds: pulumi.IntRef(30),
		Schedules: []ScaleSchedule{{Name: "day", Schedule: "cron(0 7 ? * MON-FRI *)", MinCount: 5, MaxCount: 9}},
	}
}

func TestAutoscalingTargetAndPolicies(t *testing.T) {
	d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
		_, err := NewAutoscaling(ctx, "scale", autoscalingArgs())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	target := d.One(t, "aws:appautoscaling/target:Target").Inputs
	if target["resourceId"].StringValue() != "service/cluster/service" || target["scalableDimension"].StringValue() != "ecs:service:DesiredCount" ||
		target["minCapacity"].NumberValue() != 3 || target["maxCapacity"].NumberValue() != 9 {
		t.Errorf("target = %v", target)
	}
	var got []string
	for _, p := range d.OfType("aws:appautoscaling/policy:Policy") {
		c := p.Inputs["targetTrackingScalingPolicyConfiguration"].ObjectValue()
		spec := c["predefinedMetricSpecification"].ObjectValue()
		if p.Inputs["policyType"].StringValue() != "TargetTrackingScaling" || c["scaleInCooldown"].NumberValue() != 240 || c["scaleOutCooldown"].NumberValue() != 30 {
			t.Errorf("%s = %v", p.Name, p.Inputs)
		}
		got = append(got, spec["predefinedMetricType"].StringValue()+"="+clouddouble.Num(c["targetValue"].NumberValue())+" "+clouddouble.Str(spec["resourceLabel"]))
	}
	slices.Sort(got) // registrations arrive concurrently
	want := []string{
		"ALBRequestCountPerTarget=800 app/alb/1/targetgroup/tg/2",
		"ECSServiceAverageCPUUtilization=55 ",
		"ECSServiceAverageMemoryUtilization=65 ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("policies = %q, want %q", got, want)
	}
	sched := d.One(t, "aws:appautoscaling/scheduledAction:ScheduledAction").Inputs
	action := sched["scalableTargetAction"].ObjectValue()
	if sched["schedule"].StringValue() != "cron(0 7 ? * MON-FRI *)" || sched["timezone"].StringValue() != "UTC" || action["minCapacity"].NumberValue() != 5 || action["maxCapacity"].NumberValue() != 9 {
		t.Errorf("scheduled action = %v", sched)
	}
}

func TestAutoscalingInvalidArgs(t *testing.T) {
	cases := []struct {
		change func(a *AutoscalingArgs)
		want   string
	}{
		{func(a *AutoscalingArgs) { a.MinCount = 1 }, "MinCount 1 task(s)"},
		{func(a *AutoscalingArgs) { a.MaxCount = 2 }, "MaxCount 2 is below the minimum of 3 task(s)"},
		{func(a *AutoscalingArgs) { a.Schedules[0].MinCount = 1 }, "use 2 <= min <= max"},
		{func(a *AutoscalingArgs) { a.TargetGroupARNSuffix = nil }, "are required"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			args := autoscalingArgs()
			tc.change(args)
			d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
				_, err := NewAutoscaling(ctx, "scale", args)
				return err
			})
			d.AssertRefused(t, err, tc.want)
		})
	}
}
