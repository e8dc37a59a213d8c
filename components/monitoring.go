package components

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlarmThresholds are the per-stack alarm thresholds. A zero field takes the default named.
type AlarmThresholds struct {
	ALB5xxRatePercent       float64 // ALB-generated 5xx as % of requests; default 1
	Target5xxPerMinute      float64 // 5xx answered by the tasks; default 10
	UnhealthyHosts          float64 // unhealthy targets across the target groups; default 1
	P99LatencySeconds       float64 // p99 TargetResponseTime; default 1
	TasksBelowDesiredPeriod int     // minutes RunningTaskCount may stay below DesiredTaskCount; default 5
	CPUPercent              float64 // service average; default 85
	MemoryPercent           float64 // service average; default 85
	EvaluationMinutes       int     // window of one-minute periods; default 3
	DatapointsToAlarm       int     // breaching minutes in the window that fire the alarm; default 2
}

// MonitoringArgs configures a Monitoring.
type MonitoringArgs struct {
	LoadBalancerARNSuffix pulumi.StringInput
	// TargetGroupARNSuffixes: one for rolling, the blue and the green one for blue-green.
	TargetGroupARNSuffixes   []pulumi.StringInput
	ClusterName, ServiceName pulumi.StringInput
	Thresholds               AlarmThresholds
	// AlarmEmail, when set, subscribes this address to the topic (AWS mails a confirmation link).
	AlarmEmail string
}

// Monitoring is the service's CloudWatch alarms, the SNS topic they notify (encrypted with a
// customer managed key CloudWatch may use) and a dashboard.
type Monitoring struct {
	pulumi.ResourceState

	TopicARN pulumi.StringOutput `pulumi:"topicArn"`
	// AlarmNames are all the alarms; RollbackAlarmNames those that mean a bad release (errors,
	// unhealthy targets, latency, missing tasks) and should stop a deployment, unlike CPU or
	// memory pressure, which autoscaling answers.
	AlarmNames         pulumi.StringArrayOutput `pulumi:"alarmNames"`
	RollbackAlarmNames pulumi.StringArrayOutput `pulumi:"rollbackAlarmNames"`
	AlarmARNs          pulumi.StringArrayOutput `pulumi:"alarmArns"`
	DashboardName      pulumi.StringOutput      `pulumi:"dashboardName"`
}

// The default alarm thresholds.
const (
	DefaultALB5xxRatePercent       = 1
	DefaultTarget5xxPerMinute      = 10
	DefaultUnhealthyHosts          = 1
	DefaultP99LatencySeconds       = 1
	DefaultAlarmCPUPercent         = 85
	DefaultAlarmMemoryPercent      = 85
	DefaultTasksBelowDesiredPeriod = 5
	DefaultEvaluationMinutes       = 3
	DefaultDatapointsToAlarm       = 2 // at most EvaluationMinutes
)

func (t AlarmThresholds) withDefaults() AlarmThresholds {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&t.ALB5xxRatePercent, DefaultALB5xxRatePercent)
	def(&t.Target5xxPerMinute, DefaultTarget5xxPerMinute)
	def(&t.UnhealthyHosts, DefaultUnhealthyHosts)
	def(&t.P99LatencySeconds, DefaultP99LatencySeconds)
	def(&t.CPUPercent, DefaultAlarmCPUPercent)
	def(&t.MemoryPercent, DefaultAlarmMemoryPercent)
	if t.TasksBelowDesiredPeriod == 0 {
		t.TasksBelowDesiredPeriod = DefaultTasksBelowDesiredPeriod
	}
	if t.EvaluationMinutes == 0 {
		t.EvaluationMinutes = DefaultEvaluationMinutes
	}
	if t.DatapointsToAlarm == 0 {
		t.DatapointsToAlarm = min(DefaultDatapointsToAlarm, t.EvaluationMinutes)
	}
	return t
}

func (t AlarmThresholds) validate() error {
	return errors.Join(
		CheckAlarmPercent(t.ALB5xxRatePercent).For("Thresholds.ALB5xxRatePercent"),
		CheckAlarmTarget5xxPerMinute(t.Target5xxPerMinute).For("Thresholds.Target5xxPerMinute"),
		CheckAlarmUnhealthyHosts(t.UnhealthyHosts).For("Thresholds.UnhealthyHosts"),
		CheckAlarmP99LatencySeconds(t.P99LatencySeconds).For("Thresholds.P99LatencySeconds"),
		CheckAlarmPercent(t.CPUPercent).For("Thresholds.CPUPercent"),
		CheckAlarmPercent(t.MemoryPercent).For("Thresholds.MemoryPercent"),
		CheckAlarmMinutes(t.TasksBelowDesiredPeriod).For("Thresholds.TasksBelowDesiredPeriod"),
		CheckAlarmMinutes(t.EvaluationMinutes).For("Thresholds.EvaluationMinutes"),
		CheckDatapointsToAlarm(t.DatapointsToAlarm, t.EvaluationMinutes).For("Thresholds.DatapointsToAlarm"),
	)
}

// withDefaults fills in the default thresholds.
func (a MonitoringArgs) withDefaults() MonitoringArgs {
	a.Thresholds = a.Thresholds.withDefaults()
	return a
}

// wiring checks the inputs that come from the load balancer and the service.
func (a MonitoringArgs) wiring() error {
	var errs []error
	if a.LoadBalancerARNSuffix == nil {
		errs = append(errs, errors.New("LoadBalancerARNSuffix is required: pass the LoadBalancer's arnSuffix"))
	}
	if len(a.TargetGroupARNSuffixes) == 0 || len(a.TargetGroupARNSuffixes) > 2 {
		errs = append(errs, fmt.Errorf("TargetGroupARNSuffixes has %d entries: pass the target group's arnSuffix (two for blue-green)", len(a.TargetGroupARNSuffixes)))
	}
	if a.ClusterName == nil || a.ServiceName == nil {
		errs = append(errs, errors.New("ClusterName and ServiceName are required"))
	}
	return errors.Join(errs...)
}

// validate reports every problem of the settings.
func (a MonitoringArgs) validate() error {
	var errs []error
	if err := CheckAlarmEmail(a.AlarmEmail).For("AlarmEmail"); err != nil {
		errs = append(errs, err)
	}
	if err := a.Thresholds.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ValidEmail reports whether addr is a bare email address (no display name), as an SNS email
// subscription needs.
func ValidEmail(addr string) bool {
	a, err := mail.ParseAddress(addr)
	return err == nil && a.Address == addr
}

// stackScopedName is a physical name unique per stack in an account and region.
func stackScopedName(ctx *pulumi.Context, name string) string {
	return name + "-" + ctx.Stack()
}

// alarmSpec is one alarm: metric queries, the last of which is the alarm's value.
type alarmSpec struct {
	kind        string // name suffix
	description string
	queries     cloudwatch.MetricAlarmMetricQueryArray
	threshold   float64
	comparison  string
	periods     int // evaluation periods and datapoints when set, else the thresholds' window
	rollback    bool
}

func metricQuery(id, namespace, metric, stat string, dims pulumi.StringMap, returnData bool) cloudwatch.MetricAlarmMetricQueryArgs {
	return cloudwatch.MetricAlarmMetricQueryArgs{
		Id:         pulumi.String(id),
		ReturnData: pulumi.Bool(returnData),
		Metric: cloudwatch.MetricAlarmMetricQueryMetricArgs{
			Namespace: pulumi.String(namespace), MetricName: pulumi.String(metric), Stat: pulumi.String(stat),
			Period: pulumi.Int(60), Dimensions: dims,
		},
	}
}

func expressionQuery(expression, label string) cloudwatch.MetricAlarmMetricQueryArgs {
	return cloudwatch.MetricAlarmMetricQueryArgs{Id: pulumi.String("e1"), Expression: pulumi.String(expression),
		Label: pulumi.String(label), ReturnData: pulumi.Bool(true)}
}

func alarmSpecs(a MonitoringArgs, t AlarmThresholds) []alarmSpec {
	const alb, ecs, insights = "AWS/ApplicationELB", "AWS/ECS", "ECS/ContainerInsights"
	lb := pulumi.StringMap{"LoadBalancer": a.LoadBalancerARNSuffix}
	svc := pulumi.StringMap{"ClusterName": a.ClusterName, "ServiceName": a.ServiceName}
	unhealthy := cloudwatch.MetricAlarmMetricQueryArray{}
	var sum []string
	for i, tg := range a.TargetGroupARNSuffixes {
		id := fmt.Sprintf("m%d", i)
		unhealthy = append(unhealthy, metricQuery(id, alb, "UnHealthyHostCount", "Maximum",
			pulumi.StringMap{"LoadBalancer": a.LoadBalancerARNSuffix, "TargetGroup": tg}, false))
		sum = append(sum, "FILL("+id+", 0)") // the idle blue-green target group reports nothing
	}
	unhealthy = append(unhealthy, expressionQuery(strings.Join(sum, " + "), "unhealthy targets"))
	return []alarmSpec{
		{kind: "alb-5xx-rate", description: "5xx generated by the load balancer, % of requests", rollback: true,
			threshold: t.ALB5xxRatePercent, comparison: "GreaterThanThreshold",
			queries: cloudwatch.MetricAlarmMetricQueryArray{
				metricQuery("m1", alb, "HTTPCode_ELB_5XX_Count", "Sum", lb, false),
				metricQuery("m2", alb, "RequestCount", "Sum", lb, false),
				expressionQuery("IF(m2 > 0, 100 * FILL(m1, 0) / m2, 0)", "ALB 5xx %"),
			}},
		{kind: "target-5xx", description: "5xx answered by the tasks, per minute", rollback: true,
			threshold: t.Target5xxPerMinute, comparison: "GreaterThanOrEqualToThreshold",
			queries: cloudwatch.MetricAlarmMetricQueryArray{metricQuery("m1", alb, "HTTPCode_Target_5XX_Count", "Sum", lb, true)}},
		{kind: "unhealthy-hosts", description: "targets failing the load balancer health check", rollback: true,
			threshold: t.UnhealthyHosts, comparison: "GreaterThanOrEqualToThreshold", queries: unhealthy},
		{kind: "p99-latency", description: "p99 target response time, seconds", rollback: true,
			threshold: t.P99LatencySeconds, comparison: "GreaterThanThreshold",
			queries: cloudwatch.MetricAlarmMetricQueryArray{metricQuery("m1", alb, "TargetResponseTime", "p99", lb, true)}},
		{kind: "tasks-below-desired", description: "running tasks below desired (Container Insights)", rollback: true,
			threshold: 0, comparison: "GreaterThanThreshold", periods: t.TasksBelowDesiredPeriod,
			queries: cloudwatch.MetricAlarmMetricQueryArray{
				metricQuery("m1", insights, "DesiredTaskCount", "Average", svc, false),
				metricQuery("m2", insights, "RunningTaskCount", "Average", svc, false),
				expressionQuery("m1 - m2", "tasks missing"),
			}},
		{kind: "cpu-high", description: "service CPU utilization, %", threshold: t.CPUPercent, comparison: "GreaterThanThreshold",
			queries: cloudwatch.MetricAlarmMetricQueryArray{metricQuery("m1", ecs, "CPUUtilization", "Average", svc, true)}},
		{kind: "memory-high", description: "service memory utilization, %", threshold: t.MemoryPercent, comparison: "GreaterThanThreshold",
			queries: cloudwatch.MetricAlarmMetricQueryArray{metricQuery("m1", ecs, "MemoryUtilization", "Average", svc, true)}},
	}
}

// NewMonitoring creates the key, topic, optional email subscription, alarms and dashboard.
func NewMonitoring(ctx *pulumi.Context, name string, args *MonitoringArgs, opts ...pulumi.ResourceOption) (*Monitoring, error) {
	if args == nil {
		args = &MonitoringArgs{}
	}
	a := args.withDefaults()
	if err := errors.Join(a.wiring(), a.validate()); err != nil {
		return nil, fmt.Errorf("monitoring %q: %w", name, err)
	}
	comp := &Monitoring{}
	if err := ctx.RegisterComponentResource("webstack:components:Monitoring", name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)
	physical := stackScopedName(ctx, name)
	acct, err := lookupAccount(ctx, comp)
	if err != nil {
		return nil, err
	}

	// CloudWatch cannot publish to a topic under the AWS managed alias/aws/sns key (its policy
	// does not let cloudwatch.amazonaws.com use it), so the topic gets a customer managed key.
	keyPolicy, err := policy(
		statement{Sid: "AccountAdministers", Effect: "Allow", Action: []string{"kms:*"}, Resource: []string{"*"},
			Principal: map[string]string{"AWS": "arn:aws:iam::" + acct.ID + ":root"}},
		statement{Sid: "CloudWatchAlarmsPublish", Effect: "Allow", Action: []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			Resource: []string{"*"}, Principal: servicePrincipal("cloudwatch.amazonaws.com"),
			Condition: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": acct.ID}}},
	).JSON()
	if err != nil {
		return nil, err
	}
	key, err := kms.NewKey(ctx, name+"-alarms", &kms.KeyArgs{
		Description:       pulumi.String("Encrypts the alarm topic of " + physical),
		EnableKeyRotation: pulumi.Bool(true),
		Policy:            pulumi.String(keyPolicy),
	}, parent)
	if err != nil {
		return nil, err
	}
	topic, err := sns.NewTopic(ctx, name+"-alarms", &sns.TopicArgs{KmsMasterKeyId: key.Arn}, parent)
	if err != nil {
		return nil, err
	}
	if a.AlarmEmail != "" {
		if _, err := sns.NewTopicSubscription(ctx, name+"-alarms-email", &sns.TopicSubscriptionArgs{
			Topic: topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(a.AlarmEmail),
		}, parent); err != nil {
			return nil, err
		}
	}

	t := a.Thresholds
	var names, rollbackNames, arns pulumi.StringArray
	for _, spec := range alarmSpecs(a, t) {
		periods, datapoints := t.EvaluationMinutes, t.DatapointsToAlarm
		if spec.periods > 0 {
			periods, datapoints = spec.periods, spec.periods
		}
		alarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+spec.kind, &cloudwatch.MetricAlarmArgs{
			Name:               pulumi.String(physical + "-" + spec.kind),
			AlarmDescription:   pulumi.String(spec.description),
			MetricQueries:      spec.queries,
			Threshold:          pulumi.Float64(spec.threshold),
			ComparisonOperator: pulumi.String(spec.comparison),
			EvaluationPeriods:  pulumi.Int(periods),
			DatapointsToAlarm:  pulumi.Int(datapoints),
			TreatMissingData:   pulumi.String("notBreaching"), // no traffic is not an outage
			AlarmActions:       pulumi.Array{topic.Arn},
			OkActions:          pulumi.Array{topic.Arn},
		}, parent, createFirst)
		if err != nil {
			return nil, err
		}
		names = append(names, alarm.Name)
		arns = append(arns, alarm.Arn)
		if spec.rollback {
			rollbackNames = append(rollbackNames, alarm.Name)
		}
	}

	suffixes := pulumi.StringArray(a.TargetGroupARNSuffixes)
	body := pulumi.All(a.LoadBalancerARNSuffix, suffixes, a.ClusterName, a.ServiceName, arns).ApplyT(func(v []any) (string, error) {
		return dashboardBody(acct.Region, v[0].(string), v[1].([]string), v[2].(string), v[3].(string), v[4].([]string))
	}).(pulumi.StringOutput)
	dashboard, err := cloudwatch.NewDashboard(ctx, name, &cloudwatch.DashboardArgs{
		DashboardName: pulumi.String(physical),
		DashboardBody: body,
	}, parent, createFirst)
	if err != nil {
		return nil, err
	}

	comp.TopicARN = topic.Arn
	comp.AlarmNames = names.ToStringArrayOutput()
	comp.RollbackAlarmNames = rollbackNames.ToStringArrayOutput()
	comp.AlarmARNs = arns.ToStringArrayOutput()
	comp.DashboardName = dashboard.DashboardName
	if err := ctx.RegisterResourceOutputs(comp, pulumi.Map{
		"topicArn":           comp.TopicARN,
		"alarmNames":         comp.AlarmNames,
		"rollbackAlarmNames": comp.RollbackAlarmNames,
		"alarmArns":          comp.AlarmARNs,
		"dashboardName":      comp.DashboardName,
	}); err != nil {
		return nil, err
	}
	return comp, nil
}
