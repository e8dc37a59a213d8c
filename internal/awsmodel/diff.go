package awsmodel

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Unknown is the engine's sentinel for a value not known during a preview
// (pulumi sdk go/common/resource/plugin UnknownStringValue).
const Unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

// secretSig marks a secret value on the wire (pulumi sdk go/common/resource/sig.Secret).
const secretSig = "1b47061264138c4ac30d75fd1eb44270"

// DiffResult is the provider's answer to the engine's Diff.
type DiffResult struct {
	// Changed are the top-level properties whose new input differs from the old state.
	Changed []string
	// Replaces are the properties (a.b for nested ones) whose change replaces the resource.
	Replaces []string
	// DeleteBeforeReplace: the bridge asks the engine to delete the old resource before it
	// creates the replacement (pulumi-terraform-bridge pkg/tfbridge/provider.go Diff:
	// len(replaces) > 0 && nameRequiresDeleteBeforeReplace). The engine follows it unless the
	// resource option deleteBeforeReplace is set, which wins either way (pulumi pkg/resource/
	// deploy/step_generator.go: "The user can override the provider's decision by setting the
	// deleteBeforeReplace field of ResourceOptions to either true or false").
	DeleteBeforeReplace bool
}

// Model returns the type's model, or an error naming the type when it is not modelled.
func Model(typ string) (TypeModel, error) {
	m, ok := Types[typ]
	if !ok {
		return m, fmt.Errorf("%s is not in the offline AWS model (internal/awsmodel/types.go): "+
			"add its ForceNew properties with their provider source before simulating it", typ)
	}
	return m, nil
}

// Diff compares the new inputs (after Check) with the resource's old state the way the bridge
// and the provider do: a property differs when its new input is not equivalent to the value in
// state (the read-back, not what was sent), unknown new values differ, and a difference in a
// ForceNew property replaces.
func Diff(typ string, oldInputs, oldState, news map[string]any) (DiffResult, error) {
	m, err := Model(typ)
	if err != nil {
		return DiffResult{}, err
	}
	var res DiffResult
	keys := map[string]bool{}
	for k := range oldInputs {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	old := func(k string) any {
		if v, ok := oldState[k]; ok {
			return v
		}
		return oldInputs[k]
	}
	for k := range keys {
		if strings.HasPrefix(k, "__") || k == "tagsAll" {
			continue
		}
		if !equivalent(m.Equivalences[k], old(k), news[k], news) {
			res.Changed = append(res.Changed, k)
		}
	}
	sort.Strings(res.Changed)

	for _, k := range res.Changed {
		switch {
		case m.InPlace != nil:
			if !slices.Contains(m.InPlace, k) {
				res.Replaces = append(res.Replaces, k)
			}
		case slices.Contains(m.ForceNew, k):
			res.Replaces = append(res.Replaces, k)
		case typ == "aws:ecs/service:Service" && k == "capacityProviderStrategies":
			if serviceStrategyReplaces(old(k), news[k], news["forceNewDeployment"]) {
				res.Replaces = append(res.Replaces, k)
			}
		}
		for _, path := range m.ForceNew {
			top, rest, nested := strings.Cut(path, ".")
			if nested && top == k && !equal(field(old(k), rest), field(news[k], rest)) {
				res.Replaces = append(res.Replaces, path)
			}
		}
	}
	res.DeleteBeforeReplace = len(res.Replaces) > 0 && NameSetExplicitly(m, news)
	return res, nil
}

// serviceStrategyReplaces is the provider's capacityProviderStrategyCustomizeDiff (internal/
// service/ecs/service.go), as pulumi-aws documents ServiceArgs.CapacityProviderStrategies:
// "These can be updated without destroying and recreating the service only if
// forceNewDeployment = true and not changing from 0 capacityProviderStrategy blocks to greater
// than 0, or vice versa" (hashicorp/terraform-provider-aws #11351, #20059, #22408, #37848).
func serviceStrategyReplaces(old, new, forceNewDeployment any) bool {
	n := func(v any) int {
		l, _ := unsecret(v).([]any)
		return len(l)
	}
	if (n(old) == 0) != (n(new) == 0) {
		return true
	}
	force, _ := unsecret(forceNewDeployment).(bool)
	return !force
}

// NameSetExplicitly is the bridge's nameRequiresDeleteBeforeReplace
// (pulumi-terraform-bridge pkg/tfbridge/schema.go): the auto-nameable property has a value the
// autonamer did not fill in (it is not listed in the inputs' __defaults, which Check writes).
func NameSetExplicitly(m TypeModel, news map[string]any) bool {
	if m.AutoName == "" || news[m.AutoName] == nil {
		return false
	}
	defaults, ok := news["__defaults"].([]any)
	if !ok {
		// The bridge: no __defaults list means a resource made before it existed: autonamed.
		return false
	}
	return !slices.Contains(defaults, any(m.AutoName))
}

func equivalent(e Equivalence, old, new any, news map[string]any) bool {
	if hasUnknown(new) {
		return false
	}
	old, new = unsecret(old), unsecret(new)
	os, okOld := old.(string)
	ns, okNew := new.(string)
	if okOld && okNew {
		switch e {
		case ContainerDefinitions:
			awsvpc := unsecret(news["networkMode"]) == "awsvpc"
			same, err := ContainerDefinitionsEquivalent(os, ns, awsvpc)
			return err == nil && same
		case PolicyDocument:
			return PolicyDocumentsEquivalent(os, ns)
		case JSONDocument:
			return JSONEquivalent(os, ns)
		}
	}
	return equal(old, new)
}

func equal(a, b any) bool {
	return reflect.DeepEqual(normalise(a), normalise(b))
}

// normalise unwraps secrets and drops null object entries (null is absent on the wire).
func normalise(v any) any {
	v = unsecret(v)
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e != nil {
				out[k] = normalise(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalise(e)
		}
		return out
	}
	return v
}

func unsecret(v any) any {
	if m, ok := v.(map[string]any); ok && m["4dabf18193072939515e22adb298388d"] == secretSig {
		return m["value"]
	}
	return v
}

func hasUnknown(v any) bool {
	switch x := unsecret(v).(type) {
	case string:
		return x == Unknown
	case map[string]any:
		for _, e := range x {
			if hasUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasUnknown(e) {
				return true
			}
		}
	}
	return false
}

// field is v.path for an object v (path a.b.c).
func field(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		m, ok := unsecret(v).(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// ReadBack is the state the provider stores after a create or update: the inputs, with what AWS
// returns differently (DescribedContainerDefinitions for a task definition). Other types have no
// read-back rule: no source found of AWS returning their inputs changed in a way the provider's
// diff sees (policy documents AWS reformats are compared with PolicyDocumentsEquivalent).
func ReadBack(typ string, inputs map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range inputs {
		if !strings.HasPrefix(k, "__") {
			out[k] = v
		}
	}
	if typ == "aws:ecs/taskDefinition:TaskDefinition" {
		if cd, ok := unsecret(inputs["containerDefinitions"]).(string); ok {
			mode, _ := unsecret(inputs["networkMode"]).(string)
			described, err := DescribedContainerDefinitions(cd, mode)
			if err != nil {
				return nil, err
			}
			out["containerDefinitions"] = described
		}
	}
	return out, nil
}
