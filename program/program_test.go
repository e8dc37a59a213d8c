package program

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"example.com/webstack/components"
	"example.com/webstack/internal/clouddouble"
	"example.com/webstack/offline"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runStack runs Run under the double with the real stack config (plus overrides), from the
// project directory (the build context is "."): dev exactly as `pulumi up` would; prod as
// `pulumi preview` would, because its committed example values refuse a real update
// (TestExampleValuesRefuseARealUpdate).
func runStack(t testing.TB, stack string, overrides map[string]string) (*clouddouble.Double, error) {
	t.Helper()
	cfg := stackConfig(t, stack)
	setConfig(cfg, overrides)
	t.Chdir(projectDir)
	return clouddouble.RunWith(clouddouble.Options{DryRun: stack == "prod"}, stack, cfg, Run)
}

// stackExpect is what a stack file must produce, read from its own config: every stack file in
// the repository is run, so a new one is checked like dev and prod (whose intent TestStackFiles
// pins down).
type stackExpect struct {
	azs                    int
	cpu, memory            string
	retention              float64
	minTasks, maxTasks     float64
	schedules              int
	strategy               []string
	waf, https, accessLogs bool
	exec, deletionProtect  bool
	endpointSG             bool
	blueGreen              bool // deploymentStrategy
	c                      Config
}

func expect(t *testing.T, stack string) stackExpect {
	t.Helper()
	c, err := Load(stack, getter(stackConfig(t, stack)))
	if err != nil {
		t.Fatal(err)
	}
	var strategy []string // capacity provider/base/weight, as WebServiceArgs builds it
	if c.FargateWeight > 0 || c.FargateBase > 0 {
		strategy = append(strategy, fmt.Sprintf("FARGATE/%d/%d", c.FargateBase, c.FargateWeight))
	}
	if c.FargateSpotWeight > 0 {
		strategy = append(strategy, fmt.Sprintf("FARGATE_SPOT/0/%d", c.FargateSpotWeight))
	}
	return stackExpect{azs: c.AvailabilityZones, cpu: fmt.Sprint(c.CPU), memory: fmt.Sprint(c.Memory), retention: float64(c.LogRetentionDays),
		minTasks: float64(c.MinCount), maxTasks: float64(c.MaxCount), schedules: len(c.ScaleSchedules), strategy: strategy,
		waf: c.WAF, https: c.HasCertificate(), accessLogs: c.AccessLogs, exec: c.EnableExecuteCommand, deletionProtect: c.DeletionProtection,
		endpointSG: c.VPCEndpoints, blueGreen: c.DeploymentStrategy == components.StrategyBlueGreen, c: c}
}

func TestWholeStack(t *testing.T) {
	for _, stack := range offline.Stacks(projectDir) {
		t.Run(stack, func(t *testing.T) {
			want := expect(t, stack)
			d, err := runStack(t, stack, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkContainer(t, d)
			checkService(t, d, want)
			checkSecurityGroupRules(t, d, want)
			checkLoadBalancer(t, d, want)
			checkAutoscaling(t, d, want)
			checkImage(t, d, stack)
			checkParenting(t, d)

			if n := len(d.OfType("aws:wafv2/webAcl:WebAcl")); (n == 1) != want.waf || n > 1 {
				t.Errorf("%d web ACLs, want WAF %v", n, want.waf)
			}
			logs := d.Named(t, "aws:cloudwatch/logGroup:LogGroup", "webstack-app-logs").Inputs
			if logs["retentionInDays"].NumberValue() != want.retention || logs["name"].StringValue() != "/ecs/webstack-"+stack {
				t.Errorf("log group %v", logs)
			}
			// The VPC flow logs (Security Hub EC2.6) keep logRetentionDays too: a week in dev.
			if flow := d.Named(t, "aws:cloudwatch/logGroup:LogGroup", "webstack-net-flow-logs").Inputs; flow["retentionInDays"].NumberValue() != want.retention {
				t.Errorf("flow log group %v, want %v days", flow, want.retention)
			}
			td := d.One(t, "aws:ecs/taskDefinition:TaskDefinition").Inputs
			if td["cpu"].StringValue() != want.cpu || td["memory"].StringValue() != want.memory || td["family"].StringValue() != "webstack-"+stack {
				t.Errorf("task size %s/%s family %s", td["cpu"].StringValue(), td["memory"].StringValue(), td["family"].StringValue())
			}
			allowed := []string{"aws:index/getCallerIdentity:getCallerIdentity", "aws:index/getRegion:getRegion", "aws:ecr/getAuthorizationToken:getAuthorizationToken"}
			for _, inv := range d.Invokes() {
				if !slices.Contains(allowed, inv) {
					t.Errorf("invoke %s is not one the program is allowed (the list above; each needs an answer in clouddouble.Double.Call)", inv)
				}
			}
		})
	}
}

func checkContainer(t *testing.T, d *clouddouble.Double) {
	t.Helper()
	var defs []map[string]any
	if err := json.Unmarshal([]byte(d.One(t, "aws:ecs/taskDefinition:TaskDefinition").Inputs["containerDefinitions"].StringValue()), &defs); err != nil {
		t.Fatal(err)
	}
	c := defs[0]
	if user, _ := c["user"].(string); user != "65532:65532" {
		t.Errorf("container user %q, want the non-root 65532:65532", user)
	}
	if c["readonlyRootFilesystem"] != true || c["privileged"] != false {
		t.Errorf("readonlyRootFilesystem %v privileged %v", c["readonlyRootFilesystem"], c["privileged"])
	}
	if img, _ := c["image"].(string); !strings.HasPrefix(img, clouddouble.Account+".dkr.ecr."+clouddouble.Region+".amazonaws.com/webstack-") {
		t.Errorf("image %q is not this stack's repository", img)
	}
}

func checkService(t *testing.T, d *clouddouble.Double, want stackExpect) {
	t.Helper()
	svc := d.One(t, "aws:ecs/service:Service")
	nc := svc.Inputs["networkConfiguration"].ObjectValue()
	if nc["assignPublicIp"].BoolValue() {
		t.Error("tasks get public IPs")
	}
	var subnets []string
	for _, s := range nc["subnets"].ArrayValue() {
		subnets = append(subnets, s.StringValue())
	}
	var private []string
	for i := 1; i <= want.azs; i++ {
		private = append(private, fmt.Sprintf("subnet-private-%d", i))
	}
	if len(subnets) < 2 || !slices.Equal(subnets, private) {
		t.Errorf("service subnets %v, want the %d private subnets %v", subnets, want.azs, private)
	}
	ignored := []string{"desiredCount"} // autoscaling is on
	if want.blueGreen {
		// CodeDeploy's, and what UpdateService refuses on a CodeDeploy service (the AppSpec carries it).
		ignored = append(ignored, "taskDefinition", "loadBalancers", "networkConfiguration", "capacityProviderStrategies", "enableExecuteCommand")
	}
	if !slices.Equal(svc.IgnoreChanges, ignored) {
		t.Errorf("service ignoreChanges %v, want %v", svc.IgnoreChanges, ignored)
	}
	if svc.Inputs["enableExecuteCommand"].BoolValue() != want.exec {
		t.Errorf("ECS Exec %v, want %v", svc.Inputs["enableExecuteCommand"].BoolValue(), want.exec)
	}
	var strategy []string
	for _, s := range svc.Inputs["capacityProviderStrategies"].ArrayValue() {
		o := s.ObjectValue()
		strategy = append(strategy, o["capacityProvider"].StringValue()+"/"+clouddouble.Num(o["base"].NumberValue())+"/"+clouddouble.Num(o["weight"].NumberValue()))
	}
	if !slices.Equal(strategy, want.strategy) {
		t.Errorf("capacity providers %v, want %v", strategy, want.strategy)
	}
	if !d.DependsOnType(svc, "aws:lb/listener:Listener") {
		t.Error("service does not wait for the listeners")
	}
	if td := d.One(t, "aws:ecs/taskDefinition:TaskDefinition"); !d.DependsOnType(td, "docker:index/image:Image") {
		t.Error("task definition does not wait for the image push")
	}
}

// checkSecurityGroupRules asserts the complete set of security group rules in the stack.
func checkSecurityGroupRules(t *testing.T, d *clouddouble.Double, want stackExpect) {
	t.Helper()
	groups := map[string]string{} // id -> logical name
	for _, sg := range d.OfType("aws:ec2/securityGroup:SecurityGroup") {
		groups[sg.Name+"-id"] = sg.Name
		if sg.Inputs["ingress"].IsArray() || sg.Inputs["egress"].IsArray() {
			t.Errorf("%s has inline rules", sg.Name)
		}
	}
	name := func(v resource.PropertyValue) string {
		if g, ok := groups[clouddouble.Str(v)]; ok {
			return g
		}
		return clouddouble.Str(v)
	}
	var got []string
	for _, typ := range []string{"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"} {
		dir := "in"
		if strings.Contains(typ, "Egress") {
			dir = "out"
		}
		for _, r := range d.OfType(typ) {
			in := r.Inputs
			peer := clouddouble.Str(in["cidrIpv4"])
			if peer == "" {
				peer = name(in["referencedSecurityGroupId"])
			}
			got = append(got, fmt.Sprintf("%s %s %s/%s-%s %s", name(in["securityGroupId"]), dir, in["ipProtocol"].StringValue(),
				clouddouble.Num(in["fromPort"].NumberValue()), clouddouble.Num(in["toPort"].NumberValue()), peer))
		}
	}
	port := want.c.ContainerPort
	rules := []string{
		fmt.Sprintf("webstack-app-tasks in tcp/%d-%d webstack-lb-alb", port, port),
		"webstack-app-tasks out tcp/443-443 0.0.0.0/0",
		fmt.Sprintf("webstack-lb-alb out tcp/%d-%d webstack-app-tasks", port, port),
	}
	for _, cidr := range want.c.IngressCIDRs {
		rules = append(rules, "webstack-lb-alb in tcp/80-80 "+cidr, "webstack-lb-alb in tcp/443-443 "+cidr)
	}
	if want.endpointSG {
		rules = append(rules, "webstack-net-endpoints in tcp/443-443 "+want.c.VPCCIDR)
	}
	if want.blueGreen { // the test listener, from the stack's testListenerCidrs only
		for _, cidr := range want.c.TestListenerCIDRs {
			rules = append(rules, fmt.Sprintf("webstack-lb-alb in tcp/%d-%d %s", want.c.TestListenerPort, want.c.TestListenerPort, cidr))
		}
	}
	slices.Sort(got)
	slices.Sort(rules)
	if !slices.Equal(got, rules) {
		t.Errorf("security group rules\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(rules, "\n"))
	}
}

func checkLoadBalancer(t *testing.T, d *clouddouble.Double, want stackExpect) {
	t.Helper()
	alb := d.One(t, "aws:lb/loadBalancer:LoadBalancer").Inputs
	if alb["internal"].BoolValue() || !alb["dropInvalidHeaderFields"].BoolValue() {
		t.Errorf("ALB %v", alb)
	}
	if alb["enableDeletionProtection"].BoolValue() != want.deletionProtect {
		t.Errorf("deletion protection %v, want %v", alb["enableDeletionProtection"].BoolValue(), want.deletionProtect)
	}
	if logs := alb["accessLogs"]; logs.IsObject() != want.accessLogs {
		t.Errorf("access logs %v, want %v", logs, want.accessLogs)
	}
	tgs := d.OfType("aws:lb/targetGroup:TargetGroup")
	if wantTGs := map[bool]int{false: 1, true: 2}[want.blueGreen]; len(tgs) != wantTGs {
		t.Errorf("%d target groups, want %d", len(tgs), wantTGs)
	}
	for _, r := range tgs {
		tg := r.Inputs
		hc := tg["healthCheck"].ObjectValue()
		if tg["targetType"].StringValue() != "ip" || tg["port"].NumberValue() != float64(want.c.ContainerPort) ||
			tg["deregistrationDelay"].NumberValue() != float64(want.c.DeregistrationDelaySeconds) || hc["path"].StringValue() != want.c.HealthCheckPath || hc["interval"].NumberValue() != 10 || hc["healthyThreshold"].NumberValue() != 2 ||
			hc["unhealthyThreshold"].NumberValue() != 3 || hc["matcher"].StringValue() != "200" {
			t.Errorf("target group %v", tg)
		}
	}
	listeners := map[float64]resource.PropertyMap{}
	for _, l := range d.OfType("aws:lb/listener:Listener") {
		listeners[l.Inputs["port"].NumberValue()] = l.Inputs
	}
	action := func(l resource.PropertyMap) resource.PropertyMap {
		return l["defaultActions"].ArrayValue()[0].ObjectValue()
	}
	if !want.https {
		if len(listeners) != 1 || action(listeners[80])["type"].StringValue() != "forward" {
			t.Errorf("a stack without a certificate wants one plain HTTP forwarder, got %v", listeners)
		}
		return
	}
	https, http := listeners[443], listeners[80]
	if wantListeners := map[bool]int{false: 2, true: 3}[want.blueGreen]; len(listeners) != wantListeners || https == nil || http == nil {
		t.Fatalf("want HTTPS and HTTP listeners, got %v", listeners)
	}
	if https["protocol"].StringValue() != "HTTPS" || https["sslPolicy"].StringValue() != "ELBSecurityPolicy-TLS13-1-2-Res-2021-06" || action(https)["type"].StringValue() != "forward" {
		t.Errorf("HTTPS listener %v", https)
	}
	redirect := action(http)
	r := redirect["redirect"].ObjectValue()
	if redirect["type"].StringValue() != "redirect" || r["protocol"].StringValue() != "HTTPS" || r["statusCode"].StringValue() != "HTTP_301" {
		t.Errorf("HTTP listener must only redirect to HTTPS: %v", http)
	}
	if want.c.CertificateARN == "" {
		if cert := d.One(t, "aws:acm/certificate:Certificate").Inputs; cert["domainName"].StringValue() != want.c.DomainName {
			t.Errorf("certificate %v, want one for %s", cert, want.c.DomainName)
		}
	}
}

func checkAutoscaling(t *testing.T, d *clouddouble.Double, want stackExpect) {
	t.Helper()
	target := d.One(t, "aws:appautoscaling/target:Target").Inputs
	if target["minCapacity"].NumberValue() != want.minTasks || target["maxCapacity"].NumberValue() != want.maxTasks {
		t.Errorf("autoscaling bounds %v..%v, want %v..%v", target["minCapacity"].NumberValue(), target["maxCapacity"].NumberValue(), want.minTasks, want.maxTasks)
	}
	var metrics []string
	for _, p := range d.OfType("aws:appautoscaling/policy:Policy") {
		cfg := p.Inputs["targetTrackingScalingPolicyConfiguration"].ObjectValue()
		if pre, ok := cfg["predefinedMetricSpecification"]; ok && pre.IsObject() {
			metrics = append(metrics, pre.ObjectValue()["predefinedMetricType"].StringValue())
		} else {
			metrics = append(metrics, "metric math") // blue-green requests per task
		}
	}
	slices.Sort(metrics) // registrations arrive concurrently
	requests := "ALBRequestCountPerTarget"
	if want.blueGreen {
		requests = "metric math" // ALBRequestCountPerTarget names one target group
	}
	if want := []string{"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", requests}; !slices.Equal(metrics, slices.Sorted(slices.Values(want))) {
		t.Errorf("policies %v", metrics)
	}
	if n := len(d.OfType("aws:appautoscaling/scheduledAction:ScheduledAction")); n != want.schedules {
		t.Errorf("%d scheduled actions, want %d", n, want.schedules)
	}
}

func checkImage(t *testing.T, d *clouddouble.Double, stack string) {
	t.Helper()
	repo := d.One(t, "aws:ecr/repository:Repository").Inputs
	if repo["name"].StringValue() != "webstack-"+stack || repo["imageTagMutability"].StringValue() != "IMMUTABLE" ||
		!repo["imageScanningConfiguration"].ObjectValue()["scanOnPush"].BoolValue() {
		t.Errorf("repository %v", repo)
	}
	build := d.One(t, "docker:index/image:Image").Inputs["build"].ObjectValue()
	if build["context"].StringValue() != "." || build["dockerfile"].StringValue() != "Dockerfile" || build["platform"].StringValue() != "linux/amd64" {
		t.Errorf("image build %v", build)
	}
}

// checkParenting: everything but the WebService itself is a descendant of it.
func checkParenting(t *testing.T, d *clouddouble.Double) {
	t.Helper()
	for _, r := range d.Resources() {
		root := r.Parent == "" || resource.URN(r.Parent).QualifiedType() == resource.RootStackType
		if root != (r.Type == "webstack:components:WebService") {
			t.Errorf("%s %s has parent %q", r.Type, r.Name, r.Parent)
		}
	}
}

// Every bad config fails with its message before anything is registered or looked up.
func TestBadConfigRegistersNothing(t *testing.T) {
	for _, tc := range badConfigs {
		t.Run(tc.name, func(t *testing.T) {
			d, err := runStack(t, "dev", tc.set)
			if err == nil {
				t.Fatal("the program ran with an invalid config")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), fullKey(w)) {
					t.Errorf("error lacks %q:\n%v", fullKey(w), err)
				}
			}
			if n := len(d.Resources()); n != 0 {
				t.Errorf("%d resources registered", n)
			}
			if inv := d.Invokes(); len(inv) != 0 {
				t.Errorf("invokes made: %v", inv)
			}
		})
	}
}

// BenchmarkWholeStack times a mocks run of each stack; "empty" (a program that registers nothing,
// same config) is the baseline in the same run, so the difference is the program's own cost.
func BenchmarkWholeStack(b *testing.B) {
	b.Run("empty", func(b *testing.B) {
		cfg := stackConfig(b, "dev")
		for b.Loop() {
			if _, err := clouddouble.RunStack("dev", cfg, func(*pulumi.Context) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, stack := range offline.Stacks(projectDir) {
		b.Run(stack, func(b *testing.B) {
			for b.Loop() {
				if _, err := runStack(b, stack, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
