package components

import (
	"fmt"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	releaseDoubleAccount = "210987654321"
	releaseDoubleRegion  = "us-west-2"
)

// releaseCloudDouble is a test double for the Pulumi engine and AWS used by the Monitoring and
// BlueGreen tests: it records every registration, echoes inputs back with fake ids and ARNs, and
// answers only the getCallerIdentity and getRegion invokes (any other invoke fails the run).
type releaseCloudDouble struct {
	mu        sync.Mutex
	resources []releaseRecorded
}

type releaseRecorded struct {
	Type, Name string
	Inputs     resource.PropertyMap
	DependsOn  []string
}

func (d *releaseCloudDouble) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	d.mu.Lock()
	d.resources = append(d.resources, releaseRecorded{args.TypeToken, args.Name, args.Inputs, args.RegisterRPC.GetDependencies()})
	d.mu.Unlock()
	out := args.Inputs.Copy()
	out["arn"] = resource.NewStringProperty(fmt.Sprintf("arn:aws:double:%s:%s:%s", releaseDoubleRegion, releaseDoubleAccount, args.Name))
	if _, named := out["name"]; !named {
		out["name"] = resource.NewStringProperty(args.Name + "-physical")
	}
	return args.Name + "-id", out, nil
}

func (d *releaseCloudDouble) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{"accountId": releaseDoubleAccount, "arn": "arn:aws:iam::" + releaseDoubleAccount + ":user/double",
			"userId": "double", "id": releaseDoubleAccount}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": releaseDoubleRegion, "id": releaseDoubleRegion}), nil
	}
	return nil, fmt.Errorf("releaseCloudDouble: the components may not call invoke %s (keep contracts.md's invoke list true)", args.Token)
}

// runReleaseDouble runs program in stack "test" against a fresh double.
func runReleaseDouble(program pulumi.RunFunc) (*releaseCloudDouble, error) {
	d := &releaseCloudDouble{}
	return d, pulumi.RunErr(program, pulumi.WithMocks("webstack", "test", d))
}

func (d *releaseCloudDouble) ofType(typ string) []releaseRecorded {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []releaseRecorded
	for _, r := range d.resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// one returns the only registration of typ, failing the test otherwise.
func (d *releaseCloudDouble) one(t *testing.T, typ string) releaseRecorded {
	t.Helper()
	rs := d.ofType(typ)
	if len(rs) != 1 {
		t.Fatalf("%d registrations of %s, want 1", len(rs), typ)
	}
	return rs[0]
}

// releasePlain turns recorded inputs into Go values for comparisons.
func releasePlain(m resource.PropertyMap) map[string]any { return m.Mappable() }

// releaseAwaitStrings resolves string array outputs inside the program run.
func releaseAwaitStrings(out pulumi.StringArrayOutput, dst *[]string) {
	out.ApplyT(func(v []string) error { *dst = v; return nil })
}

func releaseAwaitString(out pulumi.StringOutput, dst *string) {
	out.ApplyT(func(v string) error { *dst = v; return nil })
}
