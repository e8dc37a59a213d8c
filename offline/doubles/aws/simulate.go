package main

import (
	"fmt"
	"slices"
	"strings"

	"example.com/webstack/internal/awsmodel"
	"example.com/webstack/offline/doubles/internal/echo"
)

// simulation answers the harness's simulated up with the offline AWS model (internal/awsmodel):
// the bridge's autonaming in Check, the provider's diff, and a create that stores what AWS
// returns (the read-back) plus made-up computed outputs. The store records the names AWS keeps
// unique and each task definition family's revisions and whether each is ACTIVE.
func simulation() *echo.Simulation {
	return &echo.Simulation{Check: check, Diff: diffModel, Create: create, Update: update, Delete: remove,
		// A launch template update is a new version (CreateLaunchTemplateVersion), and the
		// provider marks latest_version new in its plan.
		UnknownOnUpdate: map[string][]string{"aws:ec2/launchTemplate:LaunchTemplate": {"latestVersion"}},
	}
}

// check is the bridge's autonaming (pulumi-terraform-bridge pkg/tfbridge/info/autonaming.go
// AutoName: "<resource name>-<7 random hex digits>", kept across updates; the engine checks
// again without olds for a replacement, which gets a new name) and its __defaults list (the
// properties it filled in), which nameRequiresDeleteBeforeReplace reads.
func check(_ *echo.Store, urn, typ string, olds, news map[string]any) (map[string]any, error) {
	m, err := awsmodel.Model(typ)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for k, v := range news {
		out[k] = v
	}
	defaults := []any{}
	// No default for a property that conflicts with one set (pkg/tfbridge/schema.go
	// buildConflictsWith): a namePrefix leaves name to AWS.
	if m.AutoName != "" && news[m.AutoName] == nil && news["namePrefix"] == nil {
		name := urn[strings.LastIndex(urn, "::")+2:] + "-" + echo.RandomHex(7)
		if old, ok := olds[m.AutoName].(string); ok && old != "" {
			if d, _ := olds["__defaults"].([]any); slices.Contains(d, any(m.AutoName)) {
				name = old
			}
		}
		out[m.AutoName] = name
		defaults = append(defaults, m.AutoName)
	}
	out["__defaults"] = defaults
	return out, nil
}

func diffModel(_ *echo.Store, typ string, oldInputs, oldState, news map[string]any) (echo.Diff, error) {
	d, err := awsmodel.Diff(typ, oldInputs, oldState, news)
	return echo.Diff{Changed: d.Changed, Replaces: d.Replaces, DeleteBeforeReplace: d.DeleteBeforeReplace}, err
}

// uniqueKey is the store key of a name AWS keeps unique, or "" when the type has none. props
// are the state (the name AWS generated from a namePrefix included).
func uniqueKey(typ string, m awsmodel.TypeModel, props map[string]any) string {
	name, _ := plain(props[m.AutoName]).(string)
	if !m.UniqueName || name == "" {
		return ""
	}
	scope := ""
	if m.UniqueScope != "" {
		scope, _ = plain(props[m.UniqueScope]).(string)
	}
	return typ + "|" + scope + "|" + name
}

func create(s *echo.Store, urn, typ string, inputs map[string]any) (string, map[string]any, error) {
	m, err := awsmodel.Model(typ)
	if err != nil {
		return "", nil, err
	}
	state, err := awsmodel.ReadBack(typ, inputs)
	if err != nil {
		return "", nil, err
	}
	r := region(s.Config)
	name, _ := plain(inputs[m.AutoName]).(string)
	if prefix, _ := plain(inputs["namePrefix"]).(string); name == "" && prefix != "" {
		// AWS-side unique name from the prefix (the provider's create.NewNameGenerator).
		name = prefix + echo.RandomHex(8)
		state[m.AutoName] = name
	}
	if name == "" {
		name = urn[strings.LastIndex(urn, "::")+2:]
	}
	id := name
	if typ == "aws:ec2/subnet:Subnet" {
		// The subnet's id is known before the store is updated, so the conflict check and the
		// registration below are one step (the engine creates subnets in parallel).
		state["id"] = "subnet-" + echo.RandomHex(16)
	}
	err = s.Update(func(data map[string]any) error {
		if key := uniqueKey(typ, m, state); key != "" {
			names := object(data, "names")
			if holder, taken := names[key]; taken {
				return fmt.Errorf("%s: a live resource (%v) already has the name %q, and AWS keeps it unique", m.UniqueError, holder, name)
			}
			names[key] = urn
		}
		if typ == "aws:ec2/subnet:Subnet" {
			if err := claimSubnetBlock(data, state); err != nil {
				return err
			}
		}
		if typ == "aws:ecs/taskDefinition:TaskDefinition" {
			// Each registration is a new revision of the family, ACTIVE until deregistered.
			family, _ := plain(inputs["family"]).(string)
			revisions := object(object(data, "taskDefinitions"), family)
			rev := len(revisions) + 1
			revisions[fmt.Sprint(rev)] = "ACTIVE"
			base := fmt.Sprintf("arn:aws:ecs:%s:%s:task-definition/%s", r, accountID, family)
			state["revision"] = rev
			state["arnWithoutRevision"] = base
			state["arn"] = fmt.Sprintf("%s:%d", base, rev)
			id = family
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	for k, v := range computed(typ, name, r, inputs) {
		if _, set := state[k]; !set {
			state[k] = v
		}
	}
	if v, ok := state["id"].(string); ok && v != "" {
		id = v
	}
	if arn, ok := state["arn"].(string); ok && (typ == "aws:ecs/service:Service" || typ == "aws:sns/topic:Topic") {
		id = arn // these providers use the ARN as the id
	}
	return id, state, nil
}

// claimSubnetBlock records a new subnet's IPv4 block in the store, refusing it like CreateSubnet
// when it overlaps a live subnet of the same VPC (awsmodel.SubnetConflict: InvalidSubnet.Conflict,
// EC2 API reference error codes; hashicorp/terraform #33470, #7516). A create-first replacement
// of a subnet whose block moved into the range of a live one fails here, as it does in AWS.
func claimSubnetBlock(data map[string]any, state map[string]any) error {
	vpc, _ := plain(state["vpcId"]).(string)
	block, _ := plain(state["cidrBlock"]).(string)
	id, _ := plain(state["id"]).(string)
	if block == "" {
		return nil // IPv6-only or IPAM-allocated: not modelled
	}
	subnets := object(data, "subnets")
	var live []string
	for _, v := range subnets {
		if other, _ := v.(map[string]any); other != nil && other["vpcId"] == vpc {
			live = append(live, fmt.Sprint(other["cidrBlock"]))
		}
	}
	msg, err := awsmodel.SubnetConflict(block, live)
	if err != nil {
		return err
	}
	if msg != "" {
		return fmt.Errorf("creating EC2 Subnet in %s: %s", vpc, msg)
	}
	subnets[id] = map[string]any{"vpcId": vpc, "cidrBlock": block}
	return nil
}

// codeDeployUpdatable: for a service with the CODE_DEPLOY deployment controller, UpdateService
// accepts only these (ECS API reference, UpdateService: "only the desired count, deployment
// configuration, health check grace period, task placement constraints and strategies, enable
// ECS managed tags option, and propagate tags can be updated using this API"; tags go through
// TagResource; forceDelete and waitForSteadyState are the provider's own settings). Anything else
// fails like pulumi/pulumi-aws#3821 and hashicorp/terraform-provider-aws #8005 and #19996.
var codeDeployUpdatable = []string{
	"desiredCount", "deploymentMaximumPercent", "deploymentMinimumHealthyPercent", "healthCheckGracePeriodSeconds",
	"placementConstraints", "orderedPlacementStrategies", "enableEcsManagedTags", "propagateTags",
	"tags", "forceDelete", "waitForSteadyState",
}

func update(s *echo.Store, urn, typ, _ string, oldInputs, oldState, news map[string]any) (map[string]any, error) {
	if typ == "aws:ecs/service:Service" {
		if controller, _ := plain(field(oldState, "deploymentController", "type")).(string); controller == "CODE_DEPLOY" {
			d, err := awsmodel.Diff(typ, oldInputs, oldState, news)
			if err != nil {
				return nil, err
			}
			for _, k := range d.Changed {
				if !slices.Contains(codeDeployUpdatable, k) {
					return nil, fmt.Errorf("InvalidParameterException: %s cannot change on a service with a CODE_DEPLOY deployment controller "+
						"(UpdateService accepts only %s); use AWS CodeDeploy to deploy it", k, strings.Join(codeDeployUpdatable[:8], ", "))
				}
			}
		}
	}
	state, err := awsmodel.ReadBack(typ, news)
	if err != nil {
		return nil, err
	}
	// Computed outputs stay as they were (AWS keeps the resource's identity on an update).
	for k, v := range oldState {
		if _, set := state[k]; !set && !strings.HasPrefix(k, "__") {
			if _, wasInput := oldInputs[k]; !wasInput {
				state[k] = v
			}
		}
	}
	if typ == "aws:ec2/launchTemplate:LaunchTemplate" {
		// Each update is a new version (EC2 API reference, CreateLaunchTemplateVersion).
		v, _ := oldState["latestVersion"].(float64)
		state["latestVersion"] = v + 1
	}
	return state, nil
}

func remove(s *echo.Store, urn, typ, id string, state map[string]any) error {
	m, err := awsmodel.Model(typ)
	if err != nil {
		return err
	}
	return s.Update(func(data map[string]any) error {
		if key := uniqueKey(typ, m, state); key != "" && object(data, "names")[key] == urn {
			delete(object(data, "names"), key)
		}
		if typ == "aws:ec2/subnet:Subnet" {
			delete(object(data, "subnets"), id) // DeleteSubnet frees its block
		}
		if typ == "aws:ecs/taskDefinition:TaskDefinition" {
			// skip_destroy keeps the revision: the provider's delete returns without
			// deregistering it (internal/service/ecs/task_definition.go resourceTaskDefinitionDelete,
			// "Retaining ECS Task Revision"). Otherwise DeregisterTaskDefinition makes it INACTIVE.
			if keep, _ := plain(state["skipDestroy"]).(bool); !keep {
				family, _ := plain(state["family"]).(string)
				rev, _ := state["revision"].(float64)
				object(object(data, "taskDefinitions"), family)[fmt.Sprint(int(rev))] = "INACTIVE"
			}
		}
		return nil
	})
}

func plain(v any) any {
	if m, ok := v.(map[string]any); ok {
		if _, secret := m["4dabf18193072939515e22adb298388d"]; secret {
			return m["value"]
		}
	}
	return v
}

func field(v any, path ...string) any {
	for _, p := range path {
		m, ok := plain(v).(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// object is data[key] as an object, made when missing.
func object(data map[string]any, key string) map[string]any {
	m, ok := data[key].(map[string]any)
	if !ok {
		m = map[string]any{}
		data[key] = m
	}
	return m
}
