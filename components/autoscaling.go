package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ScaleSchedule changes the scaling bounds at a given time (UTC), e.g. more tasks in office hours.
type ScaleSchedule struct {
	Name     string
	Schedule string // cron(...), rate(...) or at(...)
	MinCount int
	MaxCount int
}

// AutoscalingArgs configures target tracking for an ECS service behind an ALB target group.
type AutoscalingArgs struct {
	ClusterName           pulumi.StringInput
	ServiceName           pulumi.StringInput
	LoadBalancerARNSuffix pulumi.StringInput // LoadBalancer.ARNSuffix
	TargetGroupARNSuffix  pulumi.StringInput // LoadBalancer.TargetGroupARNSuffix

	MinCount int // CheckMinCount, default DefaultMinCount
	MaxCount int // CheckMaxCount, default DefaultMaxCount

	CPUTargetPercent    int // CheckTargetPercent, default DefaultCPUTargetPercent
	MemoryTargetPercent int // CheckTargetPercent, default DefaultMemoryTargetPercent
	RequestsPerTarget   int // ALB requests per target per minute, default DefaultRequestsPerTarget
	// The cooldowns, 0..MaxScaleCooldownSeconds; nil means DefaultScaleInCooldownSeconds and
	// DefaultScaleOutCooldownSeconds (0 is a valid cooldown: pulumi.IntRef(0)).
	ScaleInCooldownSeconds  *int
	ScaleOutCooldownSeconds *int
	Schedules               []ScaleSchedule
	// BlueGreen: CodeDeploy moves production between two target groups, so the requests policy
	// tracks the load balancer's requests per running task instead of one target group's
	// ALBRequestCountPerTarget (see requestsMetric).
	BlueGreen bool
}

// Autoscaling is an Application Auto Scaling target for the service's desired count with
// target-tracking policies on CPU, memory and requests per target, and optional schedules.
type Autoscaling struct {
	pulumi.ResourceState

	ResourceID pulumi.StringOutput `pulumi:"resourceId"`
}

// Autoscaling defaults.
const (
	DefaultMinCount                = 2
	DefaultMaxCount                = 4
	DefaultCPUTargetPercent        = 60
	DefaultMemoryTargetPercent     = 70
	DefaultRequestsPerTarget       = 1000
	DefaultScaleInCooldownSeconds  = 300
	DefaultScaleOutCooldownSeconds = 60
)

func (a *AutoscalingArgs) withDefaults() AutoscalingArgs {
	d := *a
	for _, f := range []struct {
		v   *int
		def int
	}{{&d.MinCount, DefaultMinCount}, {&d.MaxCount, DefaultMaxCount}, {&d.CPUTargetPercent, DefaultCPUTargetPercent},
		{&d.MemoryTargetPercent, DefaultMemoryTargetPercent}, {&d.RequestsPerTarget, DefaultRequestsPerTarget}} {
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	if d.ScaleInCooldownSeconds == nil {
		d.ScaleInCooldownSeconds = pulumi.IntRef(DefaultScaleInCooldownSeconds)
	}
	if d.ScaleOutCooldownSeconds == nil {
		d.ScaleOutCooldownSeconds = pulumi.IntRef(DefaultScaleOutCooldownSeconds)
	}
	return d
}

// validate reports every problem of the settings.
func (d AutoscalingArgs) validate() error {
	var errs []error
	for _, err := range []error{
		CheckMinCount(d.MinCount).For("MinCount"),
		CheckMaxCount(d.MaxCount, d.MinCount).For("MaxCount"),
		CheckTargetPercent(d.CPUTargetPercent).For("CPUTargetPercent"),
		CheckTargetPercent(d.MemoryTargetPercent).For("MemoryTargetPercent"),
		CheckRequestsPerTarget(d.RequestsPerTarget).For("RequestsPerTarget"),
		CheckScaleCooldown(*d.ScaleInCooldownSeconds).For("ScaleInCooldownSeconds"),
		CheckScaleCooldown(*d.ScaleOutCooldownSeconds).For("ScaleOutCooldownSeconds"),
	} {
		if err != nil {
			errs = append(errs, fmt.Errorf("Autoscaling: %w", err))
		}
	}
	for i, s := range d.Schedules {
		if err := CheckScaleSchedule(s).For(fmt.Sprintf("Schedules[%d]", i)); err != nil {
			errs = append(errs, fmt.Errorf("Autoscaling: %w", err))
		}
	}
	return errors.Join(errs...)
}

// wiring checks the inputs that come from the service and the load balancer.
func (a *AutoscalingArgs) wiring() error {
	if a.ClusterName == nil || a.ServiceName == nil || a.LoadBalancerARNSuffix == nil || a.TargetGroupARNSuffix == nil {
		return fmt.Errorf("Autoscaling: ClusterName, ServiceName, LoadBalancerARNSuffix and TargetGroupARNSuffix are required")
	}
	return nil
}

// trackingPolicy is one target tracking policy: a predefined or a customized metric.
type trackingPolicy struct {
	suffix     string
	target     int
	predefined appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationPtrInput
	customized appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationPtrInput
}

// NewAutoscaling registers the scalable target and its policies.
func NewAutoscaling(ctx *pulumi.Context, name string, args *AutoscalingArgs, opts ...pulumi.ResourceOption) (*Autoscaling, error) {
	if args == nil {
		args = &AutoscalingArgs{}
	}
	a := args.withDefaults()
	if err := errors.Join(args.wiring(), a.validate()); err != nil {
		return nil, err
	}
	c := &Autoscaling{}
	if err := ctx.RegisterComponentResource("webstack:components:Autoscaling", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)

	resourceID := pulumi.Sprintf("service/%s/%s", a.ClusterName, a.ServiceName)
	target, err := appautoscaling.NewTarget(ctx, name+"-target", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        resourceID,
		MinCapacity:       pulumi.Int(a.MinCount),
		MaxCapacity:       pulumi.Int(a.MaxCount),
	}, parent)
	if err != nil {
		return nil, err
	}

	predefined := func(metric string, label pulumi.StringInput) *appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs {
		return &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
			PredefinedMetricType: pulumi.String(metric), ResourceLabel: label,
		}
	}
	policies := []trackingPolicy{
		{"cpu", a.CPUTargetPercent, predefined("ECSServiceAverageCPUUtilization", nil), nil},
		{"memory", a.MemoryTargetPercent, predefined("ECSServiceAverageMemoryUtilization", nil), nil},
	}
	if a.BlueGreen {
		policies = append(policies, trackingPolicy{"requests", a.RequestsPerTarget, nil, requestsPerTaskMetric(a)})
	} else {
		// ALBRequestCountPerTarget names its target group as "<lb arn suffix>/<tg arn suffix>".
		policies = append(policies, trackingPolicy{"requests", a.RequestsPerTarget, predefined("ALBRequestCountPerTarget",
			pulumi.Sprintf("%s/%s", a.LoadBalancerARNSuffix, a.TargetGroupARNSuffix)), nil})
	}
	for _, p := range policies {
		if _, err := appautoscaling.NewPolicy(ctx, name+"-"+p.suffix, &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:  target.ServiceNamespace,
			ScalableDimension: target.ScalableDimension,
			ResourceId:        target.ResourceId,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				TargetValue:                   pulumi.Float64(float64(p.target)),
				ScaleInCooldown:               pulumi.Int(*a.ScaleInCooldownSeconds),
				ScaleOutCooldown:              pulumi.Int(*a.ScaleOutCooldownSeconds),
				PredefinedMetricSpecification: p.predefined,
				CustomizedMetricSpecification: p.customized,
			},
		}, parent); err != nil {
			return nil, err
		}
	}

	for _, s := range a.Schedules {
		if _, err := appautoscaling.NewScheduledAction(ctx, name+"-"+s.Name, &appautoscaling.ScheduledActionArgs{
			ServiceNamespace:  target.ServiceNamespace,
			ScalableDimension: target.ScalableDimension,
			ResourceId:        target.ResourceId,
			Schedule:          pulumi.String(s.Schedule),
			Timezone:          pulumi.String("UTC"),
			ScalableTargetAction: &appautoscaling.ScheduledActionScalableTargetActionArgs{
				MinCapacity: pulumi.Int(s.MinCount),
				MaxCapacity: pulumi.Int(s.MaxCount),
			},
		}, parent); err != nil {
			return nil, err
		}
	}

	c.ResourceID = target.ResourceId
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"resourceId": c.ResourceID})
}

// requestsPerTaskMetric is the blue-green requests metric: the load balancer's requests per minute
// divided by the service's running tasks (Container Insights, on for every cluster here), which
// follows production whichever target group CodeDeploy left it on. The ECS developer guide says
// target tracking on ALBRequestCountPerTarget "is not supported for the blue/green deployment type"
// (awsdocs/amazon-ecs-developer-guide#226, aws/containers-roadmap#1681): it names one target group,
// idle after every other release. Metric math in a target tracking policy: Application Auto
// Scaling user guide, "Create a target tracking scaling policy using metric math". No request in a
// minute publishes no RequestCount: FILL makes that 0 requests, so an idle service scales in.
func requestsPerTaskMetric(a AutoscalingArgs) *appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs {
	type dims = appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArray
	type dim = appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricDimensionArgs
	stat := func(id, namespace, metric, statistic string, d dims) appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs {
		return appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs{
			Id: pulumi.String(id), ReturnData: pulumi.Bool(false),
			MetricStat: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatArgs{
				Stat: pulumi.String(statistic),
				Metric: appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricMetricStatMetricArgs{
					Namespace: pulumi.String(namespace), MetricName: pulumi.String(metric), Dimensions: d,
				},
			},
		}
	}
	return &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationArgs{
		Metrics: appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArray{
			stat("requests", "AWS/ApplicationELB", "RequestCount", "Sum", dims{dim{Name: pulumi.String("LoadBalancer"), Value: a.LoadBalancerARNSuffix}}),
			stat("tasks", "ECS/ContainerInsights", "RunningTaskCount", "Average", dims{
				dim{Name: pulumi.String("ClusterName"), Value: a.ClusterName},
				dim{Name: pulumi.String("ServiceName"), Value: a.ServiceName},
			}),
			appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationCustomizedMetricSpecificationMetricArgs{
				Id: pulumi.String("perTask"), Label: pulumi.String("requests per running task per minute"),
				Expression: pulumi.String("FILL(requests, 0) / tasks"), ReturnData: pulumi.Bool(true),
			},
		},
	}
}
