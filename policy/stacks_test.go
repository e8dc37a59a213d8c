package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"example.com/webstack/internal/clouddouble"
	"example.com/webstack/offline"
	"example.com/webstack/policy/rules"
	"example.com/webstack/program"
)

// recorder wraps the shared cloud double and keeps, per registration, what the policy engine
// would see: the URN (computed as the mock monitor does), the inputs (Analyze), the outputs with
// the id (AnalyzeStack), the parent and the property dependencies.
type recorder struct {
	*clouddouble.Double
	stack string
	mu    sync.Mutex
	seen  []registration
}

type registration struct {
	inputs, outputs rules.Resource
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id, out, err := r.Double.NewResource(args)
	if err != nil {
		return id, out, err
	}
	rpc := args.RegisterRPC
	parentType := tokens.Type("")
	if p := resource.URN(rpc.GetParent()); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	urn := string(resource.NewURN(tokens.QName(r.stack), "webstack", parentType, tokens.Type(args.TypeToken), args.Name))
	deps := map[string][]string{}
	for k, v := range rpc.GetPropertyDependencies() {
		deps[k] = v.GetUrns()
	}
	base := rules.Resource{Type: args.TypeToken, Name: args.Name, URN: urn, Parent: rpc.GetParent(), PropertyDependencies: deps}
	in, outputs := base, base
	in.Props = resource.FromResourcePropertyMap(args.Inputs)
	withID := out.Copy()
	withID["id"] = resource.NewProperty(id)
	outputs.Props = resource.FromResourcePropertyMap(withID)
	r.mu.Lock()
	r.seen = append(r.seen, registration{in, outputs})
	r.mu.Unlock()
	if args.TypeToken == "awsx:ec2:Vpc" {
		r.awsxSubnets(int(args.Inputs["numberOfAvailabilityZones"].NumberValue()), urn, args)
	}
	return id, out, nil
}

// awsxSubnets records the subnets the real awsx provider registers as children of an awsx VPC,
// which the mock monitor never sees (it mocks the component as one resource): per zone i a public
// and a private subnet named <vpc>-public-i and <vpc>-private-i, with mapPublicIpOnLaunch true on
// the public ones (pulumi-awsx v2.22.0 awsx/ec2/vpc.ts:172) and the SubnetType tag. The engine runs
// the component's transforms on its children (Pulumi docs, "Resource option: transforms": they
// apply to child resources of packaged components such as awsx); the mock monitor does not, so
// this runs them here, in order, as the engine would. Ids and zones match the cloud double's
// publicSubnetIds/privateSubnetIds outputs.
func (r *recorder) awsxSubnets(azs int, vpcURN string, args pulumi.MockResourceArgs) {
	for i := 1; i <= azs; i++ {
		for _, kind := range []string{"Public", "Private"} {
			name := fmt.Sprintf("%s-%s-%d", args.Name, strings.ToLower(kind), i)
			props := pulumi.Map{"mapPublicIpOnLaunch": pulumi.Bool(kind == "Public")}
			for _, transform := range args.Transforms {
				if res := transform(context.Background(), &pulumi.ResourceTransformArgs{Custom: true, Type: "aws:ec2/subnet:Subnet", Name: name, Props: props}); res != nil {
					props = res.Props
				}
			}
			mapPublic, ok := props["mapPublicIpOnLaunch"].(pulumi.Bool)
			if !ok {
				panic(fmt.Sprintf("a transform set %s mapPublicIpOnLaunch to %T; the recorder reads pulumi.Bool only", name, props["mapPublicIpOnLaunch"]))
			}
			state := resource.PropertyMap{
				"id":                  resource.NewProperty(fmt.Sprintf("subnet-%s-%d", strings.ToLower(kind), i)),
				"vpcId":               resource.NewProperty("vpc-double"),
				"availabilityZone":    resource.NewProperty(fmt.Sprintf("%s%c", clouddouble.Region, 'a'+i-1)),
				"mapPublicIpOnLaunch": resource.NewProperty(bool(mapPublic)),
				"tags":                resource.NewProperty(resource.PropertyMap{"SubnetType": resource.NewProperty(kind)}),
			}
			sub := rules.Resource{Type: "aws:ec2/subnet:Subnet", Name: name, Parent: vpcURN, Props: resource.FromResourcePropertyMap(state),
				URN: string(resource.NewURN(tokens.QName(r.stack), "webstack", "awsx:ec2:Vpc", "aws:ec2/subnet:Subnet", name))}
			r.mu.Lock()
			r.seen = append(r.seen, registration{sub, sub})
			r.mu.Unlock()
		}
	}
}

// stackConfig is what the Pulumi CLI hands the program for stack: Pulumi.yaml's declared
// defaults overlaid with Pulumi.<stack>.yaml and then with overlays (config files relative to the
// project, such as a test fixture), scalars as text, lists and objects as JSON.
func stackConfig(t *testing.T, stack string, overlays ...string) map[string]string {
	t.Helper()
	root := filepath.Dir(policyDir)
	read := func(path string, v any) {
		b, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	text := func(v any) string {
		switch v.(type) {
		case string, int, bool, float64:
			return fmt.Sprint(v)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var project struct {
		Config map[string]struct {
			Default any `yaml:"default"`
		}
	}
	read("Pulumi.yaml", &project)
	out := map[string]string{}
	for k, d := range project.Config {
		if d.Default != nil {
			out[k] = text(d.Default)
		}
	}
	for _, path := range append([]string{"Pulumi." + stack + ".yaml"}, overlays...) {
		var file struct{ Config map[string]any }
		read(path, &file)
		for k, v := range file.Config {
			out[k] = text(v)
		}
	}
	return out
}

// runStack runs the real program for stack with config cfg under the double, as `pulumi preview`
// runs it (the policy pack analyses previews; prod's example values refuse a real update), and
// returns what it registered.
func runStack(t *testing.T, stack string, cfg map[string]string) []registration {
	t.Helper()
	rec := &recorder{Double: &clouddouble.Double{}, stack: stack}
	t.Chdir(filepath.Dir(policyDir)) // the program's build context is "."
	err := pulumi.RunErr(program.Run, pulumi.WithMocks("webstack", stack, rec), func(info *pulumi.RunInfo) { info.Config, info.DryRun = cfg, true })
	if err != nil {
		t.Fatalf("program.Run(%s): %v", stack, err)
	}
	return rec.seen
}

// analyze runs the pack as the engine would: every resource's inputs, then the stack's outputs.
func analyze(regs []registration, pc rules.PackConfig) []rules.Finding {
	var out []rules.Finding
	stack := make([]rules.Resource, len(regs))
	for i, r := range regs {
		out = append(out, rules.AnalyzeResource(r.inputs, pc)...)
		stack[i] = r.outputs
	}
	return append(out, rules.AnalyzeStack(stack, pc)...)
}

// blocking lists the mandatory findings as "policy resource-name".
func blocking(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Level == rules.Mandatory {
			out = append(out, f.Policy+" "+resource.URN(f.URN).Name())
		}
	}
	slices.Sort(out)
	return out
}

// policyDir is absolute because runStack changes into the project directory.
var policyDir, _ = filepath.Abs(".")

func packConfig(t *testing.T, stack string) rules.PackConfig {
	pc, err := rules.LoadPackConfig(filepath.Join(policyDir, "config", stack+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

func TestRealStacksPass(t *testing.T) {
	for _, stack := range offline.Stacks(filepath.Dir(policyDir)) {
		t.Run(stack, func(t *testing.T) {
			pc := packConfig(t, stack)
			regs := runStack(t, stack, stackConfig(t, stack))
			fs := analyze(regs, pc)
			if got := blocking(fs); len(got) != 0 {
				t.Errorf("mandatory violations in the real %s stack: %q\n%s", stack, got, messagesOf(fs))
			}
			for _, f := range fs {
				t.Logf("%s (%s): %s", f.Policy, f.Level, f.Message)
			}
		})
	}
}

// mutation changes the one registered resource of type typ, as a hand-edited or different
// program would present it (the program's own config validation would refuse these); want lists
// the exact mandatory findings, given that resource's name.
type mutation struct {
	name   string
	typ    string
	mutate func(t *testing.T, props resource.PropertyMap)
	want   func(name string) []string
}

const (
	typeTaskDef        = "aws:ecs/taskDefinition:TaskDefinition"
	typeService        = "aws:ecs/service:Service"
	typeLaunchTemplate = "aws:ec2/launchTemplate:LaunchTemplate"
	typeASG            = "aws:autoscaling/group:Group"
	typeCapacityProv   = "aws:ecs/capacityProvider:CapacityProvider"
)

// only lists policies' findings on the mutated resource, in blocking's order.
func only(policies ...string) func(string) []string {
	return func(n string) []string {
		out := make([]string, len(policies))
		for i, p := range policies {
			out[i] = p + " " + n
		}
		slices.Sort(out)
		return out
	}
}

// serviceMutations apply to every stack, whatever its compute type.
var serviceMutations = []mutation{
	{"root user", typeTaskDef, func(t *testing.T, p resource.PropertyMap) {
		var defs []map[string]any
		if err := json.Unmarshal([]byte(p["containerDefinitions"].StringValue()), &defs); err != nil {
			t.Fatal(err)
		}
		defs[0]["user"] = "root"
		b, _ := json.Marshal(defs)
		p["containerDefinitions"] = resource.NewProperty(string(b))
	}, only(rules.PolicyContainerNotRoot)},
	{"one subnet", typeService, func(t *testing.T, p resource.PropertyMap) {
		nc := p["networkConfiguration"].ObjectValue()
		nc["subnets"] = resource.NewProperty(nc["subnets"].ArrayValue()[:1])
		// One subnet lies in one zone: the stack rule proves it too, whatever the subnet resolves to.
	}, only(rules.PolicyServiceMultiAZ, rules.PolicyServiceSubnetsSpanAZs)},
	{"desired count 1", typeService, func(t *testing.T, p resource.PropertyMap) {
		p["desiredCount"] = resource.NewProperty(1.0)
	}, only(rules.PolicyServiceMultiAZ)},
}

// ec2Mutations apply to stacks on EC2 capacity.
var ec2Mutations = []mutation{
	{"IMDSv1 allowed", typeLaunchTemplate, func(t *testing.T, p resource.PropertyMap) {
		p["metadataOptions"].ObjectValue()["httpTokens"] = resource.NewProperty("optional")
	}, only(rules.PolicyEC2IMDSv2)},
	{"public IP", typeLaunchTemplate, func(t *testing.T, p resource.PropertyMap) {
		p["networkInterfaces"].ArrayValue()[0].ObjectValue()["associatePublicIpAddress"] = resource.NewProperty("true")
	}, only(rules.PolicyEC2NoPublicIP)},
	{"unencrypted root volume", typeLaunchTemplate, func(t *testing.T, p resource.PropertyMap) {
		p["blockDeviceMappings"].ArrayValue()[0].ObjectValue()["ebs"].ObjectValue()["encrypted"] = resource.NewProperty("false")
	}, only(rules.PolicyEC2EncryptedVolumes)},
	{"group in one subnet", typeASG, func(t *testing.T, p resource.PropertyMap) {
		p["vpcZoneIdentifiers"] = resource.NewProperty(p["vpcZoneIdentifiers"].ArrayValue()[:1])
	}, only(rules.PolicyASGMultiAZ, rules.PolicyASGSubnetsSpanAZs)},
	{"no AZ spread", typeService, func(t *testing.T, p resource.PropertyMap) {
		delete(p, "orderedPlacementStrategies")
	}, only(rules.PolicyServiceMultiAZ)},
}

func TestMutatedStacksFailExactly(t *testing.T) {
	for _, stack := range offline.Stacks(filepath.Dir(policyDir)) {
		checkMutations(t, stack, runStack(t, stack, stackConfig(t, stack)), packConfig(t, stack), serviceMutations)
	}
}

// ec2Fixture is the EC2 capacity config the program tests and the offline preview also use
// (layered over dev; not a committed stack).
const ec2Fixture = "program/testdata/Pulumi.ec2.yaml"

func TestEC2StacksPassAndFailExactly(t *testing.T) {
	// prod on EC2: the dev fixture's instance settings, with enough instances for prod's maxCount
	// (two tasks per t3.large or m6i.large: one network interface per task besides the host's).
	prodOnEC2 := stackConfig(t, "prod", ec2Fixture)
	for _, k := range []string{"fargateWeight", "fargateSpotWeight", "fargateBase"} {
		delete(prodOnEC2, "webstack:"+k)
	}
	prodOnEC2["webstack:maxInstances"] = "6"
	for _, tc := range []struct {
		stack string
		cfg   map[string]string
	}{{"dev", stackConfig(t, "dev", ec2Fixture)}, {"prod", prodOnEC2}} {
		stack, cfg := tc.stack, tc.cfg
		pc := packConfig(t, stack)
		regs := runStack(t, stack, cfg)
		t.Run(stack, func(t *testing.T) {
			types := map[string]int{}
			for _, r := range regs {
				types[r.inputs.Type]++
			}
			for _, typ := range []string{typeLaunchTemplate, typeASG, typeCapacityProv} {
				if types[typ] != 1 {
					t.Fatalf("%d %s registered, want 1: is computeType ec2 wired into the program?", types[typ], typ)
				}
			}
			fs := analyze(regs, pc)
			if got := blocking(fs); len(got) != 0 {
				t.Errorf("mandatory violations on EC2 capacity: %q\n%s", got, messagesOf(fs))
			}
			for _, f := range fs {
				t.Logf("%s (%s): %s", f.Policy, f.Level, f.Message)
			}
		})
		checkMutations(t, stack+"/ec2", regs, pc, slices.Concat(serviceMutations, ec2Mutations))
	}
}

func checkMutations(t *testing.T, stack string, regs []registration, pc rules.PackConfig, mutations []mutation) {
	for _, m := range mutations {
		t.Run(stack+"/"+m.name, func(t *testing.T) {
			mutated := slices.Clone(regs)
			target := ""
			for i, r := range mutated {
				if r.inputs.Type != m.typ {
					continue
				}
				if target != "" {
					t.Fatalf("more than one %s", m.typ)
				}
				target = r.inputs.Name
				for _, side := range []*rules.Resource{&mutated[i].inputs, &mutated[i].outputs} {
					props := resource.ToResourcePropertyMap(side.Props).Copy()
					m.mutate(t, props)
					side.Props = resource.FromResourcePropertyMap(props)
				}
			}
			if target == "" {
				t.Fatalf("no %s registered", m.typ)
			}
			fs := analyze(mutated, pc)
			if got, want := blocking(fs), m.want(target); !slices.Equal(got, want) {
				t.Fatalf("mandatory findings %q, want exactly %q\n%s", got, want, messagesOf(fs))
			}
		})
	}
}

func messagesOf(fs []rules.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  [%s %s] %s\n", f.Policy, f.Level, f.Message)
	}
	return b.String()
}
