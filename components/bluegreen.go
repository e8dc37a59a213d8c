package components

import (
	"errors"
	"fmt"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codedeploy"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TrafficShifting says how CodeDeploy moves production traffic to the new task set.
type TrafficShifting struct {
	// Type is "canary" (Percentage first, the rest after IntervalMinutes), "linear" (Percentage
	// more every IntervalMinutes) or "all-at-once". Default "canary".
	Type string
	// Percentage 1..99. Default 10.
	Percentage int
	// IntervalMinutes >= 1. Default 5.
	IntervalMinutes int
}

// predefinedDeploymentConfigs are CodeDeploy's own ECS configurations; any other shape gets a
// custom DeploymentConfig.
var predefinedDeploymentConfigs = map[TrafficShifting]string{
	{"canary", 10, 5}:     "CodeDeployDefault.ECSCanary10Percent5Minutes",
	{"canary", 10, 15}:    "CodeDeployDefault.ECSCanary10Percent15Minutes",
	{"linear", 10, 1}:     "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
	{"linear", 10, 3}:     "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
	{"all-at-once", 0, 0}: "CodeDeployDefault.ECSAllAtOnce",
}

// Blue-green defaults: a canary of DefaultTrafficShiftPercent for DefaultTrafficShiftIntervalMinutes,
// and blue kept DefaultTerminationWaitMinutes after the shift.
const (
	DefaultTrafficShifting             = TrafficShiftingCanary
	DefaultTrafficShiftPercent         = 10
	DefaultTrafficShiftIntervalMinutes = 5
	DefaultTerminationWaitMinutes      = 5
)

func (t TrafficShifting) withDefaults() TrafficShifting {
	if t.Type == "" {
		t.Type = DefaultTrafficShifting
	}
	if t.Type == TrafficShiftingAllAtOnce {
		return TrafficShifting{Type: t.Type} // percentage and interval mean nothing here
	}
	if t.Percentage == 0 {
		t.Percentage = DefaultTrafficShiftPercent
	}
	if t.IntervalMinutes == 0 {
		t.IntervalMinutes = DefaultTrafficShiftIntervalMinutes
	}
	return t
}

// Duration is how long CodeDeploy takes from the first traffic step to all traffic: canary waits
// one interval; linear moves Percentage every interval, so ceil(100/Percentage)-1 intervals.
func (t TrafficShifting) Duration() time.Duration {
	t = t.withDefaults()
	interval := time.Duration(t.IntervalMinutes) * time.Minute
	switch t.Type {
	case TrafficShiftingCanary:
		return interval
	case TrafficShiftingLinear:
		steps := (100 + t.Percentage - 1) / t.Percentage
		return time.Duration(steps-1) * interval
	}
	return 0
}

func (t TrafficShifting) validate() error {
	if err := CheckTrafficShiftingType(t.Type); err != nil || t.Type == TrafficShiftingAllAtOnce {
		return err.For("TrafficShifting.Type")
	}
	var errs []error
	errs = append(errs,
		CheckTrafficShiftPercent(t.Percentage).For("TrafficShifting.Percentage"),
		CheckTrafficShiftInterval(t.IntervalMinutes).For("TrafficShifting.IntervalMinutes"))
	return errors.Join(errs...)
}

// BlueGreenArgs configures a BlueGreen.
type BlueGreenArgs struct {
	ClusterName, ServiceName pulumi.StringInput
	// The two target groups CodeDeploy alternates between (names, not ARNs).
	BlueTargetGroupName, GreenTargetGroupName pulumi.StringInput
	ProductionListenerARN                     pulumi.StringInput
	// TestListenerARN is the listener CodeDeploy points at the new task set before production
	// traffic moves; optional.
	TestListenerARN pulumi.StringInput
	// AlarmNames stop and roll back a deployment when one enters ALARM (CodeDeploy takes at most 10).
	AlarmNames      pulumi.StringArrayInput
	TrafficShifting TrafficShifting
	// TerminationWaitMinutes keeps the old (blue) task set this long after traffic moved, so a
	// rollback is a listener switch, not a redeploy; 0..2880. 0 means the default, 5.
	TerminationWaitMinutes int
}

// BlueGreen is a CodeDeploy application and ECS blue/green deployment group for one service.
type BlueGreen struct {
	pulumi.ResourceState

	ApplicationName     pulumi.StringOutput `pulumi:"applicationName"`
	DeploymentGroupName pulumi.StringOutput `pulumi:"deploymentGroupName"`
}

func (a BlueGreenArgs) withDefaults() BlueGreenArgs {
	a.TrafficShifting = a.TrafficShifting.withDefaults()
	if a.TerminationWaitMinutes == 0 {
		a.TerminationWaitMinutes = DefaultTerminationWaitMinutes
	}
	return a
}

// wiring checks the inputs that come from the service, the load balancer and the monitoring.
func (a BlueGreenArgs) wiring() error {
	var errs []error
	required := []struct {
		field string
		value pulumi.StringInput
	}{{"ClusterName", a.ClusterName}, {"ServiceName", a.ServiceName}, {"BlueTargetGroupName", a.BlueTargetGroupName},
		{"GreenTargetGroupName", a.GreenTargetGroupName}, {"ProductionListenerARN", a.ProductionListenerARN}}
	for _, r := range required {
		if r.value == nil {
			errs = append(errs, fmt.Errorf("%s is required", r.field))
		}
	}
	if a.AlarmNames == nil {
		errs = append(errs, errors.New("AlarmNames is required: pass the Monitoring component's alarmNames, so alarms roll back deployments"))
	}
	return errors.Join(errs...)
}

// validate reports every problem of the settings.
func (a BlueGreenArgs) validate() error {
	var errs []error
	if err := a.TrafficShifting.validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, CheckTerminationWait(a.TerminationWaitMinutes).For("TerminationWaitMinutes"))
	return errors.Join(errs...)
}

// NewBlueGreen creates the application, the deployment group, its service role and, when the
// traffic shifting is not one of CodeDeploy's predefined configurations, a custom one.
func NewBlueGreen(ctx *pulumi.Context, name string, args *BlueGreenArgs, opts ...pulumi.ResourceOption) (*BlueGreen, error) {
	if args == nil {
		args = &BlueGreenArgs{}
	}
	a := args.withDefaults()
	if err := errors.Join(a.wiring(), a.validate()); err != nil {
		return nil, fmt.Errorf("blue-green %q: %w", name, err)
	}
	comp := &BlueGreen{}
	if err := ctx.RegisterComponentResource("webstack:components:BlueGreen", name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	physical := stackScopedName(ctx, name)

	assume, err := assumedBy("codedeploy.amazonaws.com").JSON()
	if err != nil {
		return nil, err
	}
	role, err := iam.NewRole(ctx, name+"-codedeploy", &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(assume),
		Description:      pulumi.String("CodeDeploy blue/green deployments of " + physical),
	}, parent)
	if err != nil {
		return nil, err
	}
	// AWS's ECS policy for CodeDeploy: task sets, listener rules, the alarms it watches, and
	// iam:PassRole only for roles tagged or named for ECS tasks.
	attach, err := iam.NewRolePolicyAttachment(ctx, name+"-codedeploy", &iam.RolePolicyAttachmentArgs{
		Role:      role.Name,
		PolicyArn: pulumi.String("arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"),
	}, parent)
	if err != nil {
		return nil, err
	}

	app, err := codedeploy.NewApplication(ctx, name, &codedeploy.ApplicationArgs{
		Name:            pulumi.String(physical),
		ComputePlatform: pulumi.String("ECS"),
	}, parent, createFirst)
	if err != nil {
		return nil, err
	}

	configName, err := deploymentConfig(ctx, name, physical, a.TrafficShifting, parent)
	if err != nil {
		return nil, err
	}
	var testRoute codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTestTrafficRoutePtrInput
	if a.TestListenerARN != nil {
		testRoute = codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTestTrafficRouteArgs{
			ListenerArns: pulumi.StringArray{a.TestListenerARN},
		}
	}
	group, err := codedeploy.NewDeploymentGroup(ctx, name, &codedeploy.DeploymentGroupArgs{
		AppName:              app.Name,
		DeploymentGroupName:  pulumi.String(physical),
		ServiceRoleArn:       role.Arn,
		DeploymentConfigName: configName,
		DeploymentStyle: codedeploy.DeploymentGroupDeploymentStyleArgs{
			DeploymentType:   pulumi.String("BLUE_GREEN"),
			DeploymentOption: pulumi.String("WITH_TRAFFIC_CONTROL"),
		},
		BlueGreenDeploymentConfig: codedeploy.DeploymentGroupBlueGreenDeploymentConfigArgs{
			DeploymentReadyOption: codedeploy.DeploymentGroupBlueGreenDeploymentConfigDeploymentReadyOptionArgs{
				ActionOnTimeout: pulumi.String("CONTINUE_DEPLOYMENT"),
			},
			TerminateBlueInstancesOnDeploymentSuccess: codedeploy.DeploymentGroupBlueGreenDeploymentConfigTerminateBlueInstancesOnDeploymentSuccessArgs{
				Action:                       pulumi.String("TERMINATE"),
				TerminationWaitTimeInMinutes: pulumi.Int(a.TerminationWaitMinutes),
			},
		},
		AutoRollbackConfiguration: codedeploy.DeploymentGroupAutoRollbackConfigurationArgs{
			Enabled: pulumi.Bool(true),
			Events:  pulumi.StringArray{pulumi.String("DEPLOYMENT_FAILURE"), pulumi.String("DEPLOYMENT_STOP_ON_ALARM")},
		},
		AlarmConfiguration: codedeploy.DeploymentGroupAlarmConfigurationArgs{
			Enabled: pulumi.Bool(true),
			Alarms:  a.AlarmNames,
		},
		EcsService: codedeploy.DeploymentGroupEcsServiceArgs{
			ClusterName: a.ClusterName,
			ServiceName: a.ServiceName,
		},
		LoadBalancerInfo: codedeploy.DeploymentGroupLoadBalancerInfoArgs{
			TargetGroupPairInfo: codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoArgs{
				ProdTrafficRoute: codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoProdTrafficRouteArgs{
					ListenerArns: pulumi.StringArray{a.ProductionListenerARN},
				},
				TestTrafficRoute: testRoute,
				TargetGroups: codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroupArray{
					codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroupArgs{Name: a.BlueTargetGroupName},
					codedeploy.DeploymentGroupLoadBalancerInfoTargetGroupPairInfoTargetGroupArgs{Name: a.GreenTargetGroupName},
				},
			},
		},
	}, parent, createFirst, pulumi.DependsOn([]pulumi.Resource{attach})) // CodeDeploy checks the role's permissions on create
	if err != nil {
		return nil, err
	}
	comp.ApplicationName = app.Name
	comp.DeploymentGroupName = group.DeploymentGroupName
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"applicationName":     comp.ApplicationName,
		"deploymentGroupName": comp.DeploymentGroupName,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}

// deploymentConfig returns the name of CodeDeploy's predefined configuration for t, or creates a
// custom one.
func deploymentConfig(ctx *pulumi.Context, name, physical string, t TrafficShifting, parent pulumi.ResourceOption) (pulumi.StringInput, error) {
	if predefined, ok := predefinedDeploymentConfigs[t]; ok {
		return pulumi.String(predefined), nil
	}
	routing := codedeploy.DeploymentConfigTrafficRoutingConfigArgs{}
	step := pulumi.Int(t.Percentage)
	interval := pulumi.Int(t.IntervalMinutes)
	if t.Type == TrafficShiftingCanary {
		routing.Type = pulumi.String("TimeBasedCanary")
		routing.TimeBasedCanary = codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedCanaryArgs{Percentage: step, Interval: interval}
	} else {
		routing.Type = pulumi.String("TimeBasedLinear")
		routing.TimeBasedLinear = codedeploy.DeploymentConfigTrafficRoutingConfigTimeBasedLinearArgs{Percentage: step, Interval: interval}
	}
	cfg, err := codedeploy.NewDeploymentConfig(ctx, name, &codedeploy.DeploymentConfigArgs{
		DeploymentConfigName: pulumi.String(fmt.Sprintf("%s-%s-%dpct-%dmin", physical, t.Type, t.Percentage, t.IntervalMinutes)),
		ComputePlatform:      pulumi.String("ECS"),
		TrafficRoutingConfig: routing,
	}, parent, createFirst)
	if err != nil {
		return nil, err
	}
	return cfg.DeploymentConfigName, nil
}
