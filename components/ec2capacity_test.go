package components

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

const (
	ec2TypeLaunchTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
	ec2TypeGroup          = "aws:autoscaling/group:Group"
	ec2TypeProvider       = "aws:ecs/capacityProvider:CapacityProvider"
	ec2TypeAssociation    = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
	ec2TypeSecurityGroup  = "aws:ec2/securityGroup:SecurityGroup"
	ec2TypeAttachment     = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
)

// ec2TestArgs are valid args with three plain private subnets.
func ec2TestArgs() *EC2CapacityArgs {
	return &EC2CapacityArgs{
		ClusterName: pulumi.String("web-cluster"),
		VPCID:       pulumi.String("vpc-0123"),
		SubnetIDs:   pulumi.StringArray{pulumi.String("subnet-a"), pulumi.String("subnet-b"), pulumi.String("subnet-c")},
	}
}

// ec2Outputs are the component's resolved outputs, in field order.
type ec2Outputs struct {
	CapacityProviderName, AutoScalingGroupName, AutoScalingGroupARN, LaunchTemplateID, SecurityGroupID, ServiceStrategyProvider string
}

// runEC2Capacity builds an EC2Capacity named "web" under the double and resolves its outputs.
func runEC2Capacity(t *testing.T, args *EC2CapacityArgs) (*clouddouble.Double, ec2Outputs) {
	t.Helper()
	var got ec2Outputs
	d, err := runEC2Double(func(ctx *pulumi.Context) error {
		c, err := NewEC2Capacity(ctx, "web", args)
		if err != nil {
			return err
		}
		strategy := c.ServiceCapacityProviderStrategies().ToServiceCapacityProviderStrategyArrayOutput().Index(pulumi.Int(0)).CapacityProvider()
		pulumi.All(c.CapacityProviderName, c.AutoScalingGroupName, c.AutoScalingGroupARN, c.LaunchTemplateID, c.SecurityGroupID, strategy).ApplyT(func(v []any) error {
			got = ec2Outputs{v[0].(string), v[1].(string), v[2].(string), v[3].(string), v[4].(string), v[5].(string)}
			return nil
		})
		return nil
	})
	if err != nil {
		t.Fatalf("NewEC2Capacity: %v", err)
	}
	if len(d.Invokes()) > 0 {
		t.Errorf("invokes %v: the AMI comes from resolve:ssm at launch, no lookup is needed", d.Invokes())
	}
	return d, got
}

func TestEC2CapacityLaunchTemplate(t *testing.T) {
	d, out := runEC2Capacity(t, ec2TestArgs())
	lt := d.One(t, ec2TypeLaunchTemplate).Inputs

	clouddouble.Want(t, "imageId", clouddouble.Path(lt, "imageId"), "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id")
	clouddouble.Want(t, "metadataOptions.httpTokens", clouddouble.Path(lt, "metadataOptions", "httpTokens"), "required")
	clouddouble.Want(t, "metadataOptions.httpPutResponseHopLimit", clouddouble.Path(lt, "metadataOptions", "httpPutResponseHopLimit"), 1)
	clouddouble.Want(t, "metadataOptions.httpEndpoint", clouddouble.Path(lt, "metadataOptions", "httpEndpoint"), "enabled")

	if n := len(clouddouble.Path(lt, "networkInterfaces").ArrayValue()); n != 1 {
		t.Fatalf("%d network interfaces, want 1", n)
	}
	clouddouble.Want(t, "networkInterfaces[0].associatePublicIpAddress", clouddouble.Path(lt, "networkInterfaces", 0, "associatePublicIpAddress"), "false")
	if sgs := clouddouble.Strings(clouddouble.Path(lt, "networkInterfaces", 0, "securityGroups")); !slices.Equal(sgs, []string{out.SecurityGroupID}) {
		t.Errorf("instance security groups %v, want only the component's %s", sgs, out.SecurityGroupID)
	}
	if v := clouddouble.Path(lt, "vpcSecurityGroupIds"); v.HasValue() {
		t.Errorf("vpcSecurityGroupIds %v set beside networkInterfaces: EC2 refuses both", v)
	}

	if n := len(clouddouble.Path(lt, "blockDeviceMappings").ArrayValue()); n != 1 {
		t.Fatalf("%d block device mappings, want 1 (the root volume)", n)
	}
	clouddouble.Want(t, "root deviceName", clouddouble.Path(lt, "blockDeviceMappings", 0, "deviceName"), "/dev/xvda")
	clouddouble.Want(t, "root ebs.encrypted", clouddouble.Path(lt, "blockDeviceMappings", 0, "ebs", "encrypted"), "true")
	clouddouble.Want(t, "root ebs.volumeType", clouddouble.Path(lt, "blockDeviceMappings", 0, "ebs", "volumeType"), "gp3")
	clouddouble.Want(t, "root ebs.volumeSize", clouddouble.Path(lt, "blockDeviceMappings", 0, "ebs", "volumeSize"), 30)
	clouddouble.Want(t, "monitoring.enabled", clouddouble.Path(lt, "monitoring", "enabled"), true)

	profile := d.One(t, "aws:iam/instanceProfile:InstanceProfile")
	clouddouble.Want(t, "iamInstanceProfile.arn", clouddouble.Path(lt, "iamInstanceProfile", "arn"), "arn:aws:double:us-east-1:123456789012:"+profile.Name)
	if out.LaunchTemplateID != "web-id" {
		t.Errorf("LaunchTemplateID output %q, want the template's id web-id", out.LaunchTemplateID)
	}
}

func TestEC2CapacityGravitonUsesArm64AMI(t *testing.T) {
	args := ec2TestArgs()
	args.InstanceTypes = []string{"m7g.large", "c7gn.large"}
	args.RootVolumeSizeGiB = 50
	d, _ := runEC2Capacity(t, args)
	lt := d.One(t, ec2TypeLaunchTemplate).Inputs
	clouddouble.Want(t, "imageId", clouddouble.Path(lt, "imageId"), "resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id")
	clouddouble.Want(t, "root ebs.volumeSize", clouddouble.Path(lt, "blockDeviceMappings", 0, "ebs", "volumeSize"), 50)
}

func TestEC2InstanceArchitecture(t *testing.T) {
	for typ, want := range map[string]string{
		"t4g.small": "ARM64", "m7gd.2xlarge": "ARM64", "c7gn.large": "ARM64", "g5g.xlarge": "ARM64", "is4gen.large": "ARM64",
		"a1.large": "ARM64", "a1.metal": "ARM64",
		"t3.medium": "X86_64", "g4dn.xlarge": "X86_64", "g4ad.xlarge": "X86_64", "m7i-flex.large": "X86_64", "u-6tb1.metal": "X86_64",
	} {
		if got := EC2InstanceArchitecture(typ); got != want {
			t.Errorf("EC2InstanceArchitecture(%q) = %s, want %s", typ, got, want)
		}
	}
}

func TestEC2CapacityInstanceProfileHasOnlyECSPermissions(t *testing.T) {
	const (
		ecsRole = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
		ssmCore = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
	)
	for _, tc := range []struct {
		sessionManager bool
		want           []string
	}{
		{false, []string{ecsRole}},
		{true, []string{ssmCore, ecsRole}}, // sorted
	} {
		args := ec2TestArgs()
		args.SessionManagerAccess = tc.sessionManager
		d, _ := runEC2Capacity(t, args)

		var got []string
		for _, a := range d.OfType(ec2TypeAttachment) {
			got = append(got, clouddouble.Path(a.Inputs, "policyArn").StringValue())
		}
		slices.Sort(got) // registrations arrive concurrently
		if !slices.Equal(got, tc.want) {
			t.Errorf("SessionManagerAccess=%v: role policies %v, want exactly %v", tc.sessionManager, got, tc.want)
		}
		if n := len(d.OfType("aws:iam/rolePolicy:RolePolicy")); n != 0 {
			t.Errorf("%d inline role policies, want none", n)
		}
		role := d.One(t, "aws:iam/role:Role").Inputs
		var trust struct {
			Statement []struct {
				Effect    string
				Principal map[string]string
				Action    []string
			}
		}
		if err := json.Unmarshal([]byte(clouddouble.Path(role, "assumeRolePolicy").StringValue()), &trust); err != nil {
			t.Fatalf("assumeRolePolicy: %v", err)
		}
		if len(trust.Statement) != 1 || trust.Statement[0].Principal["Service"] != "ec2.amazonaws.com" || !slices.Equal(trust.Statement[0].Action, []string{"sts:AssumeRole"}) {
			t.Errorf("trust policy %+v, want EC2 alone may assume the role", trust.Statement)
		}
		if deps := d.One(t, "aws:iam/instanceProfile:InstanceProfile").Dependencies; len(deps) < len(tc.want) {
			t.Errorf("instance profile depends on %v, want every policy attachment among them", deps)
		}
	}
}

// ec2ECSConfig decodes the launch template's user data and returns the lines it appends to
// /etc/ecs/ecs.config.
func ec2ECSConfig(t *testing.T, d *clouddouble.Double) []string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(clouddouble.Path(d.One(t, ec2TypeLaunchTemplate).Inputs, "userData").StringValue())
	if err != nil {
		t.Fatalf("userData is not base64: %v", err)
	}
	script := string(raw)
	const open = "cat >> /etc/ecs/ecs.config <<'EOF'\n"
	start := strings.Index(script, open)
	end := strings.LastIndex(script, "\nEOF\n")
	if !strings.HasPrefix(script, "#!/bin/bash\n") || start < 0 || end < start {
		t.Fatalf("user data does not append a quoted heredoc to /etc/ecs/ecs.config:\n%s", script)
	}
	return strings.Split(script[start+len(open):end], "\n")
}

func TestEC2CapacityUserDataJoinsCluster(t *testing.T) {
	for _, tc := range []struct {
		spot, stopTimeout int
		want              []string
	}{
		{0, 0, []string{"ECS_CLUSTER=web-cluster", "ECS_ENABLE_TASK_IAM_ROLE=true", "ECS_AWSVPC_BLOCK_IMDS=true", "ECS_CONTAINER_STOP_TIMEOUT=30s"}},
		{40, 45, []string{"ECS_CLUSTER=web-cluster", "ECS_ENABLE_TASK_IAM_ROLE=true", "ECS_AWSVPC_BLOCK_IMDS=true", "ECS_CONTAINER_STOP_TIMEOUT=45s", "ECS_ENABLE_SPOT_INSTANCE_DRAINING=true"}},
	} {
		args := ec2TestArgs()
		args.SpotInstancePercent = tc.spot
		args.ContainerStopTimeoutSeconds = tc.stopTimeout
		d, _ := runEC2Capacity(t, args)
		if got := ec2ECSConfig(t, d); !slices.Equal(got, tc.want) {
			t.Errorf("spot %d%%, stop timeout %d: ecs.config lines\n%q\nwant\n%q", tc.spot, tc.stopTimeout, got, tc.want)
		}
	}
}

func TestEC2CapacityAutoScalingGroup(t *testing.T) {
	args := ec2TestArgs()
	args.InstanceTypes = []string{"m6i.large", "m5.large"}
	args.MinInstances, args.MaxInstances = 3, 9
	args.SpotInstancePercent = 25
	d, out := runEC2Capacity(t, args)
	asg := d.One(t, ec2TypeGroup)
	in := asg.Inputs

	if got := clouddouble.Strings(clouddouble.Path(in, "vpcZoneIdentifiers")); !slices.Equal(got, []string{"subnet-a", "subnet-b", "subnet-c"}) {
		t.Errorf("vpcZoneIdentifiers %v, want the three private subnets", got)
	}
	clouddouble.Want(t, "minSize", clouddouble.Path(in, "minSize"), 3)
	clouddouble.Want(t, "maxSize", clouddouble.Path(in, "maxSize"), 9)
	clouddouble.Want(t, "desiredCapacity", clouddouble.Path(in, "desiredCapacity"), 3)
	if !slices.Contains(asg.IgnoreChanges, "desiredCapacity") {
		t.Errorf("ignoreChanges %v, want desiredCapacity (ECS managed scaling owns it)", asg.IgnoreChanges)
	}
	clouddouble.Want(t, "capacityRebalance", clouddouble.Path(in, "capacityRebalance"), true)
	clouddouble.Want(t, "protectFromScaleIn", clouddouble.Path(in, "protectFromScaleIn"), true)
	clouddouble.Want(t, "healthCheckGracePeriod", clouddouble.Path(in, "healthCheckGracePeriod"), 300)

	clouddouble.Want(t, "instanceRefresh.strategy", clouddouble.Path(in, "instanceRefresh", "strategy"), "Rolling")
	clouddouble.Want(t, "instanceRefresh minHealthyPercentage", clouddouble.Path(in, "instanceRefresh", "preferences", "minHealthyPercentage"), 90)
	clouddouble.Want(t, "instanceRefresh maxHealthyPercentage", clouddouble.Path(in, "instanceRefresh", "preferences", "maxHealthyPercentage"), 150)
	clouddouble.Want(t, "instanceRefresh scaleInProtectedInstances", clouddouble.Path(in, "instanceRefresh", "preferences", "scaleInProtectedInstances"), "Refresh")

	spec := clouddouble.Path(in, "mixedInstancesPolicy", "launchTemplate", "launchTemplateSpecification")
	clouddouble.Want(t, "launch template id", clouddouble.Path(spec.ObjectValue(), "launchTemplateId"), "web-id")
	clouddouble.Want(t, "launch template version", clouddouble.Path(spec.ObjectValue(), "version"), "3")
	var types []string
	for _, o := range clouddouble.Path(in, "mixedInstancesPolicy", "launchTemplate", "overrides").ArrayValue() {
		types = append(types, clouddouble.Path(o.ObjectValue(), "instanceType").StringValue())
	}
	if !slices.Equal(types, args.InstanceTypes) {
		t.Errorf("instance type overrides %v, want %v", types, args.InstanceTypes)
	}
	dist := clouddouble.Path(in, "mixedInstancesPolicy", "instancesDistribution").ObjectValue()
	clouddouble.Want(t, "onDemandPercentageAboveBaseCapacity", clouddouble.Path(dist, "onDemandPercentageAboveBaseCapacity"), 75)
	clouddouble.Want(t, "onDemandBaseCapacity", clouddouble.Path(dist, "onDemandBaseCapacity"), 0)
	clouddouble.Want(t, "spotAllocationStrategy", clouddouble.Path(dist, "spotAllocationStrategy"), "capacity-optimized")

	var managedTag bool
	for _, tag := range clouddouble.Path(in, "tags").ArrayValue() {
		tg := tag.ObjectValue()
		managedTag = managedTag || (tg["key"].StringValue() == "AmazonECSManaged" && tg["value"].StringValue() == "true" && tg["propagateAtLaunch"].BoolValue())
	}
	if !managedTag {
		t.Errorf("tags %v lack AmazonECSManaged=true propagated at launch", clouddouble.Path(in, "tags"))
	}
	if out.AutoScalingGroupName != "web-double" || out.AutoScalingGroupARN != "arn:aws:double:us-east-1:123456789012:web" {
		t.Errorf("group outputs %q %q, want the group's name and ARN", out.AutoScalingGroupName, out.AutoScalingGroupARN)
	}
}

func TestEC2CapacityProviderIsClusterDefault(t *testing.T) {
	args := ec2TestArgs()
	args.MaxInstances = 6
	args.TargetCapacityPercent = 80
	args.AdditionalCapacityProviders = []string{"FARGATE", "FARGATE_SPOT"}
	d, out := runEC2Capacity(t, args)

	cp := d.One(t, ec2TypeProvider).Inputs
	asgp := clouddouble.Path(cp, "autoScalingGroupProvider").ObjectValue()
	clouddouble.Want(t, "autoScalingGroupArn", clouddouble.Path(asgp, "autoScalingGroupArn"), "arn:aws:double:us-east-1:123456789012:web")
	clouddouble.Want(t, "managedTerminationProtection", clouddouble.Path(asgp, "managedTerminationProtection"), "ENABLED")
	clouddouble.Want(t, "managedDraining", clouddouble.Path(asgp, "managedDraining"), "ENABLED")
	clouddouble.Want(t, "managedScaling.status", clouddouble.Path(asgp, "managedScaling", "status"), "ENABLED")
	clouddouble.Want(t, "managedScaling.targetCapacity", clouddouble.Path(asgp, "managedScaling", "targetCapacity"), 80)
	clouddouble.Want(t, "managedScaling.minimumScalingStepSize", clouddouble.Path(asgp, "managedScaling", "minimumScalingStepSize"), 1)
	clouddouble.Want(t, "managedScaling.maximumScalingStepSize", clouddouble.Path(asgp, "managedScaling", "maximumScalingStepSize"), 6)

	assoc := d.One(t, ec2TypeAssociation).Inputs
	clouddouble.Want(t, "clusterName", clouddouble.Path(assoc, "clusterName"), "web-cluster")
	if got := clouddouble.Strings(clouddouble.Path(assoc, "capacityProviders")); !slices.Equal(got, []string{"web-double", "FARGATE", "FARGATE_SPOT"}) {
		t.Errorf("cluster capacity providers %v, want this one then the additional ones", got)
	}
	strategies := clouddouble.Path(assoc, "defaultCapacityProviderStrategies").ArrayValue()
	if len(strategies) != 1 {
		t.Fatalf("%d default strategies, want 1", len(strategies))
	}
	clouddouble.Want(t, "default strategy provider", clouddouble.Path(strategies[0].ObjectValue(), "capacityProvider"), "web-double")
	clouddouble.Want(t, "default strategy weight", clouddouble.Path(strategies[0].ObjectValue(), "weight"), 1)

	if out.CapacityProviderName != "web-double" || out.ServiceStrategyProvider != "web-double" {
		t.Errorf("CapacityProviderName %q, service strategy provider %q, want web-double", out.CapacityProviderName, out.ServiceStrategyProvider)
	}
}

func TestEC2CapacitySecurityGroupHasNoIngress(t *testing.T) {
	d, out := runEC2Capacity(t, ec2TestArgs())
	sg := d.One(t, ec2TypeSecurityGroup)
	clouddouble.Want(t, "vpcId", clouddouble.Path(sg.Inputs, "vpcId"), "vpc-0123")
	if ingress := clouddouble.Path(sg.Inputs, "ingress"); !ingress.IsArray() || len(ingress.ArrayValue()) != 0 {
		t.Errorf("ingress %v, want an explicit empty list", ingress)
	}
	egress := clouddouble.Path(sg.Inputs, "egress").ArrayValue()
	if len(egress) != 1 {
		t.Fatalf("%d egress rules, want 1", len(egress))
	}
	e := egress[0].ObjectValue()
	clouddouble.Want(t, "egress protocol", clouddouble.Path(e, "protocol"), "tcp")
	clouddouble.Want(t, "egress fromPort", clouddouble.Path(e, "fromPort"), 443)
	clouddouble.Want(t, "egress toPort", clouddouble.Path(e, "toPort"), 443)
	if out.SecurityGroupID != sg.Name+"-id" {
		t.Errorf("SecurityGroupID %q, want %s-id", out.SecurityGroupID, sg.Name)
	}
}

// The placement helper as the policy pack sees it: on a registered ECS service.
func TestEC2PlacementStrategiesSpreadAZFirst(t *testing.T) {
	d, err := runEC2Double(func(ctx *pulumi.Context) error {
		_, err := ecs.NewService(ctx, "svc", &ecs.ServiceArgs{OrderedPlacementStrategies: EC2PlacementStrategies()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, s := range clouddouble.Path(d.One(t, "aws:ecs/service:Service").Inputs, "orderedPlacementStrategies").ArrayValue() {
		o := s.ObjectValue()
		got = append(got, [2]string{o["type"].StringValue(), o["field"].StringValue()})
	}
	want := [][2]string{{"spread", "attribute:ecs.availability-zone"}, {"binpack", "memory"}}
	if !slices.Equal(got, want) {
		t.Errorf("orderedPlacementStrategies %v, want %v", got, want)
	}
}

func TestEC2CapacityInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(a *EC2CapacityArgs)
		called string // component name, default "web"
		want   string
	}{
		{"reserved name prefix", func(a *EC2CapacityArgs) {}, "ecs-capacity", `which ECS refuses at the start of a capacity provider name`},
		{"no cluster", func(a *EC2CapacityArgs) { a.ClusterName = nil }, "", "ClusterName, VPCID and SubnetIDs are required"},
		{"one subnet", func(a *EC2CapacityArgs) { a.SubnetIDs = pulumi.StringArray{pulumi.String("subnet-a")} }, "", "SubnetIDs has 1 subnet(s): give at least 2"},
		{"bad instance type", func(a *EC2CapacityArgs) { a.InstanceTypes = []string{"large"} }, "", `InstanceTypes "large" is not an EC2 instance type`},
		{"duplicate instance type", func(a *EC2CapacityArgs) { a.InstanceTypes = []string{"m5.large", "m5.large"} }, "", "InstanceTypes m5.large is listed twice"},
		{"mixed architectures", func(a *EC2CapacityArgs) { a.InstanceTypes = []string{"m5.large", "m6g.large"} }, "", "m6g.large is ARM64, but the instances must run X86_64 tasks"},
		{"one instance", func(a *EC2CapacityArgs) { a.MinInstances = 1 }, "", "MinInstances 1 instance(s)"},
		{"max below min", func(a *EC2CapacityArgs) { a.MinInstances, a.MaxInstances = 4, 3 }, "", "MaxInstances 3 is below the minimum of 4"},
		{"target above 100", func(a *EC2CapacityArgs) { a.TargetCapacityPercent = 101 }, "", "TargetCapacityPercent 101 is out of range: use a value from 1 to 100"},
		{"negative target", func(a *EC2CapacityArgs) { a.TargetCapacityPercent = -1 }, "", "TargetCapacityPercent -1 is out of range"},
		{"spot above 100", func(a *EC2CapacityArgs) { a.SpotInstancePercent = 101 }, "", "SpotInstancePercent 101 is out of range"},
		{"negative spot", func(a *EC2CapacityArgs) { a.SpotInstancePercent = -5 }, "", "SpotInstancePercent -5 is out of range"},
		{"small root volume", func(a *EC2CapacityArgs) { a.RootVolumeSizeGiB = 20 }, "", "RootVolumeSizeGiB 20 is out of range: use a value from 30"},
		{"ami id for parameter", func(a *EC2CapacityArgs) { a.AMIParameterName = "ami-0abc" }, "", `AMIParameterName "ami-0abc" is not an SSM parameter name`},
		{"stop timeout too long", func(a *EC2CapacityArgs) { a.ContainerStopTimeoutSeconds = 300 }, "", "ContainerStopTimeoutSeconds is 300: use 2 to 120"},
		{"provider twice", func(a *EC2CapacityArgs) { a.AdditionalCapacityProviders = []string{"FARGATE", "FARGATE"} }, "", `AdditionalCapacityProviders[1] "FARGATE" is empty or listed twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := ec2TestArgs()
			tc.edit(args)
			name := tc.called
			if name == "" {
				name = "web"
			}
			var err error // NewEC2Capacity's own error; RunErr wraps it in a multierror
			d, runErr := runEC2Double(func(ctx *pulumi.Context) error {
				_, err = NewEC2Capacity(ctx, name, args)
				return err
			})
			if runErr == nil {
				t.Fatalf("the run succeeded, want it refused with %q", tc.want)
			}
			d.AssertRefused(t, err, tc.want)
			if err == nil {
				return
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != 1 {
				t.Errorf("%d problems reported, want exactly this one: %v", n, err)
			}
		})
	}
}
