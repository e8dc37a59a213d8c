package rules

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"google.golang.org/protobuf/types/known/structpb"
)

// benchStack is a 200-resource stack shaped like the program's: per service a task definition,
// a service, a scaling target, a load balancer, two listeners, security group rules, an ECR
// repository and an awsx VPC with subnets. Properties are kept as the wire form the engine sends
// (structpb), so both benchmarks pay the same decoding.
func benchStack(b *testing.B) []*structpb.Struct {
	b.Helper()
	var out []*structpb.Struct
	defs := containerJSON(b, goodContainer(), with(goodContainer(), "name", "sidecar"))
	for i := 0; len(out) < 200; i++ {
		for _, r := range []Resource{
			res(typeTaskDefinition, "td", map[string]any{fieldContainerDefs: defs, "networkMode": "awsvpc"}),
			service(map[string]any{"desiredCount": 2, "networkConfiguration": awsvpc([]any{"subnet-a", unknownValue}),
				"deploymentCircuitBreaker": map[string]any{"enable": true, "rollback": true}}),
			res(typeScalingTarget, "tgt", map[string]any{"serviceNamespace": "ecs", "minCapacity": 2}),
			res(typeLB, "alb", map[string]any{"subnets": []string{"a", "b"}, "dropInvalidHeaderFields": true}),
			res(typeListener, "http", map[string]any{"protocol": "HTTP", "defaultActions": []any{map[string]any{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS"}}}}),
			res(typeListener, "https", map[string]any{"protocol": "HTTPS", "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}),
			res(typeSGIngressRule, "in", map[string]any{"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "0.0.0.0/0"}),
			res(typeECRRepository, "repo", map[string]any{"imageTagMutability": "IMMUTABLE", "imageScanningConfiguration": map[string]any{"scanOnPush": true}}),
			res(typeSubnet, fmt.Sprintf("net-private-%d", i), map[string]any{"availabilityZone": "us-east-1a", "vpcId": unknownValue, "tags": map[string]any{"SubnetType": "Private"}}),
			res(typeAwsxVPC, "net", map[string]any{"numberOfAvailabilityZones": 2}),
		} {
			s, err := plugin.MarshalProperties(resource.ToResourcePropertyMap(r.Props), plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, s)
		}
	}
	return out
}

var benchTypes = []string{typeTaskDefinition, typeService, typeScalingTarget, typeLB, typeListener, typeListener, typeSGIngressRule, typeECRRepository, typeSubnet, typeAwsxVPC}

func decode(b *testing.B, s *structpb.Struct) property.Map {
	pm, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, KeepOutputValues: true})
	if err != nil {
		b.Fatal(err)
	}
	return resource.FromResourcePropertyMap(pm)
}

// BenchmarkDecodeOnly is the baseline: what the pack pays per resource before any rule runs.
func BenchmarkDecodeOnly(b *testing.B) {
	stack := benchStack(b)
	b.ResetTimer()
	for b.Loop() {
		for _, s := range stack {
			_ = decode(b, s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(stack)), "ns/resource")
}

// BenchmarkAnalyzeStack200 decodes the same properties and runs every resource rule on each
// resource and every stack rule once, under the prod pack config.
func BenchmarkAnalyzeStack200(b *testing.B) {
	stack := benchStack(b)
	pc, err := LoadPackConfig("../config/prod.json")
	if err != nil {
		b.Fatal(err)
	}
	resources := make([]Resource, len(stack))
	b.ResetTimer()
	for b.Loop() {
		for i, s := range stack {
			resources[i] = Resource{Type: benchTypes[i%len(benchTypes)], URN: fmt.Sprint("urn:", i), Name: "r", Props: decode(b, s)}
			AnalyzeResource(resources[i], pc)
		}
		AnalyzeStack(resources, pc)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(stack)), "ns/resource")
}
