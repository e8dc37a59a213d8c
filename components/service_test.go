package components

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"example.com/webstack/internal/clouddouble"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const testImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webstack-test:abc"

// serviceArgs returns valid args whose connecting inputs are plain stand-ins.
func serviceArgs() *ServiceArgs {
	return &ServiceArgs{
		VPCID:                       pulumi.String("vpc-double"),
		SubnetIDs:                   pulumi.ToStringArray([]string{"subnet-private-1", "subnet-private-2"}),
		LoadBalancerSecurityGroupID: pulumi.String("sg-alb"),
		TargetGroupARN:              pulumi.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg/1"),
		Image:                       testImage,
		ImageRepositoryARN:          "arn:aws:ecr:eu-west-1:123456789012:repository/webstack-test",
		LogGroupName:                "/ecs/webstack-test",
		LogRetentionDays:            14,
		Environment:                 map[string]string{"LOG_LEVEL": "info"},
		Secrets: map[string]string{
			"DB_PASSWORD": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
			"API_KEY":     "arn:aws:ssm:eu-west-1:123456789012:parameter/webstack/api-key",
		},
		CapacityProviders:             []CapacityProvider{{Name: "FARGATE", Base: 1, Weight: 1}, {Name: "FARGATE_SPOT", Weight: 3}},
		HealthCheckGracePeriodSeconds: pulumi.IntRef(45),
		Autoscaling:                   true,
	}
}

func runService(t *testing.T, args *ServiceArgs) *clouddouble.Double {
	t.Helper()
	d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
		// A listener the service must wait for.
		l, err := lb.NewListener(ctx, "listener", &lb.ListenerArgs{
			LoadBalancerArn: pulumi.String("arn:lb"), Port: pulumi.Int(443),
			DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{Type: pulumi.String("forward")}},
		})
		if err != nil {
			return err
		}
		args.Listeners = []pulumi.Resource{l}
		_, err = NewService(ctx, "svc", args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func containerDef(t *testing.T, d *clouddouble.Double) map[string]any {
	t.Helper()
	td := d.One(t, "aws:ecs/taskDefinition:TaskDefinition")
	var defs []map[string]any
	if err := json.Unmarshal([]byte(td.Inputs["containerDefinitions"].StringValue()), &defs); err != nil {
		t.Fatal(err)
	}
	if len(defs) != 1 {
		t.Fatalf("want one container, got %d", len(defs))
	}
	return defs[0]
}

func TestServiceContainerIsLockedDown(t *testing.T) {
	d := runService(t, serviceArgs())
	c := containerDef(t, d)
	want := map[string]any{
		"user":                   "65532:65532",
		"privileged":             false,
		"readonlyRootFilesystem": true,
		"image":                  testImage,
		"essential":              true,
		"stopTimeout":            float64(StopTimeoutSeconds),
		"linuxParameters":        map[string]any{"capabilities": map[string]any{"add": []any{}, "drop": []any{"ALL"}}, "initProcessEnabled": true},
		"healthCheck":            map[string]any{"command": []any{"CMD", "/api", "healthcheck"}, "interval": float64(10), "timeout": float64(5), "retries": float64(3), "startPeriod": float64(10)},
		"portMappings":           []any{map[string]any{"containerPort": float64(8080), "hostPort": float64(8080), "protocol": "tcp", "name": "http"}},
	}
	for k, v := range want {
		if !reflect.DeepEqual(c[k], v) {
			t.Errorf("container %s = %#v, want %#v", k, c[k], v)
		}
	}
	if StopTimeoutSeconds <= DrainDelaySeconds+ShutdownTimeoutSeconds {
		t.Errorf("stop timeout %d must exceed drain %d + shutdown %d", StopTimeoutSeconds, DrainDelaySeconds, ShutdownTimeoutSeconds)
	}
	env := map[string]string{}
	for _, e := range c["environment"].([]any) {
		m := e.(map[string]any)
		env[m["name"].(string)] = m["value"].(string)
	}
	wantEnv := map[string]string{"LOG_LEVEL": "info", "PORT": "8080", "DRAIN_DELAY": "10s", "SHUTDOWN_TIMEOUT": "15s", "IDLE_TIMEOUT": "75s"}
	if !reflect.DeepEqual(env, wantEnv) {
		t.Errorf("environment = %v, want %v", env, wantEnv)
	}
	wantSecrets := []any{
		map[string]any{"name": "API_KEY", "valueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/webstack/api-key"},
		map[string]any{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"},
	}
	if !reflect.DeepEqual(c["secrets"], wantSecrets) {
		t.Errorf("secrets = %#v, want %#v", c["secrets"], wantSecrets)
	}
	wantLogs := map[string]any{"logDriver": "awslogs", "options": map[string]any{
		"awslogs-group": "/ecs/webstack-test", "awslogs-region": clouddouble.Region, "awslogs-stream-prefix": "api", "mode": "non-blocking"}}
	if !reflect.DeepEqual(c["logConfiguration"], wantLogs) {
		t.Errorf("logConfiguration = %#v, want %#v", c["logConfiguration"], wantLogs)
	}
	if _, ok := c["mountPoints"]; ok {
		t.Error("no mount points without ECS Exec")
	}

	td := d.One(t, "aws:ecs/taskDefinition:TaskDefinition")
	for k, v := range map[string]string{"cpu": "256", "memory": "512", "networkMode": "awsvpc", "family": "svc"} {
		if got := td.Inputs[resource.PropertyKey(k)].StringValue(); got != v {
			t.Errorf("task definition %s = %q, want %q", k, got, v)
		}
	}
	if got := td.Inputs["requiresCompatibilities"].ArrayValue()[0].StringValue(); got != "FARGATE" {
		t.Errorf("requiresCompatibilities = %s", got)
	}
}

func TestServiceSettings(t *testing.T) {
	d := runService(t, serviceArgs())
	svc := d.One(t, "aws:ecs/service:Service")
	in := svc.Inputs
	nc := in["networkConfiguration"].ObjectValue()
	if nc["assignPublicIp"].BoolValue() {
		t.Error("tasks get a public IP")
	}
	if n := len(nc["subnets"].ArrayValue()); n != 2 {
		t.Errorf("service in %d subnets, want the 2 private ones", n)
	}
	cb := in["deploymentCircuitBreaker"].ObjectValue()
	if !cb["enable"].BoolValue() || !cb["rollback"].BoolValue() {
		t.Error("circuit breaker with rollback must be on")
	}
	checks := map[string]any{
		"deploymentMinimumHealthyPercent": 100.0, "deploymentMaximumPercent": 200.0,
		"healthCheckGracePeriodSeconds": 45.0, "availabilityZoneRebalancing": "ENABLED",
		"enableExecuteCommand": false, "propagateTags": "SERVICE", "enableEcsManagedTags": true, "desiredCount": 2.0,
	}
	for k, v := range checks {
		if got := in[resource.PropertyKey(k)].V; got != v {
			t.Errorf("service %s = %v, want %v", k, got, v)
		}
	}
	var strategy []string
	for _, s := range in["capacityProviderStrategies"].ArrayValue() {
		o := s.ObjectValue()
		strategy = append(strategy, o["capacityProvider"].StringValue()+"/"+clouddouble.Num(o["base"].NumberValue())+"/"+clouddouble.Num(o["weight"].NumberValue()))
	}
	if want := []string{"FARGATE/1/1", "FARGATE_SPOT/0/3"}; !slices.Equal(strategy, want) {
		t.Errorf("capacity providers = %v, want %v", strategy, want)
	}
	if !d.DependsOnType(svc, "aws:lb/listener:Listener") {
		t.Error("the service must depend on the listeners (ECS refuses a target group without a listener)")
	}
	if !slices.Equal(svc.IgnoreChanges, []string{"desiredCount"}) {
		t.Errorf("ignoreChanges = %v, want [desiredCount] with autoscaling", svc.IgnoreChanges)
	}

	cluster := d.One(t, "aws:ecs/cluster:Cluster")
	setting := cluster.Inputs["settings"].ArrayValue()[0].ObjectValue()
	if setting["name"].StringValue() != "containerInsights" || setting["value"].StringValue() != "enabled" {
		t.Errorf("cluster settings = %v", setting)
	}
	logs := d.One(t, "aws:cloudwatch/logGroup:LogGroup")
	if logs.Inputs["retentionInDays"].NumberValue() != 14 || logs.Inputs["name"].StringValue() != "/ecs/webstack-test" {
		t.Errorf("log group = %v", logs.Inputs)
	}
}

func TestServiceWithoutAutoscalingManagesDesiredCount(t *testing.T) {
	args := serviceArgs()
	args.Autoscaling = false
	d := runService(t, args)
	if ic := d.One(t, "aws:ecs/service:Service").IgnoreChanges; len(ic) != 0 {
		t.Errorf("ignoreChanges = %v, want none without autoscaling", ic)
	}
}

func TestServiceSecurityGroupRules(t *testing.T) {
	d := runService(t, serviceArgs())
	type rule struct{ kind, sg, peer string }
	var got []rule
	for _, typ := range []string{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"} {
		for _, r := range d.OfType(typ) {
			in := r.Inputs
			peer := clouddouble.Str(in["cidrIpv4"])
			if peer == "" {
				peer = clouddouble.Str(in["referencedSecurityGroupId"])
			}
			if in["ipProtocol"].StringValue() != "tcp" || in["fromPort"].NumberValue() != in["toPort"].NumberValue() {
				t.Errorf("%s: want one TCP port, got %v", r.Name, in)
			}
			got = append(got, rule{typ[strings.Index(typ, ":")+1:] + "/" + clouddouble.Num(in["fromPort"].NumberValue()), in["securityGroupId"].StringValue(), peer})
		}
	}
	want := []rule{
		{"vpc/securityGroupIngressRule:SecurityGroupIngressRule/8080", "svc-tasks-id", "sg-alb"},
		{"vpc/securityGroupEgressRule:SecurityGroupEgressRule/443", "svc-tasks-id", "0.0.0.0/0"},
		{"vpc/securityGroupEgressRule:SecurityGroupEgressRule/8080", "sg-alb", "svc-tasks-id"},
	}
	// Registrations arrive concurrently.
	order := func(a, b rule) int { return strings.Compare(a.kind+a.sg+a.peer, b.kind+b.sg+b.peer) }
	slices.SortFunc(got, order)
	slices.SortFunc(want, order)
	if !slices.Equal(got, want) {
		t.Errorf("rules =\n%v\nwant\n%v", got, want)
	}
	sg := d.One(t, "aws:ec2/securityGroup:SecurityGroup")
	if _, inline := sg.Inputs["ingress"]; inline {
		t.Error("task security group must not have inline rules")
	}
}

type policyDoc struct {
	Statement []struct {
		Effect    string
		Principal map[string]string
		Action    []string
		Resource  []string
		Condition map[string]map[string]string
	}
}

func rolePolicies(t *testing.T, d *clouddouble.Double) map[string]policyDoc {
	t.Helper()
	out := map[string]policyDoc{}
	for _, r := range d.OfType("aws:iam/rolePolicy:RolePolicy") {
		var p policyDoc
		if err := json.Unmarshal([]byte(r.Inputs["policy"].StringValue()), &p); err != nil {
			t.Fatal(err)
		}
		out[r.Inputs["role"].StringValue()] = p
	}
	return out
}

func TestServiceExecutionRoleIsScoped(t *testing.T) {
	d := runService(t, serviceArgs())
	pols := rolePolicies(t, d)
	exec, ok := pols["svc-execution-id"]
	if !ok {
		t.Fatalf("no execution role policy; got %v", pols)
	}
	got := map[string][]string{}
	for _, s := range exec.Statement {
		if s.Effect != "Allow" {
			t.Errorf("unexpected effect %s", s.Effect)
		}
		for _, a := range s.Action {
			got[a] = s.Resource
		}
	}
	repo := []string{"arn:aws:ecr:eu-west-1:123456789012:repository/webstack-test"}
	want := map[string][]string{
		"ecr:GetAuthorizationToken":       {"*"},
		"ecr:BatchCheckLayerAvailability": repo,
		"ecr:GetDownloadUrlForLayer":      repo,
		"ecr:BatchGetImage":               repo,
		"logs:CreateLogStream":            {"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/webstack-test:*"},
		"logs:PutLogEvents":               {"arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/webstack-test:*"},
		"ssm:GetParameters":               {"arn:aws:ssm:eu-west-1:123456789012:parameter/webstack/api-key"},
		"secretsmanager:GetSecretValue":   {"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("execution role grants\n%v\nwant\n%v", got, want)
	}
	if _, ok := pols["svc-task-id"]; ok {
		t.Error("the task role must be empty without ECS Exec")
	}
	for _, r := range d.OfType("aws:iam/role:Role") {
		var trust policyDoc
		if err := json.Unmarshal([]byte(r.Inputs["assumeRolePolicy"].StringValue()), &trust); err != nil {
			t.Fatal(err)
		}
		st := trust.Statement[0]
		if st.Principal["Service"] != "ecs-tasks.amazonaws.com" || st.Condition["StringEquals"]["aws:SourceAccount"] != clouddouble.Account {
			t.Errorf("%s trust policy = %+v", r.Name, st)
		}
	}
}

func TestServiceExecuteCommand(t *testing.T) {
	args := serviceArgs()
	args.EnableExecuteCommand = true
	d := runService(t, args)
	if !d.One(t, "aws:ecs/service:Service").Inputs["enableExecuteCommand"].BoolValue() {
		t.Error("enableExecuteCommand is off")
	}
	task, ok := rolePolicies(t, d)["svc-task-id"]
	if !ok || len(task.Statement) != 1 || !slices.Equal(task.Statement[0].Action, []string{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"}) {
		t.Errorf("task role with exec = %+v", task)
	}
	c := containerDef(t, d)
	if len(c["mountPoints"].([]any)) != 2 || c["readonlyRootFilesystem"] != true {
		t.Errorf("exec keeps the root read-only and mounts the agent's two directories: %v", c["mountPoints"])
	}
	if n := len(d.One(t, "aws:ecs/taskDefinition:TaskDefinition").Inputs["volumes"].ArrayValue()); n != 2 {
		t.Errorf("%d volumes, want 2", n)
	}
}

func TestServiceInvalidArgs(t *testing.T) {
	cases := []struct {
		name   string
		change func(a *ServiceArgs)
		want   string
	}{
		{"fargate size", func(a *ServiceArgs) { a.CPU, a.Memory = 256, 4096 }, "memory 4096 is not valid with cpu 256"},
		{"low port", func(a *ServiceArgs) { a.ContainerPort = 80 }, "ContainerPort 80 is out of range: use a value from 1024 to 65535"},
		{"one task", func(a *ServiceArgs) { a.DesiredCount = 1 }, "DesiredCount 1 task(s)"},
		{"no image", func(a *ServiceArgs) { a.Image = "" }, "Image is required"},
		{"plain secret", func(a *ServiceArgs) { a.Secrets = map[string]string{"TOKEN": "hunter2"} }, `Secrets TOKEN: "hunter2" is not an SSM parameter or Secrets Manager secret ARN`},
		{"provider", func(a *ServiceArgs) { a.CapacityProviders = []CapacityProvider{{Name: "EC2", Weight: 1}} }, `capacity provider "EC2"`},
		{"no vpc", func(a *ServiceArgs) { a.VPCID = nil }, "VPCID, SubnetIDs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := serviceArgs()
			tc.change(args)
			d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
				_, err := NewService(ctx, "svc", args)
				return err
			})
			d.AssertRefused(t, err, tc.want)
		})
	}
}

func TestFargateSizes(t *testing.T) {
	valid := [][2]int{{256, 512}, {256, 2048}, {512, 1024}, {512, 4096}, {1024, 8192}, {2048, 16384}, {4096, 30720}, {8192, 16384}, {8192, 61440}, {16384, 122880}}
	invalid := [][2]int{{256, 3072}, {512, 512}, {512, 5120}, {1024, 1024}, {4096, 31744}, {8192, 20000}, {8192, 65536}, {16384, 40000}, {128, 512}, {3000, 8192}}
	for _, v := range valid {
		if err := ValidateFargateSize(v[0], v[1]); err != nil {
			t.Errorf("%v: %v", v, err)
		}
	}
	for _, v := range invalid {
		if ValidateFargateSize(v[0], v[1]) == nil {
			t.Errorf("%v accepted", v)
		}
	}
}
