package rules

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Resource types that carry container definitions.
const (
	typeTaskDefinition      = "aws:ecs/taskDefinition:TaskDefinition"
	typeAwsxFargateTaskDef  = "awsx:ecs:FargateTaskDefinition"
	typeAwsxEC2TaskDef      = "awsx:ecs:EC2TaskDefinition"
	typeAwsxFargateService  = "awsx:ecs:FargateService"
	typeAwsxEC2Service      = "awsx:ecs:EC2Service"
	fieldContainerDefs      = "containerDefinitions"
	fieldTaskDefinitionArgs = "taskDefinitionArgs"
)

// containerTypes are the types whose containers the container rules read.
var containerTypes = []string{typeTaskDefinition, typeAwsxFargateTaskDef, typeAwsxEC2TaskDef, typeAwsxFargateService, typeAwsxEC2Service}

// container is one container definition; n is its map of AWS container-definition fields
// (camelCase: user, privileged, readonlyRootFilesystem, environment, logConfiguration, ...).
type container struct {
	name string
	n    node
}

// unreadable says why a resource's containers cannot be read.
type unreadable struct {
	n       node
	unknown bool
	problem string
	fix     string
}

// containersOf reads the containers of a task definition (the containerDefinitions JSON string)
// or of an awsx ECS task definition or service (its container/containers arguments).
func containersOf(res Resource) ([]container, *unreadable) {
	if res.Type == typeTaskDefinition {
		return parseContainerDefinitions(field(res.Props, fieldContainerDefs))
	}
	args := taskArgs(res)
	if args.st == unknown {
		return nil, &unreadable{n: args, unknown: true}
	}
	var out []container
	one := args.get("container")
	many := args.get("containers")
	for _, n := range []node{one, many} {
		if n.st == unknown {
			return nil, &unreadable{n: n, unknown: true}
		}
	}
	if one.isMap() {
		name, _ := one.get("name").str()
		if name == "" {
			name = "container"
		}
		one.path = fmt.Sprintf("container %q", name)
		out = append(out, container{name: name, n: one})
	}
	names, nodes := many.entries()
	for i, c := range nodes {
		name := names[i]
		c.path = fmt.Sprintf("container %q", name)
		if c.st == unknown {
			return nil, &unreadable{n: c, unknown: true}
		}
		out = append(out, container{name: name, n: c})
	}
	return out, nil
}

// parseContainerDefinitions decodes the JSON string AWS takes as containerDefinitions.
func parseContainerDefinitions(defs node) ([]container, *unreadable) {
	fix := "make containerDefinitions a JSON array of container definition objects (build it with encoding/json)"
	switch {
	case defs.st == unknown:
		return nil, &unreadable{n: defs, unknown: true}
	case defs.st == absent:
		return nil, &unreadable{n: defs, problem: "is unset, so no container can be checked", fix: "set containerDefinitions"}
	}
	s, ok := defs.str()
	if !ok {
		return nil, &unreadable{n: defs, problem: "is a " + kind(defs.v) + ", not a JSON string", fix: fix}
	}
	var raw []any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, &unreadable{n: defs, problem: "is not a valid JSON array of containers: " + jsonError(err, defs.secret), fix: fix}
	}
	out := make([]container, 0, len(raw))
	for i, e := range raw {
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, &unreadable{n: defs, problem: fmt.Sprintf("element %d is not a JSON object", i), fix: fix}
		}
		name, _ := obj["name"].(string)
		if name == "" {
			name = fmt.Sprintf("#%d", i)
		}
		v := resource.FromResourcePropertyValue(resource.NewPropertyValue(obj))
		out = append(out, container{name: name, n: wrap(v, fmt.Sprintf("container %q", name), defs.secret)})
	}
	return out, nil
}

// jsonError describes a decoding error; for a secret string only the position is given, because
// the decoder's message quotes the offending characters.
func jsonError(err error, secret bool) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case !secret:
		return err.Error()
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d (details withheld: the value is secret)", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("wrong JSON type at byte %d (details withheld: the value is secret)", typ.Offset)
	}
	return "invalid JSON (details withheld: the value is secret)"
}

// readContainers returns the containers, reporting to r when they cannot be read: unknown
// during preview is unverifiable, anything else is a violation (AWS rejects it too).
func readContainers(r *report, res Resource) []container {
	cs, bad := containersOf(res)
	switch {
	case bad == nil:
	case bad.unknown:
		r.needs(res, bad.n)
	default:
		r.violation(res, bad.n.path, bad.problem, bad.fix)
	}
	return cs
}
