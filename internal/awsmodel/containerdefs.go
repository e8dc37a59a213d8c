// Package awsmodel is the offline model of what AWS and the Pulumi aws provider (pulumi-aws
// v6.83.4, which wraps the Terraform AWS provider v5) do on a second `pulumi up`: what AWS returns
// that differs from what we sent (read-back), when the provider sees a difference (its equivalence
// functions), which property changes replace a resource, and when the bridge deletes before it
// replaces. The offline provider TEST DOUBLES (offline/doubles) answer the engine with it in the
// simulated `up` of the offline harness; nothing here calls AWS.
//
// Every rule cites where it comes from (provider source, bridge source, API reference, issue
// thread). What no source backs is not modelled, and says so; a real account stays the final
// check (docs/day2.md).
package awsmodel

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// ContainerDefinitionsEquivalent is the provider's diff-suppress for a task definition's
// containerDefinitions: Terraform AWS provider internal/service/ecs/container_definitions.go,
// containerDefinitionsAreEquivalent and containerDefinitions.reduce. Both documents are decoded
// into the ECS SDK's ContainerDefinition type (as the provider does, so unknown keys drop and
// field names match case-insensitively), reduced, re-encoded and compared. reduce sorts the
// containers by name and their environment and secrets by name; drops zero entries from object
// arrays; defaults essential to true and a health check's interval/retries/timeout to 30/3/5;
// drops protocol "tcp" and hostPort 0, and under awsvpc sets hostPort to containerPort; and sets
// every empty top-level array of a container to null. Nothing nested is normalised: an empty
// linuxParameters.capabilities.add ([] vs absent) or logConfiguration.secretOptions is a
// difference, and containerDefinitions is ForceNew (a new revision).
func ContainerDefinitionsEquivalent(a, b string, awsvpc bool) (bool, error) {
	ra, err := reducedContainerDefinitions(a, awsvpc)
	if err != nil {
		return false, err
	}
	rb, err := reducedContainerDefinitions(b, awsvpc)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ra, rb), nil
}

func reducedContainerDefinitions(doc string, awsvpc bool) ([]byte, error) {
	var defs []ecstypes.ContainerDefinition
	if err := json.Unmarshal([]byte(doc), &defs); err != nil {
		return nil, fmt.Errorf("containerDefinitions is not a JSON array of container definitions: %w", err)
	}
	slices.SortFunc(defs, func(x, y ecstypes.ContainerDefinition) int { return cmp.Compare(str(x.Name), str(y.Name)) })
	for i := range defs {
		d := &defs[i]
		slices.SortFunc(d.Environment, func(x, y ecstypes.KeyValuePair) int { return cmp.Compare(str(x.Name), str(y.Name)) })
		slices.SortFunc(d.Secrets, func(x, y ecstypes.Secret) int { return cmp.Compare(str(x.Name), str(y.Name)) })
		d.DependsOn = compact(d.DependsOn)
		d.Environment = compact(d.Environment)
		d.EnvironmentFiles = compact(d.EnvironmentFiles)
		d.ExtraHosts = compact(d.ExtraHosts)
		d.MountPoints = compact(d.MountPoints)
		d.PortMappings = compact(d.PortMappings)
		d.ResourceRequirements = compact(d.ResourceRequirements)
		d.Secrets = compact(d.Secrets)
		d.SystemControls = compact(d.SystemControls)
		d.Ulimits = compact(d.Ulimits)
		d.VolumesFrom = compact(d.VolumesFrom)
		if d.Essential == nil {
			d.Essential = ptr(true)
		}
		if hc := d.HealthCheck; hc != nil {
			hc.Interval = cmp.Or(hc.Interval, ptr[int32](30))
			hc.Retries = cmp.Or(hc.Retries, ptr[int32](3))
			hc.Timeout = cmp.Or(hc.Timeout, ptr[int32](5))
		}
		for j := range d.PortMappings {
			pm := &d.PortMappings[j]
			if pm.Protocol == ecstypes.TransportProtocolTcp {
				pm.Protocol = ""
			}
			if pm.HostPort != nil && *pm.HostPort == 0 {
				pm.HostPort = nil
			}
			if awsvpc && pm.HostPort == nil {
				pm.HostPort = pm.ContainerPort
			}
		}
		nilIfEmpty(&d.Command)
		nilIfEmpty(&d.CredentialSpecs)
		nilIfEmpty(&d.DependsOn)
		nilIfEmpty(&d.DnsSearchDomains)
		nilIfEmpty(&d.DnsServers)
		nilIfEmpty(&d.DockerSecurityOptions)
		nilIfEmpty(&d.EntryPoint)
		nilIfEmpty(&d.Environment)
		nilIfEmpty(&d.EnvironmentFiles)
		nilIfEmpty(&d.ExtraHosts)
		nilIfEmpty(&d.Links)
		nilIfEmpty(&d.MountPoints)
		nilIfEmpty(&d.PortMappings)
		nilIfEmpty(&d.ResourceRequirements)
		nilIfEmpty(&d.Secrets)
		nilIfEmpty(&d.SystemControls)
		nilIfEmpty(&d.Ulimits)
		nilIfEmpty(&d.VolumesFrom)
	}
	return json.Marshal(defs)
}

// DescribedContainerDefinitions is what the provider stores as containerDefinitions after
// RegisterTaskDefinition: the provider reads the task definition back (DescribeTaskDefinition)
// and stores ECS's answer re-serialised (container_definitions.go flattenContainerDefinitions),
// not what we sent. What ECS adds, each with its source:
//   - linuxParameters.capabilities.add: [] when capabilities were sent without add. ECS persists
//     {"add": [], "drop": ["ALL"]} for {"drop": ["ALL"]} (braintrustdata/
//     terraform-aws-braintrust-data-plane PR #335: "AWS persists linuxParameters.capabilities as
//     {add=[], drop=["ALL"]}", replaced on every plan; TerraConstructs/base PR #158).
//   - portMappings[].hostPort = containerPort under awsvpc when not sent (ECS API reference,
//     PortMapping.hostPort: with awsvpc "the hostPort can either be left blank or set to the same
//     value as the containerPort"; the provider's reduce() fills it for awsvpc to match).
//   - essential: true when not sent (ECS API reference, ContainerDefinition.essential: "If the
//     essential parameter of a container is marked as true ... All tasks must have at least one
//     essential container"; default true; pulumi/pulumi-awsx#617 and #669 show it in state).
//   - mountPoints: [], volumesFrom: [] and cpu: 0 when not sent (pulumi/pulumi-awsx#669: state
//     holds "mountPoints: []" the program never sent; hashicorp/terraform-aws-consul-ecs#318:
//     systemControls/portMappings [] and cpu 0).
//
// Not modelled, no source found that says ECS adds them when not sent: versionConsistency
// (terraform-aws-modules/terraform-aws-ecs#356 shows a revision registered without it has none),
// restartPolicy (#301 there is the module sending a default), logConfiguration.secretOptions
// (pulumi/pulumi-aws#5256 reports a permanent diff with logConfiguration but not its cause).
// Booleans we send (privileged, readonlyRootFilesystem, initProcessEnabled) come back as sent.
func DescribedContainerDefinitions(sent, networkMode string) (string, error) {
	var defs []map[string]any
	if err := json.Unmarshal([]byte(sent), &defs); err != nil {
		return "", fmt.Errorf("containerDefinitions is not a JSON array of objects: %w", err)
	}
	for _, d := range defs {
		if lp, ok := d["linuxParameters"].(map[string]any); ok {
			if c, ok := lp["capabilities"].(map[string]any); ok {
				if _, has := c["add"]; !has {
					c["add"] = []any{}
				}
			}
		}
		if networkMode == "awsvpc" {
			if pms, ok := d["portMappings"].([]any); ok {
				for _, p := range pms {
					if pm, ok := p.(map[string]any); ok {
						if _, has := pm["hostPort"]; !has {
							pm["hostPort"] = pm["containerPort"]
						}
					}
				}
			}
		}
		if _, has := d["essential"]; !has {
			d["essential"] = true
		}
		for _, k := range []string{"mountPoints", "volumesFrom"} {
			if _, has := d[k]; !has {
				d[k] = []any{}
			}
		}
		if _, has := d["cpu"]; !has {
			d["cpu"] = 0
		}
	}
	out, err := json.Marshal(defs)
	return string(out), err
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr[T any](v T) *T { return &v }

func nilIfEmpty[S ~[]E, E any](s *S) {
	if len(*s) == 0 {
		*s = nil
	}
}

// compact drops zero values from an object array (the provider's compactArray).
func compact[S ~[]E, E any](s S) S {
	if len(s) == 0 {
		return s
	}
	var zero E
	out := s[:0:0]
	for _, e := range s {
		if !reflect.DeepEqual(e, zero) {
			out = append(out, e)
		}
	}
	return out
}
