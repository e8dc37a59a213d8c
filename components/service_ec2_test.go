package components

import (
	"slices"
	"strings"
	"testing"

	"example.com/webstack/internal/clouddouble"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ec2ServiceArgs are serviceArgs on EC2 capacity: no Fargate providers.
func ec2ServiceArgs() *ServiceArgs {
	a := serviceArgs()
	a.CapacityProviders = nil
	a.EC2 = &EC2CapacityArgs{InstanceTypes: []string{"t3.large", "m6i.large"}, MinInstances: 2, MaxInstances: 4, TargetCapacityPercent: 80}
	return a
}

func TestServiceOnEC2(t *testing.T) {
	d := runService(t, ec2ServiceArgs())

	// The EC2Capacity owns the cluster's capacity providers: no second association for Fargate.
	assoc := d.One(t, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
	if got := assoc.Inputs["clusterName"].StringValue(); got != "svc-cluster-physical" {
		t.Errorf("capacity providers associated with %q, want the service's cluster", got)
	}
	if !strings.Contains(assoc.Parent, ec2CapacityType+"::") {
		t.Errorf("association parent %s, want the EC2Capacity", assoc.Parent)
	}
	provider := d.One(t, "aws:ecs/capacityProvider:CapacityProvider")
	providerName := provider.Name + "-physical"
	providers := assoc.Inputs["capacityProviders"].ArrayValue()
	if len(providers) != 1 || providers[0].StringValue() != providerName {
		t.Errorf("cluster capacity providers %v, want only %s", providers, providerName)
	}
	def := assoc.Inputs["defaultCapacityProviderStrategies"].ArrayValue()
	if len(def) != 1 || def[0].ObjectValue()["capacityProvider"].StringValue() != providerName {
		t.Errorf("cluster default strategy %v, want %s", def, providerName)
	}
	ms := provider.Inputs["autoScalingGroupProvider"].ObjectValue()["managedScaling"].ObjectValue()
	if ms["targetCapacity"].NumberValue() != 80 {
		t.Errorf("managed scaling target %v, want 80", ms["targetCapacity"])
	}

	// The group runs in the service's private subnets, the template is locked down.
	asg := d.One(t, "aws:autoscaling/group:Group").Inputs
	var zones []string
	for _, s := range asg["vpcZoneIdentifiers"].ArrayValue() {
		zones = append(zones, s.StringValue())
	}
	if !slices.Equal(zones, []string{"subnet-private-1", "subnet-private-2"}) {
		t.Errorf("group subnets %v, want the service's private subnets", zones)
	}
	lt := d.One(t, "aws:ec2/launchTemplate:LaunchTemplate").Inputs
	if lt["metadataOptions"].ObjectValue()["httpTokens"].StringValue() != "required" ||
		lt["networkInterfaces"].ArrayValue()[0].ObjectValue()["associatePublicIpAddress"].StringValue() != "false" ||
		lt["blockDeviceMappings"].ArrayValue()[0].ObjectValue()["ebs"].ObjectValue()["encrypted"].StringValue() != "true" {
		t.Errorf("launch template not locked down: %v", lt)
	}

	// The task definition targets EC2 and the instances' architecture; awsvpc stays.
	td := d.One(t, "aws:ecs/taskDefinition:TaskDefinition").Inputs
	if c := td["requiresCompatibilities"].ArrayValue(); len(c) != 1 || c[0].StringValue() != "EC2" {
		t.Errorf("requiresCompatibilities %v, want [EC2]", c)
	}
	if td["networkMode"].StringValue() != "awsvpc" || td["runtimePlatform"].ObjectValue()["cpuArchitecture"].StringValue() != "X86_64" {
		t.Errorf("task definition network %v platform %v", td["networkMode"], td["runtimePlatform"])
	}

	// The service names the EC2 provider, spreads over zones then binpacks memory, and keeps
	// the Fargate network model.
	svc := d.One(t, "aws:ecs/service:Service")
	strategy := svc.Inputs["capacityProviderStrategies"].ArrayValue()
	if len(strategy) != 1 || strategy[0].ObjectValue()["capacityProvider"].StringValue() != providerName {
		t.Errorf("service strategy %v, want only %s", strategy, providerName)
	}
	if lt, ok := svc.Inputs["launchType"]; ok && lt.HasValue() {
		t.Errorf("launchType %v set beside a capacity provider strategy", lt)
	}
	var placement []string
	for _, p := range svc.Inputs["orderedPlacementStrategies"].ArrayValue() {
		o := p.ObjectValue()
		placement = append(placement, o["type"].StringValue()+":"+o["field"].StringValue())
	}
	if want := []string{"spread:attribute:ecs.availability-zone", "binpack:memory"}; !slices.Equal(placement, want) {
		t.Errorf("placement %v, want %v", placement, want)
	}
	nc := svc.Inputs["networkConfiguration"].ObjectValue()
	if nc["assignPublicIp"].BoolValue() || len(nc["subnets"].ArrayValue()) != 2 || nc["securityGroups"].ArrayValue()[0].StringValue() != "svc-tasks-id" {
		t.Errorf("service network %v", nc)
	}
	if cb := svc.Inputs["deploymentCircuitBreaker"].ObjectValue(); !cb["rollback"].BoolValue() {
		t.Error("circuit breaker with rollback must be on")
	}
	if !d.DependsOnType(svc, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders") || !d.DependsOnType(svc, "aws:lb/listener:Listener") {
		t.Errorf("service dependencies %v: want the capacity association and the listeners", svc.Dependencies)
	}
}

// The Fargate path keeps its own association and no placement strategies.
func TestServiceOnFargateHasNoPlacement(t *testing.T) {
	d := runService(t, serviceArgs())
	if n := len(d.OfType("aws:autoscaling/group:Group")); n != 0 {
		t.Errorf("%d Auto Scaling groups on Fargate", n)
	}
	assoc := d.One(t, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders")
	if got := assoc.Inputs["capacityProviders"].ArrayValue(); len(got) != 2 {
		t.Errorf("Fargate association %v", got)
	}
	if p, ok := d.One(t, "aws:ecs/service:Service").Inputs["orderedPlacementStrategies"]; ok && len(p.ArrayValue()) > 0 {
		t.Errorf("placement strategies %v on Fargate", p)
	}
}

func TestServiceOnEC2InvalidArgs(t *testing.T) {
	cases := []struct {
		name   string
		change func(a *ServiceArgs)
		want   string
	}{
		{"fargate providers", func(a *ServiceArgs) { a.CapacityProviders = []CapacityProvider{{Name: "FARGATE", Weight: 1}} }, "CapacityProviders are Fargate providers"},
		{"task too big", func(a *ServiceArgs) { a.CPU, a.Memory = 2048, 8192 }, "does not fit a t3.large"},
		{"unknown type", func(a *ServiceArgs) { a.EC2.InstanceTypes = []string{"x9.huge"} }, `instance type "x9.huge" has no sizing entry: use one of c6i.2xlarge`},
		{"architecture", func(a *ServiceArgs) { a.EC2.InstanceTypes = []string{"t4g.large"} }, "CPUArchitecture X86_64 does not match the ARM64 instance types"},
		{"one instance", func(a *ServiceArgs) { a.EC2.MinInstances = 1 }, "MinInstances 1 instance(s)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := ec2ServiceArgs()
			tc.change(args)
			d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
				_, err := NewService(ctx, "svc", args)
				return err
			})
			d.AssertRefused(t, err, tc.want)
		})
	}
}

// The capacity provider's name derives from the service's: ECS reserves some prefixes.
func TestServiceOnEC2ReservedName(t *testing.T) {
	d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
		_, err := NewService(ctx, "ecs-svc", ec2ServiceArgs())
		return err
	})
	d.AssertRefused(t, err, "which ECS refuses at the start of a capacity provider name")
}

func TestEC2TasksPerInstance(t *testing.T) {
	cases := []struct {
		types       []string
		cpu, memory int
		want        int
	}{
		{[]string{"t3.medium"}, 256, 512, 2},                // network interfaces: 3 - 1
		{[]string{"m6i.4xlarge"}, 1024, 2048, 7},            // 8 - 1
		{[]string{"m6i.4xlarge"}, 4096, 8192, 4},            // CPU: 16 vCPU / 4
		{[]string{"r6i.2xlarge"}, 256, 20480, 2},            // memory: 57.6 GiB usable / 20 GiB
		{[]string{"c6i.xlarge"}, 1024, 4096, 1},             // memory: 7372 MiB usable / 4096
		{[]string{"m6i.2xlarge", "t3.medium"}, 256, 512, 2}, // the smallest type counts
	}
	for _, c := range cases {
		got, err := EC2TasksPerInstance(c.types, c.cpu, c.memory)
		if err != nil || got != c.want {
			t.Errorf("%v %d/%d: %d, %v; want %d", c.types, c.cpu, c.memory, got, err, c.want)
		}
	}
	for _, bad := range []struct {
		types       []string
		cpu, memory int
	}{{[]string{"t3.medium"}, 4096, 512}, {[]string{"t3.medium"}, 256, 3800}, {[]string{"t3.medium"}, 64, 512}, {nil, 256, 512}} {
		if n, err := EC2TasksPerInstance(bad.types, bad.cpu, bad.memory); err == nil {
			t.Errorf("%v %d/%d accepted (%d per instance)", bad.types, bad.cpu, bad.memory, n)
		}
	}
	for _, typ := range EC2SupportedInstanceTypes() {
		if !instanceTypePattern.MatchString(typ) {
			t.Errorf("table entry %q is not an instance type", typ)
		}
	}
}

// With a fixed cluster name the provider gets a fixed name, which the service's strategy names:
// known during preview, so policies see an EC2 service.
func TestServiceOnEC2FixedNames(t *testing.T) {
	args := ec2ServiceArgs()
	args.ClusterName = "web-test"
	d := runService(t, args)
	if got := d.One(t, "aws:ecs/capacityProvider:CapacityProvider").Inputs["name"].StringValue(); got != "web-test-ec2" {
		t.Errorf("capacity provider name %q, want web-test-ec2", got)
	}
	strategy := d.One(t, "aws:ecs/service:Service").Inputs["capacityProviderStrategies"].ArrayValue()
	if len(strategy) != 1 || strategy[0].ObjectValue()["capacityProvider"].StringValue() != "web-test-ec2" {
		t.Errorf("service strategy %v, want web-test-ec2", strategy)
	}

	for name, want := range map[string]string{
		"ecs-web": `Name "ecs-web-ec2" starts with "ecs"`,
		"web.app": `Name "web.app-ec2" is not a capacity provider name`,
	} {
		t.Run(name, func(t *testing.T) {
			args := ec2ServiceArgs()
			args.ClusterName = name
			d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
				_, err := NewService(ctx, "svc", args)
				return err
			})
			d.AssertRefused(t, err, want)
		})
	}
}
