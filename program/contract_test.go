package program

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"example.com/webstack/contract"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// resolveOutputs stores in plain, once they resolve inside the program run, the values of outs as
// the deploy command receives stack outputs: through JSON. The apply is exported so the run waits
// for it (an apply nobody awaits may not have run when the program returns).
func resolveOutputs(ctx *pulumi.Context, outs map[string]pulumi.Input, plain map[string]any) {
	keys := slices.Sorted(maps.Keys(outs))
	var inputs []any
	for _, k := range keys {
		inputs = append(inputs, outs[k])
	}
	ctx.Export("deployCommandOutputsRead", pulumi.All(inputs...).ApplyT(func(v []any) (bool, error) {
		for i, k := range keys {
			b, err := json.Marshal(v[i])
			if err != nil {
				return false, err
			}
			var x any
			if err := json.Unmarshal(b, &x); err != nil {
				return false, err
			}
			plain[k] = x
		}
		return true, nil
	}))
}

// What the program exports, the deploy command reads: run the program's stack outputs under the
// double and parse them with release.ParseOutputs (deployCommandOutputs, which fails on a parse
// error). A renamed output on either side (they share package contract's names) or a missing one
// fails here.
func TestStackOutputsRoundTrip(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} { // rolling and blue-green
		t.Run(stack, func(t *testing.T) {
			c, err := Load(stack, getter(stackConfig(t, stack)))
			if err != nil {
				t.Fatal(err)
			}
			o := deployCommandOutputs(t, stack, nil)
			if o.URL == "" || o.ClusterName == "" || o.ServiceName == "" || o.TaskDefinitionARN == "" {
				t.Errorf("parsed %+v: url, cluster, service and task definition must all come through", o)
			}
			if string(o.Strategy) != c.DeploymentStrategy || o.ContainerName != ContainerName || o.ContainerPort != c.ContainerPort ||
				o.ReleaseTimeout != c.ReleaseTimeout() || o.ComputeType != c.ComputeType {
				t.Errorf("parsed strategy %q container %s:%d timeout %s compute %q, want %q %s:%d %s %q", o.Strategy, o.ContainerName, o.ContainerPort,
					o.ReleaseTimeout, o.ComputeType, c.DeploymentStrategy, ContainerName, c.ContainerPort, c.ReleaseTimeout(), c.ComputeType)
			}
			if len(o.AlarmNames) == 0 {
				t.Errorf("no alarm names came through: the release could not watch its rollback alarms")
			}
			if o.Strategy == contract.BlueGreen && (o.CodeDeployApplication == "" || o.CodeDeployGroup == "" || o.TestListenerURL == "" || len(o.Service.Subnets) == 0) {
				t.Errorf("blue-green outputs missing in %+v", o)
			}
		})
	}
}
