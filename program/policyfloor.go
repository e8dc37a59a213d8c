package program

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The policy pack holds each stack to a minimum number of Availability Zones (the
// minimumAvailabilityZones of its multi-AZ rules in policy/config/<stack>.json, the one home of that
// number). A stack configured below it would pass a preview (the new subnets' zones are unknown
// there) and then, in `pulumi up`, create its new subnets before the pack refuses the load balancer
// that uses them: half an update. The program refuses it first, before anything is registered.

// policyConfigPath is the stack's policy pack config, relative to the project directory (the
// program's working directory under the CLI, the offline harness and the deploy command).
func policyConfigPath(stack string) string {
	return filepath.Join("policy", "config", stack+".json")
}

// policyMinimumZones is the largest minimumAvailabilityZones the stack's policy config sets, or 0
// when it has no such file (a project without the pack) or sets none.
func policyMinimumZones(stack string) (int, error) {
	b, err := os.ReadFile(policyConfigPath(stack))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(b, &entries); err != nil {
		return 0, fmt.Errorf("%s: %w", policyConfigPath(stack), err)
	}
	floor := 0
	for _, raw := range entries {
		var e struct {
			MinimumAvailabilityZones int `json:"minimumAvailabilityZones"`
		}
		if json.Unmarshal(raw, &e) == nil && e.MinimumAvailabilityZones > floor { // a plain level string has no minimum
			floor = e.MinimumAvailabilityZones
		}
	}
	return floor, nil
}

// refuseBelowPolicyZones fails, as an invalid stack config, when the stack creates its VPC with
// fewer zones than its policy config requires, naming both places, so the user decides which one
// is wrong.
func (c *Config) refuseBelowPolicyZones(stack string) error {
	if c.ExistingVPCID != "" {
		return nil // the zones are the existing subnets'; the pack checks those
	}
	floor, err := policyMinimumZones(stack)
	if err != nil {
		return err
	}
	if c.AvailabilityZones < floor {
		var p Problems
		p.add("availabilityZones",
			fmt.Sprintf("%d is below the %d zones %s requires (minimumAvailabilityZones), so the policy pack would refuse the load balancer only after the new subnets exist", c.AvailabilityZones, floor, policyConfigPath(stack)),
			fmt.Sprintf("keep availabilityZones at %d or more or, if the stack should run in fewer zones, lower minimumAvailabilityZones there first", floor))
		return &ConfigError{Problems: p}
	}
	return nil
}
