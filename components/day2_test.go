package components

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"example.com/webstack/internal/clouddouble"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// execStatements reads the execution role policy of runService's "svc" as action -> statement.
func execStatements(t *testing.T, d *clouddouble.Double) map[string]statement {
	t.Helper()
	for _, r := range d.OfType("aws:iam/rolePolicy:RolePolicy") {
		if r.Inputs["role"].StringValue() != "svc-execution-id" {
			continue
		}
		var doc policyDocument
		if err := json.Unmarshal([]byte(r.Inputs["policy"].StringValue()), &doc); err != nil {
			t.Fatal(err)
		}
		out := map[string]statement{}
		for _, st := range doc.Statement {
			for _, a := range st.Action {
				out[a] = st
			}
		}
		return out
	}
	t.Fatal("no execution role policy")
	return nil
}

// A Secrets Manager valueFrom with a JSON key suffix, or a partial ARN, must become the IAM
// resource of the secret itself; a customer managed key must be usable through the secret's
// service only.
func TestServiceSecretsIAMResourcesAndKMS(t *testing.T) {
	const sm = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
	args := serviceArgs()
	args.Secrets = map[string]string{
		"DB_PASSWORD": sm + "db-AbCdEf:password::",           // JSON key of a full ARN
		"DB_USER":     sm + "db-AbCdEf:username:AWSCURRENT:", // same secret, another key
		"API_TOKEN":   sm + "prod/api-token",                 // partial ARN
		"SIGNING_KEY": sm + "signing:key:AWSPREVIOUS:",       // partial ARN with a JSON key
		"API_KEY":     "arn:aws:ssm:eu-west-1:123456789012:parameter/webstack/api-key",
	}
	const smKey = "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
	const ssmKey = "arn:aws:kms:eu-west-1:123456789012:key/5555eeee-6666-ffff-7777-000088889999"
	args.SecretKMSKeys = map[string]string{"DB_PASSWORD": smKey, "API_TOKEN": smKey, "API_KEY": ssmKey}
	d := runService(t, args)
	st := execStatements(t, d)

	wantSM := []string{sm + "db-AbCdEf", sm + "prod/api-token-??????", sm + "signing-??????"}
	if got := st["secretsmanager:GetSecretValue"].Resource; !reflect.DeepEqual(got, wantSM) {
		t.Errorf("secretsmanager:GetSecretValue on %v, want %v", got, wantSM)
	}
	kms := map[string][]any{}
	raw := execPolicyJSON(t, d)
	for _, s := range raw.Statement {
		if len(s.Action) == 1 && s.Action[0] == "kms:Decrypt" {
			if len(s.Resource) != 1 {
				t.Fatalf("kms:Decrypt statement on %v, want one key per statement", s.Resource)
			}
			kms[s.Resource[0]] = s.Condition["StringEquals"]["kms:ViaService"]
		}
	}
	want := map[string][]any{
		smKey:  {"secretsmanager.eu-west-1.amazonaws.com"},
		ssmKey: {"ssm.eu-west-1.amazonaws.com"},
	}
	if !reflect.DeepEqual(kms, want) {
		t.Errorf("kms:Decrypt grants (key -> kms:ViaService) = %v, want %v", kms, want)
	}
	// ECS still receives each valueFrom exactly as given.
	c := containerDef(t, d)
	for _, s := range c["secrets"].([]any) {
		s := s.(map[string]any)
		if s["valueFrom"] != args.Secrets[s["name"].(string)] {
			t.Errorf("secret %v: valueFrom changed", s)
		}
	}
}

type rawPolicy struct {
	Statement []struct {
		Action    []string
		Resource  []string
		Condition map[string]map[string][]any
	}
}

func execPolicyJSON(t *testing.T, d *clouddouble.Double) rawPolicy {
	t.Helper()
	for _, r := range d.OfType("aws:iam/rolePolicy:RolePolicy") {
		if r.Inputs["role"].StringValue() == "svc-execution-id" {
			var p rawPolicy
			if err := json.Unmarshal([]byte(r.Inputs["policy"].StringValue()), &p); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatal("no execution role policy")
	return rawPolicy{}
}

func TestServiceRefusesBadSecretKMSKeys(t *testing.T) {
	for name, keys := range map[string]map[string]string{
		"not a secret": {"NOPE": "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"},
		"alias":        {"DB_PASSWORD": "arn:aws:kms:eu-west-1:123456789012:alias/db"},
	} {
		t.Run(name, func(t *testing.T) {
			args := serviceArgs()
			args.SecretKMSKeys = keys
			if err := args.withDefaults("svc").validate("svc"); err == nil {
				t.Errorf("SecretKMSKeys %v accepted", keys)
			}
		})
	}
}

// physicalNameInputs are the inputs that give a resource its physical name explicitly. The bridge
// makes any replacement of such a resource delete-before-replace unless the program says
// deleteBeforeReplace: false (nameRequiresDeleteBeforeReplace, pulumi-terraform-bridge
// pkg/tfbridge/schema.go; the engine takes the program's explicit option over the provider's,
// pulumi pkg/resource/deploy/step_generator.go).
var physicalNameInputs = []resource.PropertyKey{"name", "family", "dashboardName", "deploymentGroupName", "deploymentConfigName"}

// checkCreateFirst fails for every registered AWS resource that names itself explicitly but would
// let the bridge delete it before its replacement exists; it returns how many it checked.
func checkCreateFirst(t *testing.T, d *clouddouble.Double) int {
	t.Helper()
	checked := 0
	for _, r := range d.Resources() {
		if !strings.HasPrefix(r.Type, "aws:") {
			continue
		}
		for _, k := range physicalNameInputs {
			if v, ok := r.Inputs[k]; !ok || v.IsNull() {
				continue
			}
			checked++
			if r.DeleteBeforeReplace == nil || *r.DeleteBeforeReplace {
				t.Errorf("%s %s sets %s explicitly but deleteBeforeReplace is %v: a replacement would delete it first", r.Type, r.Name, k, describeDBR(r.DeleteBeforeReplace))
			}
		}
	}
	return checked
}

func describeDBR(v *bool) string {
	if v == nil {
		return "unset (the bridge's delete-first applies)"
	}
	if *v {
		return "true"
	}
	return "false"
}

// Every explicitly named resource of a blue-green stack with autoscaling and alarms, and of a
// service on EC2 capacity, is replaced create-first; the load balancer and target groups take a
// name prefix (no explicit name: the bridge rule does not apply, and a replacement gets a new name).
func TestNamedResourcesAreReplacedCreateFirst(t *testing.T) {
	args := blueGreenWebServiceArgs(t)
	args.Autoscaling = &AutoscalingArgs{}
	args.BlueGreen.TrafficShifting = TrafficShifting{Type: "canary", Percentage: 15, IntervalMinutes: 7} // a custom config
	d, err := runWebService(args)
	if err != nil {
		t.Fatal(err)
	}
	// cluster, service, log group, task family, repository, 7 alarms, dashboard, application,
	// deployment group and config.
	if n := checkCreateFirst(t, d); n < 16 {
		t.Errorf("checked %d named resources, want at least 16: %v", n, d.Names())
	}
	for _, typ := range []string{"aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup"} {
		for _, r := range d.OfType(typ) {
			if _, named := r.Inputs["name"]; named || clouddouble.Str(r.Inputs["namePrefix"]) == "" {
				t.Errorf("%s %s: want a namePrefix and no name, got %v", typ, r.Name, r.Inputs)
			}
		}
	}

	ec2 := ec2ServiceArgs()
	ec2.ClusterName, ec2.ServiceName = "webstack-test", "webstack-test-rolling"
	de := runService(t, ec2)
	if n := checkCreateFirst(t, de); n < 5 { // cluster, capacity provider, log group, family, service
		t.Errorf("checked %d named resources on EC2, want at least 5: %v", n, de.Names())
	}
}

// A rolling service changes its capacity provider strategy in place (forceNewDeployment), so
// editing fargateBase/fargateWeight/fargateSpotWeight is a deployment, not a replacement. Under
// CODE_DEPLOY UpdateService refuses the strategy and the network configuration: `pulumi up` leaves
// them and the next AppSpec carries them (the service exports both).
func TestServiceUpdatesThatStayInPlace(t *testing.T) {
	rolling := runService(t, serviceArgs())
	svc := rolling.One(t, "aws:ecs/service:Service")
	if !svc.Inputs["forceNewDeployment"].IsBool() || !svc.Inputs["forceNewDeployment"].BoolValue() {
		t.Errorf("rolling service forceNewDeployment = %v, want true (else a strategy edit replaces the service)", svc.Inputs["forceNewDeployment"])
	}
	if slices.Contains(svc.IgnoreChanges, "capacityProviderStrategies") || slices.Contains(svc.IgnoreChanges, "networkConfiguration") {
		t.Errorf("a rolling service must apply strategy and network edits, ignores %v", svc.IgnoreChanges)
	}

	args := serviceArgs()
	args.DeploymentController = ControllerCodeDeploy
	var subnets []string
	var strategy []ecs.ServiceCapacityProviderStrategy
	d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
		s, err := NewService(ctx, "svc", args)
		if err != nil {
			return err
		}
		clouddouble.Await(ctx, "appspec", func(v []any) {
			subnets, strategy = v[0].([]string), v[1].([]ecs.ServiceCapacityProviderStrategy)
		}, s.SubnetIDs, s.CapacityProviderStrategy)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cd := d.One(t, "aws:ecs/service:Service")
	for _, k := range []string{"taskDefinition", "loadBalancers", "networkConfiguration", "capacityProviderStrategies", "enableExecuteCommand"} {
		if !slices.Contains(cd.IgnoreChanges, k) {
			t.Errorf("CODE_DEPLOY service does not ignore %s (UpdateService refuses it): %v", k, cd.IgnoreChanges)
		}
	}
	if v, ok := cd.Inputs["forceNewDeployment"]; ok && !v.IsNull() {
		t.Errorf("CODE_DEPLOY service sets forceNewDeployment %v, which UpdateService refuses there", v)
	}
	if !slices.Equal(subnets, []string{"subnet-private-1", "subnet-private-2"}) || len(strategy) != 2 ||
		strategy[1].CapacityProvider != "FARGATE_SPOT" || strategy[1].Weight == nil || *strategy[1].Weight != 3 {
		t.Errorf("exported subnets %v strategy %+v", subnets, strategy)
	}
}

// Each replacement of the task definition registers a new revision first and keeps the old one
// ACTIVE: the deploy command's rollback targets it.
func TestTaskDefinitionKeepsPreviousRevisions(t *testing.T) {
	td := runService(t, serviceArgs()).One(t, "aws:ecs/taskDefinition:TaskDefinition")
	if v := td.Inputs["skipDestroy"]; !v.IsBool() || !v.BoolValue() {
		t.Errorf("skipDestroy = %v: a replacement would deregister the revision rollbacks need", v)
	}
	if td.DeleteBeforeReplace == nil || *td.DeleteBeforeReplace {
		t.Errorf("task definition deleteBeforeReplace %s, want false", describeDBR(td.DeleteBeforeReplace))
	}
}

// ECS Exec cannot be switched on a CODE_DEPLOY service: refused up front, with how to fix it.
func TestExecuteCommandRefusedUnderBlueGreen(t *testing.T) {
	args := serviceArgs()
	args.DeploymentController, args.EnableExecuteCommand = ControllerCodeDeploy, true
	d, err := clouddouble.Run(func(ctx *pulumi.Context) error { _, err := NewService(ctx, "svc", args); return err })
	d.AssertRefused(t, err, "EnableExecuteCommand ECS Exec cannot be used with blue-green releases", "turn it off")

	web := blueGreenWebServiceArgs(t)
	web.Service.EnableExecuteCommand = true
	dw, err := runWebService(web)
	dw.AssertRefused(t, err, "EnableExecuteCommand ECS Exec cannot be used with blue-green releases")
}

// Request-count scaling of a blue-green service follows production whichever target group it is
// on: the load balancer's requests per running task, never one target group's metric.
func TestBlueGreenRequestScalingFollowsTraffic(t *testing.T) {
	args := blueGreenWebServiceArgs(t)
	args.Autoscaling = &AutoscalingArgs{RequestsPerTarget: 700}
	d, err := runWebService(args)
	if err != nil {
		t.Fatal(err)
	}
	cfg := clouddouble.Path(d.Named(t, "aws:appautoscaling/policy:Policy", "web-scaling-requests").Inputs, "targetTrackingScalingPolicyConfiguration")
	if p := clouddouble.Path(cfg.ObjectValue(), "predefinedMetricSpecification"); !p.IsNull() {
		t.Fatalf("blue-green requests policy uses %v, which names one target group", p)
	}
	if cfg.ObjectValue()["targetValue"].NumberValue() != 700 {
		t.Errorf("target %v", cfg.ObjectValue()["targetValue"])
	}
	metrics := clouddouble.Path(cfg.ObjectValue(), "customizedMetricSpecification", "metrics").ArrayValue()
	byID := map[string]resource.PropertyMap{}
	for _, m := range metrics {
		byID[m.ObjectValue()["id"].StringValue()] = m.ObjectValue()
	}
	dims := func(id string) map[string]string {
		out := map[string]string{}
		for _, dm := range clouddouble.Path(byID[id], "metricStat", "metric", "dimensions").ArrayValue() {
			out[dm.ObjectValue()["name"].StringValue()] = dm.ObjectValue()["value"].StringValue()
		}
		return out
	}
	if m := clouddouble.Path(byID["requests"], "metricStat", "metric", "metricName"); clouddouble.Str(m) != "RequestCount" ||
		!reflect.DeepEqual(dims("requests"), map[string]string{"LoadBalancer": "app/web-lb-alb/0123456789abcdef"}) {
		t.Errorf("requests metric %v", byID["requests"])
	}
	if m := clouddouble.Path(byID["tasks"], "metricStat", "metric", "metricName"); clouddouble.Str(m) != "RunningTaskCount" ||
		!reflect.DeepEqual(dims("tasks"), map[string]string{"ClusterName": "web-test", "ServiceName": "web-test-blue-green"}) {
		t.Errorf("tasks metric %v", byID["tasks"])
	}
	if e := byID["perTask"]; clouddouble.Str(e["expression"]) != "FILL(requests, 0) / tasks" || !e["returnData"].BoolValue() {
		t.Errorf("expression %v", e)
	}

	// A rolling service keeps the predefined per-target metric (its one target group serves).
	rolling := webServiceArgs(t)
	rolling.Autoscaling = &AutoscalingArgs{}
	dr, err := runWebService(rolling)
	if err != nil {
		t.Fatal(err)
	}
	pre := clouddouble.Path(dr.Named(t, "aws:appautoscaling/policy:Policy", "web-scaling-requests").Inputs,
		"targetTrackingScalingPolicyConfiguration", "predefinedMetricSpecification", "predefinedMetricType")
	if clouddouble.Str(pre) != "ALBRequestCountPerTarget" {
		t.Errorf("rolling requests metric %v", pre)
	}
}

// AZ rebalancing is set explicitly (the provider would send DISABLED otherwise): on for rolling
// services on Fargate and EC2, off under CODE_DEPLOY (docs/day2-components.md, "Availability Zone rebalancing").
func TestAZRebalancingIsExplicit(t *testing.T) {
	cd := serviceArgs()
	cd.DeploymentController = ControllerCodeDeploy
	for name, tc := range map[string]struct {
		args *ServiceArgs
		want string
	}{"fargate rolling": {serviceArgs(), "ENABLED"}, "ec2 rolling": {ec2ServiceArgs(), "ENABLED"}, "code deploy": {cd, "DISABLED"}} {
		in := runService(t, tc.args).One(t, "aws:ecs/service:Service").Inputs
		if got := clouddouble.Str(in["availabilityZoneRebalancing"]); got != tc.want {
			t.Errorf("%s: availabilityZoneRebalancing %q, want %q", name, got, tc.want)
		}
	}
}

// The container's keep-alive is always the ALB's idle timeout plus one margin.
func TestIdleTimeoutFollowsTheLoadBalancer(t *testing.T) {
	for _, tc := range []struct {
		alb  int
		want string
	}{{0, "75s"}, {300, "315s"}, {4000, "4015s"}} {
		args := webServiceArgs(t)
		args.LoadBalancer.IdleTimeoutSeconds = tc.alb
		d, err := runWebService(args)
		if err != nil {
			t.Fatal(err)
		}
		if got := clouddouble.Num(d.One(t, "aws:lb/loadBalancer:LoadBalancer").Inputs["idleTimeout"].NumberValue()); tc.alb != 0 && got != clouddouble.Num(float64(tc.alb)) {
			t.Errorf("ALB idle timeout %s, want %d", got, tc.alb)
		}
		env := map[string]string{}
		for _, e := range containerDef(t, d)["environment"].([]any) {
			e := e.(map[string]any)
			env[e["name"].(string)] = e["value"].(string)
		}
		if env["IDLE_TIMEOUT"] != tc.want {
			t.Errorf("ALB idle timeout %d: IDLE_TIMEOUT %q, want %q", tc.alb, env["IDLE_TIMEOUT"], tc.want)
		}
	}
	if _, err := ContainerDefinitions("eu-west-1", ServiceArgs{Environment: map[string]string{"IDLE_TIMEOUT": "5s"}}); err == nil {
		t.Error("IDLE_TIMEOUT from the environment accepted: the component sets it")
	}
}

// Rolling: the production listener forwards (with no ignoreChanges) to the target group the
// service registers in, so switching from blue-green points it back explicitly; and nothing that
// serves is replaced delete-first, so the listener update runs before any delete.
func TestRollingListenerPointsAtTheServiceTargetGroup(t *testing.T) {
	d, err := runWebService(webServiceArgs(t))
	if err != nil {
		t.Fatal(err)
	}
	svc := d.One(t, "aws:ecs/service:Service")
	tg := clouddouble.Str(clouddouble.Path(svc.Inputs, "loadBalancers", 0, "targetGroupArn"))
	l := d.Named(t, "aws:lb/listener:Listener", "web-lb-http")
	if got := clouddouble.Str(clouddouble.Path(l.Inputs, "defaultActions", 0, "targetGroupArn")); got == "" || got != tg {
		t.Errorf("listener forwards to %q, service registers in %q", got, tg)
	}
	if len(l.IgnoreChanges) != 0 {
		t.Errorf("rolling listener ignores %v: a switch from blue-green would leave it on green", l.IgnoreChanges)
	}
	if n := len(d.OfType("aws:lb/targetGroup:TargetGroup")); n != 1 {
		t.Errorf("%d target groups under rolling, want 1", n)
	}
	if svc.DeleteBeforeReplace == nil || *svc.DeleteBeforeReplace {
		t.Errorf("service deleteBeforeReplace %s", describeDBR(svc.DeleteBeforeReplace))
	}
}

// The repository's encryption forces a replacement (ForceNew in the provider): a KMS repository
// has its own name, so switching creates it (and pushes the image there) before the old one goes.
func TestRepositoryEncryptionIsInTheName(t *testing.T) {
	dir := newContext(t)
	for enc, want := range map[string]string{"AES256": "web", "KMS": "web-kms"} {
		d, img := runImage(t, &ContainerImageArgs{RepositoryName: "web", Context: dir, Encryption: enc})
		repo := d.One(t, "aws:ecr/repository:Repository")
		if got := repo.Inputs["name"].StringValue(); got != want || !strings.Contains(img.Ref, "/"+want+":") ||
			!strings.HasSuffix(img.RepositoryARN, ":repository/"+want) {
			t.Errorf("%s: repository %q, ref %s, arn %s; want %q", enc, got, img.Ref, img.RepositoryARN, want)
		}
		if repo.DeleteBeforeReplace == nil || *repo.DeleteBeforeReplace {
			t.Errorf("%s: repository deleteBeforeReplace %s", enc, describeDBR(repo.DeleteBeforeReplace))
		}
	}
}
