package program

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ec2Fixture is the EC2 fixture (testdata/Pulumi.ec2.yaml) as "key" -> value overrides of dev.
func ec2Fixture(t testing.TB) map[string]string {
	t.Helper()
	var fixture struct{ Config map[string]any }
	readYAML(t, filepath.Join(projectDir, "program", "testdata", "Pulumi.ec2.yaml"), &fixture)
	out := map[string]string{}
	for k, v := range fixture.Config {
		out[strings.TrimPrefix(k, Project+":")] = cliValue(t, v)
	}
	return out
}

// onEC2 is the EC2 fixture plus set.
func onEC2(set map[string]string) func(testing.TB) map[string]string {
	return func(t testing.TB) map[string]string {
		m := ec2Fixture(t)
		maps.Copy(m, set)
		return m
	}
}

// The EC2 keys' bad configs join the shared table, so each is checked by Load and by a whole
// run (nothing registered). Cases built on the fixture are resolved when the tests run.
func init() {
	for _, tc := range []struct {
		name string
		set  func(testing.TB) map[string]string
		want []string
	}{
		{"ec2 key on fargate", func(testing.TB) map[string]string {
			return map[string]string{"instanceTypes": `["t3.large"]`, "minInstances": "3"}
		},
			[]string{"instanceTypes: set, but computeType is fargate", "minInstances: set, but computeType is fargate"}},
		{"fargate keys on ec2", func(testing.TB) map[string]string { return map[string]string{"computeType": "ec2"} },
			[]string{"fargateBase: set, but computeType is ec2", "fargateSpotWeight: set, but computeType is ec2"}},
		{"compute type", func(testing.TB) map[string]string { return map[string]string{"computeType": "lambda"} },
			[]string{`computeType: "lambda" is not supported`}},
		{"unknown instance type", onEC2(map[string]string{"instanceTypes": `["x9.huge"]`}),
			[]string{`instanceTypes: instance type "x9.huge" has no sizing entry: use one of c6i.2xlarge`}},
		{"task too big for instance", onEC2(map[string]string{"cpu": "4096", "memory": "8192"}),
			[]string{"instanceTypes: a task of 4096 CPU units / 8192 MiB does not fit a t3.large"}},
		{"architecture", onEC2(map[string]string{"imagePlatform": "linux/arm64"}),
			[]string{"instanceTypes: t3.large is X86_64, but the instances must run ARM64 tasks", "instanceTypes: m6i.large is X86_64, but the instances must run ARM64 tasks"}},
		{"ec2 without NAT", onEC2(map[string]string{"natGateways": "None", "vpcEndpoints": "true"}),
			[]string{"natGateways: None: EC2 instances must reach the ECS"}},
		{"one instance", onEC2(map[string]string{"minInstances": "1"}), []string{"minInstances: 1 instance(s)"}},
		{"instances max below min", onEC2(map[string]string{"minInstances": "3", "maxInstances": "2"}), []string{"maxInstances: 2 is below the minimum of 3 instance(s)"}},
		{"tasks outgrow instances", onEC2(map[string]string{"maxCount": "12"}),
			[]string{"maxInstances: 4 instance(s) of 2 task(s) each (one network interface per task, and cpu and memory) hold 8 tasks, fewer than the 12"}},
		{"ec2 ranges", onEC2(map[string]string{"targetCapacityPercent": "0", "spotInstancePercent": "101", "instanceRootVolumeGiB": "20"}),
			[]string{"targetCapacityPercent: 0 is out of range", "spotInstancePercent: 101 is out of range", "instanceRootVolumeGiB: 20 is out of range"}},
		{"reserved prefix", onEC2(map[string]string{"serviceName": "ecs-web"}), []string{`serviceName: "ecs-web" starts with "ecs"`}},
		{"no instance types", onEC2(map[string]string{"instanceTypes": `[]`}), []string{"instanceTypes: empty"}},
	} {
		badConfigs = append(badConfigs, struct {
			name string
			set  map[string]string
			want []string
		}{tc.name, tc.set(initTB{}), tc.want})
	}
}

// initTB lets init read the fixture with the test helpers: a failure panics.
type initTB struct{ testing.TB }

func (initTB) Helper()                   {}
func (initTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (initTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// Both committed stacks stay on Fargate; EC2 is the fixture's choice.
func TestCommittedStacksRunOnFargate(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		c, err := Load(stack, getter(stackConfig(t, stack)))
		if err != nil || c.ComputeType != "fargate" {
			t.Errorf("%s: computeType %q, %v", stack, c.ComputeType, err)
		}
	}
	// On EC2 the Fargate size table does not apply: the task must fit the instances.
	cfg := stackConfig(t, "dev")
	for k, v := range onEC2(map[string]string{"cpu": "384", "memory": "1000"})(t) {
		cfg[Project+":"+k] = v
	}
	if _, err := Load("dev", getter(cfg)); err != nil {
		t.Errorf("a 384/1000 task on t3.large refused: %v", err)
	}
}

// TestEC2Stack runs the whole program on the EC2 fixture layered over dev.
func TestEC2Stack(t *testing.T) {
	d, err := runStack(t, "dev", ec2Fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	checkContainer(t, d)
	checkParenting(t, d)
	for _, inv := range d.Invokes() {
		if !slices.Contains([]string{"aws:index/getCallerIdentity:getCallerIdentity", "aws:index/getRegion:getRegion", "aws:ecr/getAuthorizationToken:getAuthorizationToken"}, inv) {
			t.Errorf("invoke %s: the AMI is resolved by EC2 at launch, no other lookup is expected", inv)
		}
	}

	lt := d.One(t, "aws:ec2/launchTemplate:LaunchTemplate").Inputs
	md := lt["metadataOptions"].ObjectValue()
	if md["httpTokens"].StringValue() != "required" || md["httpPutResponseHopLimit"].NumberValue() != 1 {
		t.Errorf("metadata options %v: want IMDSv2 required, hop limit 1", md)
	}
	for _, ni := range lt["networkInterfaces"].ArrayValue() {
		if ni.ObjectValue()["associatePublicIpAddress"].StringValue() != "false" {
			t.Errorf("network interface %v may get a public IP", ni)
		}
	}
	bdm := lt["blockDeviceMappings"].ArrayValue()
	if len(bdm) == 0 {
		t.Fatal("no root volume mapping")
	}
	for _, b := range bdm {
		if b.ObjectValue()["ebs"].ObjectValue()["encrypted"].StringValue() != "true" {
			t.Errorf("volume %v is not encrypted", b)
		}
	}
	if !strings.HasPrefix(lt["imageId"].StringValue(), "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/") {
		t.Errorf("image %s is not the ECS-optimized AL2023 parameter", lt["imageId"].StringValue())
	}

	asg := d.One(t, "aws:autoscaling/group:Group").Inputs
	var subnets []string
	for _, s := range asg["vpcZoneIdentifiers"].ArrayValue() {
		subnets = append(subnets, s.StringValue())
	}
	if !slices.Equal(subnets, []string{"subnet-private-1", "subnet-private-2"}) {
		t.Errorf("group subnets %v, want dev's 2 private subnets", subnets)
	}
	if asg["minSize"].NumberValue() != 2 || asg["maxSize"].NumberValue() != 4 {
		t.Errorf("group size %v..%v, want 2..4", asg["minSize"], asg["maxSize"])
	}
	mip := asg["mixedInstancesPolicy"].ObjectValue()
	var types []string
	for _, o := range mip["launchTemplate"].ObjectValue()["overrides"].ArrayValue() {
		types = append(types, o.ObjectValue()["instanceType"].StringValue())
	}
	if !slices.Equal(types, []string{"t3.large", "m6i.large"}) {
		t.Errorf("instance types %v", types)
	}
	if od := mip["instancesDistribution"].ObjectValue()["onDemandPercentageAboveBaseCapacity"].NumberValue(); od != 75 {
		t.Errorf("on-demand share %v, want 75 (spotInstancePercent 25)", od)
	}

	provider := d.One(t, "aws:ecs/capacityProvider:CapacityProvider")
	// Named after the cluster (serviceName-stack), so the name is known during preview.
	providerName := "webstack-dev-ec2"
	if got := provider.Inputs["name"].StringValue(); got != providerName {
		t.Errorf("capacity provider name %q, want %s", got, providerName)
	}
	if target := provider.Inputs["autoScalingGroupProvider"].ObjectValue()["managedScaling"].ObjectValue()["targetCapacity"].NumberValue(); target != 90 {
		t.Errorf("managed scaling target %v, want 90", target)
	}
	// One association, the EC2 provider's: it is the cluster's default strategy.
	assoc := d.One(t, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").Inputs
	def := assoc["defaultCapacityProviderStrategies"].ArrayValue()
	if len(def) != 1 || def[0].ObjectValue()["capacityProvider"].StringValue() != providerName {
		t.Errorf("cluster default strategy %v, want %s", def, providerName)
	}

	svc := d.One(t, "aws:ecs/service:Service")
	strategy := svc.Inputs["capacityProviderStrategies"].ArrayValue()
	if len(strategy) != 1 || strategy[0].ObjectValue()["capacityProvider"].StringValue() != providerName {
		t.Errorf("service strategy %v, want %s only", strategy, providerName)
	}
	var placement []string
	for _, p := range svc.Inputs["orderedPlacementStrategies"].ArrayValue() {
		placement = append(placement, p.ObjectValue()["type"].StringValue()+" "+p.ObjectValue()["field"].StringValue())
	}
	if !slices.Equal(placement, []string{"spread attribute:ecs.availability-zone", "binpack memory"}) {
		t.Errorf("placement %v", placement)
	}
	nc := svc.Inputs["networkConfiguration"].ObjectValue()
	if nc["assignPublicIp"].BoolValue() || len(nc["subnets"].ArrayValue()) != 2 {
		t.Errorf("service network %v", nc)
	}
	td := d.One(t, "aws:ecs/taskDefinition:TaskDefinition").Inputs
	if c := td["requiresCompatibilities"].ArrayValue(); len(c) != 1 || c[0].StringValue() != "EC2" || td["networkMode"].StringValue() != "awsvpc" {
		t.Errorf("task definition compatibilities %v network %v", c, td["networkMode"])
	}
	if arch := td["runtimePlatform"].ObjectValue()["cpuArchitecture"].StringValue(); arch != "X86_64" {
		t.Errorf("task architecture %s, want the instances' X86_64", arch)
	}
	// Task autoscaling is unchanged; ECS managed scaling adds instances for the tasks.
	if target := d.One(t, "aws:appautoscaling/target:Target").Inputs; target["minCapacity"].NumberValue() != 2 || target["maxCapacity"].NumberValue() != 4 {
		t.Errorf("task autoscaling %v", target)
	}
}
