package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// awsxVPCStack builds the shape components.Network registers through awsx ec2.Vpc: the component, its aws Vpc child
// and per AZ a public and a private subnet. known sets subnet ids (after an update).
func awsxVPCStack(name string, azs []string, known bool) []Resource {
	vpc := res(typeAwsxVPC, name, map[string]any{"numberOfAvailabilityZones": len(azs)})
	out := []Resource{vpc}
	inner := res("aws:ec2/vpc:Vpc", name, map[string]any{"cidrBlock": "10.0.0.0/16"})
	inner.Parent = vpc.URN
	out = append(out, inner)
	for i, az := range azs {
		for _, kind := range []string{"public", "private"} {
			sn := fmt.Sprintf("%s-%s-%d", name, kind, i+1)
			props := map[string]any{"availabilityZone": az, "mapPublicIpOnLaunch": kind == "public",
				"tags": map[string]any{"Name": sn, "SubnetType": strings.ToUpper(kind[:1]) + kind[1:]}}
			if known {
				props["id"] = "subnet-" + sn
			}
			s := res(typeSubnet, sn, props)
			s.Parent = vpc.URN
			out = append(out, s)
		}
	}
	return out
}

// serviceOn is an ECS service whose subnets are ids (known) or unknown with a property
// dependency on deps (a first preview).
func serviceOn(subnets any, deps ...string) Resource {
	svc := service(map[string]any{"desiredCount": 2, "networkConfiguration": awsvpc(subnets)})
	svc.PropertyDependencies = map[string][]string{"networkConfiguration": append([]string{"urn:sg"}, deps...)}
	return svc
}

type stackCase struct {
	name  string
	stack []Resource
	cfg   *Config
	want  []string
}

// spanCases are the subnet-count cases both stack rules share (they share checkSubnetsSpanAZs):
// on builds the resource with its subnet list and dependencies, field is where the list lives.
// A subnet lies in one zone, so a list reaches at most as many zones as it has entries, even
// when the entries are unknown during preview.
func spanCases(on func(any, ...string) Resource, field string) []stackCase {
	threeAZs := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b", "us-east-1c"}, false)
	sharedAZ := awsxVPCStack("net", []string{"us-east-1a", "us-east-1a", "us-east-1b"}, false)
	oneAZKnown := awsxVPCStack("net", []string{"us-east-1a", "us-east-1a", "us-east-1a"}, true)
	twoKnown := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b"}, true)
	vpcURN := threeAZs[0].URN
	u := unknownValue
	three := Config{MinimumAvailabilityZones: 3}
	with := func(stack []Resource, r Resource) []Resource { return append(slices.Clone(stack), r) }
	return []stackCase{
		{"preview: one unknown entry, awsx VPC with 3 private subnets in 3 AZs", with(threeAZs, on([]any{u}, vpcURN)), nil, []string{"V " + field}},
		{"preview: two unknown entries, awsx VPC with 3 private subnets in 3 AZs", with(threeAZs, on([]any{u, u}, vpcURN)), nil, nil},
		{"preview: two unknown entries, 3 required", with(threeAZs, on([]any{u, u}, vpcURN)), &three, []string{"V " + field}},
		{"preview: three unknown entries, 3 required", with(threeAZs, on([]any{u, u, u}, vpcURN)), &three, nil},
		{"preview: two unknown entries, candidates share an AZ", with(sharedAZ, on([]any{u, u}, vpcURN)), nil, []string{"U " + field}},
		{"preview: unknown entries outnumber the candidates", with(threeAZs, on([]any{u, u, u, u}, vpcURN)), &three, []string{"U " + field}},
		{"preview: whole list unknown, awsx VPC with 3 AZs", with(threeAZs, on(u, vpcURN)), nil, []string{"U " + field}},
		{"preview: a known id and an unknown entry may share its AZ", with(twoKnown, on([]any{"subnet-net-private-1", u}, twoKnown[0].URN)), nil,
			[]string{"U " + field}},
		{"preview: one unknown entry, direct subnets in two AZs", with(threeAZs,
			on([]any{u}, byName(threeAZs, "net-private-1").URN, byName(threeAZs, "net-private-2").URN)), nil, []string{"V " + field}},
		{"preview: one unknown entry, no resolvable dependency", with(threeAZs, on([]any{u})), nil, []string{"V " + field}},
		{"update: known ids in one AZ", with(oneAZKnown, on([]string{"subnet-net-private-1", "subnet-net-private-2", "subnet-net-private-3"})), nil,
			[]string{"V " + field}},
	}
}

func TestServiceSubnetsSpanAZs(t *testing.T) {
	two := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b"}, false)
	twoKnown := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b"}, true)
	sameAZ := awsxVPCStack("net", []string{"us-east-1a", "us-east-1a"}, true)
	vpcURN := two[0].URN
	unknownAZ := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b"}, true)
	for i := range unknownAZ {
		if unknownAZ[i].Name == "net-private-2" {
			unknownAZ[i].Props = unknownAZ[i].Props.Set("availabilityZone", unknownValue)
		}
	}
	three := Config{MinimumAvailabilityZones: 3}
	cases := []stackCase{
		{"preview: three required, VPC has two", append(slices.Clone(two), serviceOn(unknownValue, vpcURN)), &three,
			[]string{"V networkConfiguration.subnets"}},
		{"preview: direct subnet dependencies in one AZ", append(slices.Clone(two), serviceOn(unknownValue, byName(two, "net-private-1").URN)), nil,
			[]string{"V networkConfiguration.subnets"}},
		{"preview: direct subnet dependencies in two AZs", append(slices.Clone(two),
			serviceOn(unknownValue, byName(two, "net-private-1").URN, byName(two, "net-public-2").URN)), nil, nil},
		{"preview: no resolvable dependency", append(slices.Clone(two), serviceOn(unknownValue)), nil,
			[]string{"U networkConfiguration.subnets"}},
		{"update: ids resolve", append(slices.Clone(twoKnown), serviceOn([]string{"subnet-net-private-1", "subnet-net-private-2"})), nil, nil},
		{"update: both subnets in one AZ", append(slices.Clone(sameAZ), serviceOn([]string{"subnet-net-private-1", "subnet-net-private-2"})), nil,
			[]string{"V networkConfiguration.subnets"}},
		{"update: one subnet", append(slices.Clone(twoKnown), serviceOn([]string{"subnet-net-private-1"})), nil,
			[]string{"V networkConfiguration.subnets"}},
		{"existing subnets outside the stack", append(slices.Clone(twoKnown), serviceOn([]string{"subnet-0abc", "subnet-0def"})), nil,
			[]string{"U networkConfiguration.subnets"}},
		{"one outside subnet and one known AZ", append(slices.Clone(twoKnown), serviceOn([]string{"subnet-net-private-1", "subnet-0def"})), nil,
			[]string{"U networkConfiguration.subnets"}},
		{"subnet AZ unknown", append(slices.Clone(unknownAZ), serviceOn([]string{"subnet-net-private-1", "subnet-net-private-2"})), nil,
			[]string{"U networkConfiguration.subnets"}},
		{"one service's violation does not hide another's unknowns", append(slices.Clone(two),
			serviceOn(unknownValue, byName(two, "net-private-1").URN), renamed(serviceOn(unknownValue), "other")), nil,
			[]string{"U networkConfiguration.subnets", "V networkConfiguration.subnets"}},
		{"non-awsvpc services are the resource rule's", []Resource{service(map[string]any{"launchType": "EC2"})}, nil, nil},
	}
	cases = append(cases, spanCases(serviceOn, "networkConfiguration.subnets")...)
	rule := Lookup(PolicyServiceSubnetsSpanAZs)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				cfg = *tc.cfg
			}
			fs := rule.CheckStack(tc.stack, cfg, Mandatory)
			if got := summary(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("findings = %q, want %q\n%s", got, tc.want, messages(fs))
			}
			for _, f := range fs {
				if !strings.Contains(f.URN, typeService) {
					t.Errorf("finding about %q, want a service", f.URN)
				}
			}
		})
	}
}

func renamed(r Resource, name string) Resource {
	r.Name, r.URN = name, strings.TrimSuffix(r.URN, r.Name)+name
	return r
}

// TestServiceSubnetsSpanAZsMessage checks that each outcome says why: the resolved zones and
// what is unresolved, the entry count that proves a violation, the candidates that keep a preview
// from deciding.
func TestServiceSubnetsSpanAZsMessage(t *testing.T) {
	sameAZ := awsxVPCStack("net", []string{"us-east-1a", "us-east-1a"}, true)
	threeAZs := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b", "us-east-1c"}, false)
	sharedAZ := awsxVPCStack("net", []string{"us-east-1a", "us-east-1a", "us-east-1b"}, false)
	u := unknownValue
	for _, tc := range []struct {
		name  string
		stack []Resource
		want  []string
	}{
		{"outside subnet", append(slices.Clone(sameAZ), serviceOn([]string{"subnet-net-private-1", "subnet-0outside"})),
			[]string{`resolve to 1 Availability Zone (us-east-1a)`, `subnet "subnet-0outside" is not a subnet resource of this stack`}},
		{"one unknown entry", append(slices.Clone(threeAZs), serviceOn([]any{u}, threeAZs[0].URN)),
			[]string{`lists 1 subnet (1 unknown during preview), so it spans at most 1 Availability Zone; at least 2 are required. Fix: `}},
		{"candidates share an AZ", append(slices.Clone(sharedAZ), serviceOn([]any{u, u}, sharedAZ[0].URN)),
			[]string{`net-private-1 (us-east-1a), net-private-2 (us-east-1a), net-private-3 (us-east-1b) its 2 unknown entries name cannot be known during preview`,
				"cannot be verified"}},
		{"whole list unknown", append(slices.Clone(threeAZs), serviceOn(u, threeAZs[0].URN)),
			[]string{"the subnet list is unknown during preview, so how many and which", "cannot be verified"}},
	} {
		fs := Lookup(PolicyServiceSubnetsSpanAZs).CheckStack(tc.stack, DefaultConfig(), Mandatory)
		if len(fs) != 1 {
			t.Errorf("%s: %d findings, want 1:\n%s", tc.name, len(fs), messages(fs))
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(fs[0].Message, w) {
				t.Errorf("%s: message lacks %q:\n%s", tc.name, w, fs[0].Message)
			}
		}
	}
}

// asgOn is an Auto Scaling group whose vpcZoneIdentifiers are ids (known) or unknown with a
// property dependency on deps (a first preview).
func asgOn(subnets any, deps ...string) Resource {
	asg := res(typeASG, "asg", map[string]any{"minSize": 2, "maxSize": 4, "vpcZoneIdentifiers": subnets})
	asg.PropertyDependencies = map[string][]string{"vpcZoneIdentifiers": deps}
	return asg
}

func TestASGSubnetsSpanAZs(t *testing.T) {
	two := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b"}, false)
	twoKnown := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b"}, true)
	sameAZ := awsxVPCStack("net", []string{"us-east-1a", "us-east-1a"}, true)
	vpcURN := two[0].URN
	three := Config{MinimumAvailabilityZones: 3}
	cases := []stackCase{
		{"preview: three required, VPC has two", append(slices.Clone(two), asgOn(unknownValue, vpcURN)), &three,
			[]string{"V vpcZoneIdentifiers"}},
		{"preview: no resolvable dependency", append(slices.Clone(two), asgOn(unknownValue)), nil, []string{"U vpcZoneIdentifiers"}},
		{"update: ids resolve", append(slices.Clone(twoKnown), asgOn([]string{"subnet-net-private-1", "subnet-net-private-2"})), nil, nil},
		{"update: both subnets in one AZ", append(slices.Clone(sameAZ), asgOn([]string{"subnet-net-private-1", "subnet-net-private-2"})), nil,
			[]string{"V vpcZoneIdentifiers"}},
		{"existing subnets outside the stack", append(slices.Clone(twoKnown), asgOn([]string{"subnet-0abc", "subnet-0def"})), nil,
			[]string{"U vpcZoneIdentifiers"}},
		{"zones given by name are the resource rule's", []Resource{res(typeASG, "asg", map[string]any{"availabilityZones": []string{"us-east-1a"}})}, nil, nil},
		{"services are not this policy's", append(slices.Clone(two), serviceOn(unknownValue, byName(two, "net-private-1").URN)), nil, nil},
	}
	cases = append(cases, spanCases(asgOn, "vpcZoneIdentifiers")...)
	rule := Lookup(PolicyASGSubnetsSpanAZs)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				cfg = *tc.cfg
			}
			fs := rule.CheckStack(tc.stack, cfg, Mandatory)
			if got := summary(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("findings = %q, want %q\n%s", got, tc.want, messages(fs))
			}
			for _, f := range fs {
				if !strings.Contains(f.URN, typeASG) || f.Policy != PolicyASGSubnetsSpanAZs {
					t.Errorf("finding %s about %q, want %s about a group", f.Policy, f.URN, PolicyASGSubnetsSpanAZs)
				}
			}
		})
	}
}

// The ASG stack rule reads minimumAvailabilityZones from asg-multi-az's entry, not the service rule's.
func TestASGSubnetsSpanAZsConfig(t *testing.T) {
	pc, err := ParsePackConfig([]byte(`{"asg-multi-az": {"minimumAvailabilityZones": 3}, "ecs-service-multi-az": {"minimumAvailabilityZones": 2}}`))
	if err != nil {
		t.Fatal(err)
	}
	two := awsxVPCStack("net", []string{"us-east-1a", "us-east-1b"}, false)
	// The service's two unknown entries name two of the VPC's one-subnet-per-zone private subnets:
	// enough for 2 zones, not for 3.
	fs := multiAZOnly(AnalyzeStack(append(slices.Clone(two), asgOn(unknownValue, two[0].URN), serviceOn([]any{unknownValue, unknownValue}, two[0].URN)), pc))
	if len(fs) != 1 || fs[0].Policy != PolicyASGSubnetsSpanAZs || !strings.Contains(fs[0].Message, "at least 3 are required") {
		t.Fatalf("findings:\n%s", messages(fs))
	}
}

// multiAZOnly drops the findings of the FSBP VPC rules, which these fixture VPCs (no flow log,
// default security group or endpoints) fail by design.
func multiAZOnly(fs []Finding) []Finding {
	return slices.DeleteFunc(fs, func(f Finding) bool {
		return slices.ContainsFunc(vpcRules, func(r *Rule) bool { return r.Name == f.Policy })
	})
}

func byName(stack []Resource, name string) Resource {
	i := slices.IndexFunc(stack, func(r Resource) bool { return r.Name == name })
	return stack[i]
}
