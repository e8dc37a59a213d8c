package clouddouble

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Helpers the components' and the program's tests share for reading a run: awaiting outputs
// inside the program, reading recorded inputs, and naming recorded resources.

// Await hands the resolved values of outputs to check. The combined output is exported under key
// because the run awaits stack outputs before it returns, and an apply on plain or invoke outputs
// alone is not otherwise waited for.
func Await(ctx *pulumi.Context, key string, check func(values []any), outputs ...any) {
	ctx.Export(key, pulumi.All(outputs...).ApplyT(func(v []any) int {
		check(v)
		return len(v)
	}))
}

// AwaitString stores out's value in dst once it resolves (inside the program run).
func AwaitString(out pulumi.StringOutput, dst *string) {
	out.ApplyT(func(v string) error { *dst = v; return nil })
}

// AwaitStrings stores out's values in dst once they resolve (inside the program run).
func AwaitStrings(out pulumi.StringArrayOutput, dst *[]string) {
	out.ApplyT(func(v []string) error { *dst = v; return nil })
}

// DottedPath reads a nested property path such as "healthCheck.path" from recorded inputs.
func DottedPath(m resource.PropertyMap, path string) resource.PropertyValue {
	var steps []any
	for _, k := range strings.Split(path, ".") {
		steps = append(steps, k)
	}
	return Path(m, steps...)
}

// Want compares one recorded value with its expected Go value (string, int, float64 or bool).
func Want(t *testing.T, what string, got resource.PropertyValue, want any) {
	t.Helper()
	if n, ok := want.(int); ok {
		want = float64(n) // recorded numbers are float64
	}
	if !got.HasValue() || got.V != want {
		t.Errorf("%s = %v, want %v", what, got.V, want)
	}
}

// URN is the URN the engine gives a recorded registration (project webstack, the run's stack).
func (d *Double) URN(r Recorded) resource.URN {
	parentType := tokens.Type("")
	if p := resource.URN(r.Parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return resource.NewURN(tokens.QName(d.stack), "webstack", parentType, tokens.Type(r.Type), r.Name)
}
