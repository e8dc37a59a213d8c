package release

import (
	"context"
	"fmt"
)

// refreshBlueGreen runs `pulumi refresh` before `pulumi up` on a stack that is blue-green now.
//
// CodeDeploy moves production between the two target groups on every release (the listener, the
// service's load balancer and its task sets); Pulumi's state does not follow until a refresh
// (day2.md, "Blue/green with CodeDeploy"; kayac/ecspresso#936 shows DescribeServices reporting the
// green target group after a deployment). An update computed from that stale state sends no
// listener change where one is needed: a switch from blue-green to rolling while production is on
// green drains the serving tasks and then cannot delete the target group the listener still uses
// (issue 12, item 6). So a blue-green stack is never updated without a refresh: when the refresh
// fails, nothing is released.
func (d *Deployer) refreshBlueGreen(ctx context.Context, before StackOutputs) error {
	if before.Strategy != BlueGreen {
		return nil
	}
	d.sayf("==> pulumi refresh (stack %s): CodeDeploy moves production between the target groups; Pulumi's state must follow before an update",
		d.Config.Stack)
	if err := d.Engine.Refresh(ctx, d.Out); err != nil {
		return fmt.Errorf("pulumi refresh failed, so nothing was released: %w. A blue-green stack is only updated after a refresh: "+
			"production may be on the green target group, and an update from stale state (a switch to rolling above all) "+
			"would drain the tasks that serve. Fix what the refresh reported above (`pulumi refresh -s %s` shows the same) and retry",
			err, d.Config.Stack)
	}
	return nil
}
