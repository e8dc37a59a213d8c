package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

const (
	releaseDoubleAccount = "210987654321"
	releaseDoubleRegion  = "us-west-2"
)

// runReleaseDouble runs program in stack "test" against the shared cloud double, answering from
// another account and region than the default and only the getCallerIdentity and getRegion
// invokes (any other invoke fails the run).
func runReleaseDouble(program pulumi.RunFunc) (*clouddouble.Double, error) {
	return clouddouble.RunWith(clouddouble.Options{
		Account: releaseDoubleAccount, Region: releaseDoubleRegion,
		Invokes: map[string]clouddouble.Invoke{
			"aws:index/getCallerIdentity:getCallerIdentity": nil,
			"aws:index/getRegion:getRegion":                 nil,
		},
	}, "test", nil, program)
}
