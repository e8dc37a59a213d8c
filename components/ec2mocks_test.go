package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

// ec2DoubleLatestVersion is the launch template version the double reports, so a test can see
// it reach the Auto Scaling group.
const ec2DoubleLatestVersion = 3

// runEC2Double runs program against the shared cloud double, answering in us-east-1 with the
// provider's autoname as "<name>-double" and the launch template at ec2DoubleLatestVersion. The
// double answers no invokes (EC2Capacity is meant to make none) but records them.
func runEC2Double(program pulumi.RunFunc) (*clouddouble.Double, error) {
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
