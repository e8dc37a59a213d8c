package main

import (
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
	return id, out, nil
}

// stackConfig is what the Pulumi CLI hands the program for stack: Pulumi.yaml's declared
// defaults overlaid with Pulumi.<stack>.yaml, scalars as text, lists and objects as JSON.
func stackConfig(t *testing.T, stack string) map[string]string {
	t.Helper()
	var project struct {
		Config map[string]struct {
			Default any `yaml:"default"`
		}
	}
	var stackFile struct{ Config map[string]any }
	root := filepath.Dir(policyDir)
	for path, v := range map[string]any{filepath.Join(root, "Pulumi.yaml"): &project, filepath.Join(root, "Pulumi."+stack+".yaml"): &stackFile} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	out := map[string]string{}
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
	for k, d := range project.Config {
		if d.Default != nil {
			out[k] = text(d.Default)
		}
	}
	for k, v := range stackFile.Config {
		out[k] = text(v)
	}
	return out
}

// runStack runs the real program for stack under the double and returns what it registered.
func runStack(t *testing.T, stack string) []registration {
	t.Helper()
	rec := &recorder{Double: &clouddouble.Double{}, stack: stack}
	cfg := stackConfig(t, stack)
	t.Chdir(filepath.Dir(policyDir)) // the program's build context is "."
	err := pulumi.RunErr(program.Run, pulumi.WithMocks("webstack", stack, rec), func(info *pulumi.RunInfo) { info.Config = cfg })
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
	for _, stack := range []string{"dev", "prod"} {
		t.Run(stack, func(t *testing.T) {
			pc := packConfig(t, stack)
			regs := runStack(t, stack)
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

// Mutations the program's own config validation would refuse are made on the registered
// resources, as a hand-edited or different program would present them.
func TestMutatedStacksFailExactly(t *testing.T) {
	const taskDef, service = "aws:ecs/taskDefinition:TaskDefinition", "aws:ecs/service:Service"
	mutations := []struct {
		name   string
		typ    string
		mutate func(t *testing.T, props resource.PropertyMap)
		want   func(name string) []string
	}{
		{"root user", taskDef, func(t *testing.T, p resource.PropertyMap) {
			var defs []map[string]any
			if err := json.Unmarshal([]byte(p["containerDefinitions"].StringValue()), &defs); err != nil {
				t.Fatal(err)
			}
			defs[0]["user"] = "root"
			b, _ := json.Marshal(defs)
			p["containerDefinitions"] = resource.NewProperty(string(b))
		}, func(n string) []string { return []string{rules.PolicyContainerNotRoot + " " + n} }},
		{"one subnet", service, func(t *testing.T, p resource.PropertyMap) {
			nc := p["networkConfiguration"].ObjectValue()
			nc["subnets"] = resource.NewProperty(nc["subnets"].ArrayValue()[:1])
		}, func(n string) []string { return []string{rules.PolicyServiceMultiAZ + " " + n} }},
		{"desired count 1", service, func(t *testing.T, p resource.PropertyMap) {
			p["desiredCount"] = resource.NewProperty(1.0)
		}, func(n string) []string { return []string{rules.PolicyServiceMultiAZ + " " + n} }},
	}
	for _, stack := range []string{"dev", "prod"} {
		pc := packConfig(t, stack)
		regs := runStack(t, stack)
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
				fs := analyze(mutated, pc)
				if got, want := blocking(fs), m.want(target); !slices.Equal(got, want) {
					t.Fatalf("mandatory findings %q, want exactly %q\n%s", got, want, messagesOf(fs))
				}
			})
		}
	}
}

func messagesOf(fs []rules.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  [%s %s] %s\n", f.Policy, f.Level, f.Message)
	}
	return b.String()
}
