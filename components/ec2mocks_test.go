package components

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

// ec2DoubleLatestVersion is the launch template version the double reports, so a test can see
// it reach the Auto Scaling group.
const ec2DoubleLatestVersion = 3

// runEc2Double runs program against the shared cloud double, answering in us-east-1 with the
// provider's autoname as "<name>-double" and the launch template at ec2DoubleLatestVersion. The
// double answers no invokes (Ec2Capacity is meant to make none) but records them.
func runEc2Double(program pulumi.RunFunc) (*clouddouble.Double, error) {
	return clouddouble.RunWith(clouddouble.Options{
		Region: "us-east-1", Autoname: "-double", Invokes: map[string]clouddouble.Invoke{},
		Outputs: map[string]clouddouble.OutputHook{
			"aws:ec2/launchTemplate:LaunchTemplate": func(_ *clouddouble.Double, _ pulumi.MockResourceArgs, out resource.PropertyMap) string {
				out["latestVersion"] = resource.NewNumberProperty(ec2DoubleLatestVersion)
				return ""
			},
		},
	}, "test", nil, program)
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
