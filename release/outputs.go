package release

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"example.com/webstack/contract"
)

// Strategy is the stack's deployment strategy (its home: package contract).
type Strategy = contract.Strategy

const (
	Rolling   = contract.Rolling
	BlueGreen = contract.BlueGreen
)

// StackOutputs are the stack outputs the deploy command reads (their names: package contract).
type StackOutputs struct {
	URL                   string
	ClusterName           string
	ServiceName           string
	ContainerName         string
	ContainerPort         int
	ComputeType           string // OutputComputeType; "" on a stack last updated before it existed
	AvailabilityZones     int    // OutputAvailabilityZones; 0 with existingVpcId or on a stack last updated before it existed
	Strategy              Strategy
	TaskDefinitionARN     string
	CodeDeployApplication string
	CodeDeployGroup       string
	TestListenerURL       string
	AlarmNames            []string
	// Service is what the stack wants the ECS service's tasks to run with. A CODE_DEPLOY service
	// ignores these on `pulumi up` (ECS only changes them through a new task set), so the deploy
	// command carries them in the AppSpec. Empty when the stack does not export them.
	Service ServiceSettings
	// ReleaseTimeout is the stack's own budget for rollout and verification (releaseTimeoutSeconds:
	// a margin plus the blue-green traffic shift); -timeout overrides it. Not required before
	// `pulumi up`: a stack last updated by an older program lacks it until then.
	ReleaseTimeout time.Duration
}

// The stack outputs a blue-green release carries into the AppSpec (names: package contract).
const (
	OutputServiceNetwork           = contract.OutputServiceNetwork
	OutputServicePlatformVersion   = contract.OutputServicePlatformVersion
	OutputServiceCapacityProviders = contract.OutputServiceCapacityProviders
	// OutputComputeType is the stack's computeType ("fargate" or "ec2"): the deploy command refuses to
	// switch it on a live stack (edits.go).
	OutputComputeType       = contract.OutputComputeType
	OutputAvailabilityZones = contract.OutputAvailabilityZones
)

// ServiceSettings are the task set properties a CodeDeploy AppSpec may carry (AppSpec "resources"
// section for Amazon ECS: NetworkConfiguration, PlatformVersion, CapacityProviderStrategy).
type ServiceSettings struct {
	Subnets           []string
	SecurityGroups    []string
	AssignPublicIP    bool
	PlatformVersion   string
	CapacityProviders []CapacityProviderItem
}

// CapacityProviderItem is one entry of a capacity provider strategy.
type CapacityProviderItem struct {
	CapacityProvider string
	Base, Weight     int
}

func (s ServiceSettings) hasNetwork() bool { return len(s.Subnets) > 0 }

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
		URL:                   str(contract.OutputURL),
		ClusterName:           str(contract.OutputClusterName),
		ServiceName:           str(contract.OutputServiceName),
		ContainerName:         str(contract.OutputContainerName),
		Strategy:              Strategy(str(contract.OutputDeploymentStrategy)),
		TaskDefinitionARN:     str(contract.OutputTaskDefinitionARN),
		CodeDeployApplication: str(contract.OutputCodeDeployApplication),
		CodeDeployGroup:       str(contract.OutputCodeDeployGroup),
		TestListenerURL:       str(contract.OutputTestListenerURL),
		ComputeType:           str(contract.OutputComputeType),
	}
	o.ContainerPort = intOutput(m[contract.OutputContainerPort])
	o.AvailabilityZones = intOutput(m[contract.OutputAvailabilityZones])
	o.ReleaseTimeout = time.Duration(intOutput(m[contract.OutputReleaseTimeoutSeconds])) * time.Second
	if names, ok := m[contract.OutputAlarmNames].([]any); ok {
		for _, n := range names {
			if s, ok := n.(string); ok {
				o.AlarmNames = append(o.AlarmNames, s)
			}
		}
	}
	o.Service = parseServiceSettings(m)
	if len(m) == 0 {
		return o, nil // stack created but never deployed
	}
	missing := []string{}
	need := map[string]string{contract.OutputURL: o.URL, contract.OutputClusterName: o.ClusterName, contract.OutputServiceName: o.ServiceName,
		contract.OutputDeploymentStrategy: string(o.Strategy), contract.OutputTaskDefinitionARN: o.TaskDefinitionARN}
	if o.Strategy == BlueGreen {
		need[contract.OutputContainerName] = o.ContainerName
		need[contract.OutputCodeDeployApplication] = o.CodeDeployApplication
		need[contract.OutputCodeDeployGroup] = o.CodeDeployGroup
		if o.ContainerPort == 0 {
			need[contract.OutputContainerPort] = ""
		}
	}
	for _, k := range slices.Sorted(maps.Keys(need)) {
		if need[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return o, fmt.Errorf("stack outputs %v are missing: the program must export them (see package contract)", missing)
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

func stringList(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func parseServiceSettings(m map[string]any) ServiceSettings {
	var s ServiceSettings
	if n, ok := m[OutputServiceNetwork].(map[string]any); ok {
		s.Subnets, s.SecurityGroups = stringList(n["subnets"]), stringList(n["securityGroups"])
		s.AssignPublicIP, _ = n["assignPublicIp"].(bool)
	}
	s.PlatformVersion, _ = m[OutputServicePlatformVersion].(string)
	if l, ok := m[OutputServiceCapacityProviders].([]any); ok {
		for _, x := range l {
			if cp, ok := x.(map[string]any); ok {
				s.CapacityProviders = append(s.CapacityProviders, CapacityProviderItem{CapacityProvider: fmt.Sprint(cp["capacityProvider"]),
					Base: intOutput(cp["base"]), Weight: intOutput(cp["weight"])})
			}
		}
	}
	return s
}
