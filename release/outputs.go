package release

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Strategy is the stack's deployment.strategy: who moves traffic to a new task definition.
type Strategy string

const (
	// Rolling lets the ECS deployment controller replace tasks (circuit breaker + alarm rollback).
	Rolling Strategy = "rolling"
	// BlueGreen hands each release to a CodeDeploy deployment that shifts ALB traffic.
	BlueGreen Strategy = "blue-green"
)

// StackOutputs are the stack outputs the deploy command reads (contracts.md, "Stack outputs" and
// "Release-related stack outputs").
type StackOutputs struct {
	URL                   string
	ClusterName           string
	ServiceName           string
	ContainerName         string
	ContainerPort         int
	Strategy              Strategy
	TaskDefinitionArn     string
	CodeDeployApplication string
	CodeDeployGroup       string
	TestListenerURL       string
	AlarmNames            []string
	// ReleaseTimeout is the stack's own budget for rollout and verification (releaseTimeoutSeconds:
	// a margin plus the blue-green traffic shift); -timeout overrides it. Not required before
	// `pulumi up`: a stack last updated by an older program lacks it until then.
	ReleaseTimeout time.Duration
}

// deployed reports whether the stack has been brought up at least once (a first release has no
// service yet to inspect or roll back to).
func (o StackOutputs) deployed() bool { return o.ClusterName != "" && o.ServiceName != "" }

// ParseOutputs reads the stack outputs, as plain values, into StackOutputs. Missing release outputs
// on a stack that exists are an error naming the output, because the deploy command cannot guess them.
func ParseOutputs(m map[string]any) (StackOutputs, error) {
	str := func(k string) string {
		if s, ok := m[k].(string); ok {
			return s
		}
		return ""
	}
	o := StackOutputs{
		URL:                   str("url"),
		ClusterName:           str("clusterName"),
		ServiceName:           str("serviceName"),
		ContainerName:         str("containerName"),
		Strategy:              Strategy(str("deploymentStrategy")),
		TaskDefinitionArn:     str("taskDefinitionArn"),
		CodeDeployApplication: str("codeDeployApplicationName"),
		CodeDeployGroup:       str("codeDeployDeploymentGroupName"),
		TestListenerURL:       str("testListenerUrl"),
	}
	o.ContainerPort = intOutput(m["containerPort"])
	o.ReleaseTimeout = time.Duration(intOutput(m["releaseTimeoutSeconds"])) * time.Second
	if names, ok := m["alarmNames"].([]any); ok {
		for _, n := range names {
			if s, ok := n.(string); ok {
				o.AlarmNames = append(o.AlarmNames, s)
			}
		}
	}
	if len(m) == 0 {
		return o, nil // stack created but never deployed
	}
	missing := []string{}
	need := map[string]string{"url": o.URL, "clusterName": o.ClusterName, "serviceName": o.ServiceName,
		"deploymentStrategy": string(o.Strategy), "taskDefinitionArn": o.TaskDefinitionArn}
	if o.Strategy == BlueGreen {
		need["containerName"] = o.ContainerName
		need["codeDeployApplicationName"] = o.CodeDeployApplication
		need["codeDeployDeploymentGroupName"] = o.CodeDeployGroup
		if o.ContainerPort == 0 {
			need["containerPort"] = ""
		}
	}
	for _, k := range slices.Sorted(maps.Keys(need)) {
		if need[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return o, fmt.Errorf("stack outputs %v are missing: the program must export them (see contracts.md)", missing)
	}
	if o.Strategy != Rolling && o.Strategy != BlueGreen {
		return o, fmt.Errorf("stack output deploymentStrategy is %q: want %q or %q", o.Strategy, Rolling, BlueGreen)
	}
	return o, nil
}

// intOutput reads a whole-number output, which arrives as a JSON number (or text).
func intOutput(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return 0
}
