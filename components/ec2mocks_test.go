package components

import (
	"fmt"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ec2DoubleLatestVersion is the launch template version the double reports, so a test can see
// it reach the Auto Scaling group.
const ec2DoubleLatestVersion = 3

// ec2CloudDouble is a test double for the Pulumi engine and AWS in the Ec2Capacity tests. It
// records every registration (components included) with its inputs and options, answers with
// the inputs echoed back plus fake ids, ARNs, names and the launch template's latestVersion,
// and records invokes (Ec2Capacity is meant to make none) and fails them.
type ec2CloudDouble struct {
	mu        sync.Mutex
	resources []ec2Recorded
	invokes   []string
}

type ec2Recorded struct {
	Type, Name    string
	Inputs        resource.PropertyMap
	IgnoreChanges []string
	Dependencies  []string
}

func (d *ec2CloudDouble) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rpc := args.RegisterRPC
	d.resources = append(d.resources, ec2Recorded{args.TypeToken, args.Name, args.Inputs, rpc.GetIgnoreChanges(), rpc.GetDependencies()})

	out := args.Inputs.Copy()
	set := func(k string, v any) { out[resource.PropertyKey(k)] = resource.NewPropertyValue(v) }
	if _, named := out["name"]; !named {
		set("name", args.Name+"-double") // the provider's autoname
	}
	set("arn", "arn:aws:double:us-east-1:123456789012:"+args.Name)
	if args.TypeToken == "aws:ec2/launchTemplate:LaunchTemplate" {
		set("latestVersion", ec2DoubleLatestVersion)
	}
	return args.Name + "-id", out, nil
}

func (d *ec2CloudDouble) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.invokes = append(d.invokes, args.Token)
	return nil, fmt.Errorf("ec2CloudDouble: Ec2Capacity makes no invokes, got %s", args.Token)
}

// runEc2Double runs program against a fresh double and returns the double and the run's error.
func runEc2Double(program pulumi.RunFunc) (*ec2CloudDouble, error) {
	d := &ec2CloudDouble{}
	err := pulumi.RunErr(program, pulumi.WithMocks("webstack", "test", d))
	return d, err
}

// one returns the single registration of typ, failing the test unless there is exactly one.
func (d *ec2CloudDouble) one(t *testing.T, typ string) ec2Recorded {
	t.Helper()
	all := d.all(typ)
	if len(all) != 1 {
		t.Fatalf("%d registrations of %s, want 1", len(all), typ)
	}
	return all[0]
}

func (d *ec2CloudDouble) all(typ string) []ec2Recorded {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []ec2Recorded
	for _, r := range d.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ec2Path reads recorded inputs along a path of object keys (string) and array indexes (int);
// a missing step gives a null value.
func ec2Path(m resource.PropertyMap, path ...any) resource.PropertyValue {
	v := resource.NewObjectProperty(m)
	for _, step := range path {
		switch s := step.(type) {
		case string:
			if !v.IsObject() {
				return resource.NewNullProperty()
			}
			v = v.ObjectValue()[resource.PropertyKey(s)]
		case int:
			if !v.IsArray() || s >= len(v.ArrayValue()) {
				return resource.NewNullProperty()
			}
			v = v.ArrayValue()[s]
		}
	}
	return v
}

// ec2Strings is a recorded array of strings (nil when the value is not an array).
func ec2Strings(v resource.PropertyValue) []string {
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		out = append(out, e.StringValue())
	}
	return out
}

// ec2Want compares one recorded value with its expected Go value (string, int or bool).
func ec2Want(t *testing.T, what string, got resource.PropertyValue, want any) {
	t.Helper()
	if n, ok := want.(int); ok {
		want = float64(n) // recorded numbers are float64
	}
	if !got.HasValue() || got.V != want {
		t.Errorf("%s = %v, want %v", what, got.V, want)
	}
}
