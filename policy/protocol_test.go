package main

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"example.com/webstack/policy/rules"
)

// engineDouble stands in for the Pulumi engine's gRPC server, whose address the CLI passes to an
// analyzer as its only argument and in Handshake. The pack never calls it; it only has to exist.
type engineDouble struct {
	pulumirpc.UnimplementedEngineServer
}

// startPack builds the pack binary and starts it the way the CLI (pkg/resource/plugin
// NewPolicyAnalyzer, binary path) does: argv [engine address], the program directory as working
// directory, the ambient environment; the port is the first line on stdout.
func startPack(t *testing.T) (pulumirpc.AnalyzerClient, *exec.Cmd, <-chan error, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "policy-pack")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	engine := grpc.NewServer()
	pulumirpc.RegisterEngineServer(engine, engineDouble{})
	go func() { _ = engine.Serve(lis) }()
	t.Cleanup(engine.Stop)

	cmd := exec.Command(bin, lis.Addr().String())
	cmd.Dir = t.TempDir()
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the port: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("first stdout line %q is not a port", line)
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return pulumirpc.NewAnalyzerClient(conn), cmd, exited, lis.Addr().String()
}

// cliConfig builds the Configure request the CLI sends for a --policy-pack-config file
// (pkg/resource/analyzer ReconcilePolicyPackConfig): every policy, its level from the file or
// its default, schema defaults overlaid with the file's parameters, enforcementLevel removed.
func cliConfig(t *testing.T, info *pulumirpc.AnalyzerInfo, file string) *pulumirpc.ConfigureAnalyzerRequest {
	t.Helper()
	pc, err := rules.LoadPackConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[rules.Level]pulumirpc.EnforcementLevel{
		rules.Advisory: pulumirpc.EnforcementLevel_ADVISORY, rules.Mandatory: pulumirpc.EnforcementLevel_MANDATORY,
		rules.Disabled: pulumirpc.EnforcementLevel_DISABLED,
	}
	req := &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{}}
	for _, p := range info.GetPolicies() {
		props := map[string]any{}
		for k, v := range p.GetConfigSchema().GetProperties().AsMap() {
			if d, ok := v.(map[string]any)["default"]; ok {
				props[k] = d
			}
		}
		level := p.GetEnforcementLevel()
		if s, ok := pc[p.GetName()]; ok {
			if s.Level != "" {
				level = levels[s.Level]
			}
			maps.Copy(props, s.Params)
			delete(props, "enforcementLevel")
		}
		st, err := structpb.NewStruct(props)
		if err != nil {
			t.Fatal(err)
		}
		req.PolicyConfig[p.GetName()] = &pulumirpc.PolicyConfig{EnforcementLevel: level, Properties: st}
	}
	return req
}

func marshal(t *testing.T, props resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(props, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepOutputValues: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// diag is the part of a diagnostic the test pins exactly: policy, level and resource.
type diag struct {
	policy string
	level  pulumirpc.EnforcementLevel
	urn    string
}

func diags(res *pulumirpc.AnalyzeResponse) []diag {
	var out []diag
	for _, d := range res.GetDiagnostics() {
		out = append(out, diag{d.GetPolicyName(), d.GetEnforcementLevel(), d.GetUrn()})
	}
	slices.SortFunc(out, func(a, b diag) int { return strings.Compare(a.policy+a.urn, b.policy+b.urn) })
	return out
}

func urn(typ, name string) string { return "urn:pulumi:dev::webstack::" + typ + "::" + name }

const (
	mandatory = pulumirpc.EnforcementLevel_MANDATORY
	advisory  = pulumirpc.EnforcementLevel_ADVISORY
)

func TestPackOverGRPC(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pack binary")
	}
	client, _, exited, engineAddr := startPack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	root := t.TempDir()
	if _, err := client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{EngineAddress: engineAddr, RootDirectory: &root, ProgramDirectory: &root}); err != nil {
		t.Fatalf("Handshake: %v", err)
	}
	if _, err := client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Stack: "dev", Project: "webstack", Organization: "organization", DryRun: true,
		Config: map[string]string{"webstack:desiredCount": "2"},
	}); err != nil {
		t.Fatalf("ConfigureStack: %v", err)
	}
	if _, err := client.GetPluginInfo(ctx, &emptypb.Empty{}); err != nil {
		t.Fatalf("GetPluginInfo: %v", err)
	}
	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("GetAnalyzerInfo: %v", err)
	}
	wantNames := append(rules.Names(), rules.PolicyUnverifiedResources, rules.PolicyUnverifiedStack)
	var gotNames []string
	for _, p := range info.GetPolicies() {
		gotNames = append(gotNames, p.GetName())
		want := mandatory
		if slices.Contains([]string{rules.PolicyContainerGroupNotRoot, rules.PolicyCapacityProviderTermination, rules.PolicyUnverifiedResources, rules.PolicyUnverifiedStack}, p.GetName()) {
			want = advisory
		}
		if p.GetEnforcementLevel() != want {
			t.Errorf("policy %s default level %v, want %v (set explicitly: policyx ignores the pack level)", p.GetName(), p.GetEnforcementLevel(), want)
		}
	}
	if info.GetName() != packName || !slices.Equal(gotNames, wantNames) {
		t.Fatalf("pack %q policies %q, want %q %q", info.GetName(), gotNames, packName, wantNames)
	}
	if _, err := client.Configure(ctx, cliConfig(t, info, "config/dev.json")); err != nil {
		t.Fatalf("Configure: %v", err)
	}

	analyze := func(typ, name string, props resource.PropertyMap) *pulumirpc.AnalyzeResponse {
		t.Helper()
		res, err := client.Analyze(ctx, &pulumirpc.AnalyzeRequest{Type: typ, Name: name, Urn: urn(typ, name), Properties: marshal(t, props)})
		if err != nil {
			t.Fatalf("Analyze %s: %v", name, err)
		}
		return res
	}
	const taskDef, service = "aws:ecs/taskDefinition:TaskDefinition", "aws:ecs/service:Service"

	t.Run("secret container definitions with a root user", func(t *testing.T) {
		defs := `[{"name":"web","user":" 0:0 ","readonlyRootFilesystem":true,"logConfiguration":{"logDriver":"awslogs"},` +
			`"environment":[{"name":"LOG_LEVEL","value":"topsecretvalue"}]}]`
		res := analyze(taskDef, "td", resource.PropertyMap{"containerDefinitions": resource.MakeSecret(resource.NewProperty(defs)), "networkMode": resource.NewProperty("awsvpc")})
		if got, want := diags(res), []diag{{rules.PolicyContainerNotRoot, mandatory, urn(taskDef, "td")}}; !slices.Equal(got, want) {
			t.Fatalf("diagnostics %v, want %v", got, want)
		}
		msg := res.GetDiagnostics()[0].GetMessage()
		if !strings.Contains(msg, `container "web".user: (secret value, not shown) runs the container as root`) || strings.Contains(msg, "topsecretvalue") {
			t.Fatalf("message: %s", msg)
		}
	})

	t.Run("unknown subnets and an unknown output during preview", func(t *testing.T) {
		res := analyze(service, "svc", resource.PropertyMap{
			"desiredCount": resource.NewProperty(resource.Output{Known: false}),
			"networkConfiguration": resource.NewProperty(resource.PropertyMap{
				"subnets":        resource.MakeComputed(resource.NewProperty("")),
				"assignPublicIp": resource.NewProperty(false),
			}),
			"deploymentCircuitBreaker": resource.NewProperty(resource.PropertyMap{"enable": resource.NewProperty(true), "rollback": resource.NewProperty(true)}),
		})
		want := []diag{{rules.PolicyUnverifiedResources, advisory, urn(service, "svc")}, {rules.PolicyUnverifiedResources, advisory, urn(service, "svc")}}
		if got := diags(res); !slices.Equal(got, want) {
			t.Fatalf("diagnostics %v, want %v", got, want)
		}
		for _, d := range res.GetDiagnostics() {
			if !strings.Contains(d.GetMessage(), "[ecs-service-multi-az]") || !strings.Contains(d.GetMessage(), "cannot be verified during preview; it is enforced at update") {
				t.Errorf("message: %s", d.GetMessage())
			}
		}
	})

	t.Run("one subnet and one task", func(t *testing.T) {
		res := analyze(service, "svc1", resource.PropertyMap{
			"desiredCount": resource.NewProperty(1.0),
			"networkConfiguration": resource.NewProperty(resource.PropertyMap{
				"subnets": resource.NewProperty([]resource.PropertyValue{resource.NewProperty("subnet-a")}), "assignPublicIp": resource.NewProperty(false)}),
			"deploymentCircuitBreaker": resource.NewProperty(resource.PropertyMap{"enable": resource.NewProperty(true), "rollback": resource.NewProperty(true)}),
		})
		want := []diag{{rules.PolicyServiceMultiAZ, mandatory, urn(service, "svc1")}, {rules.PolicyServiceMultiAZ, mandatory, urn(service, "svc1")}}
		if got := diags(res); !slices.Equal(got, want) {
			t.Fatalf("diagnostics %v, want %v", got, want)
		}
	})

	t.Run("launch template: string flags, a secret and an unknown", func(t *testing.T) {
		const lt = "aws:ec2/launchTemplate:LaunchTemplate"
		res := analyze(lt, "lt", resource.PropertyMap{
			"metadataOptions":   resource.NewProperty(resource.PropertyMap{"httpTokens": resource.MakeSecret(resource.NewProperty("optional"))}),
			"networkInterfaces": resource.MakeComputed(resource.NewProperty("")),
			"blockDeviceMappings": resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
				"deviceName": resource.NewProperty("/dev/xvda"),
				"ebs":        resource.NewProperty(resource.PropertyMap{"encrypted": resource.NewProperty("true")}),
			})}),
		})
		u := urn(lt, "lt")
		want := []diag{{rules.PolicyEC2IMDSv2, mandatory, u}, {rules.PolicyUnverifiedResources, advisory, u}}
		if got := diags(res); !slices.Equal(got, want) {
			t.Fatalf("diagnostics %v, want %v", got, want)
		}
		for _, d := range res.GetDiagnostics() {
			msg := d.GetMessage()
			switch d.GetPolicyName() {
			case rules.PolicyEC2IMDSv2:
				if !strings.Contains(msg, "metadataOptions.httpTokens: is (secret value, not shown)") || strings.Contains(msg, "optional") {
					t.Errorf("message: %s", msg)
				}
			default:
				if !strings.Contains(msg, "[ec2-no-public-ip]") || !strings.Contains(msg, "networkInterfaces") {
					t.Errorf("message: %s", msg)
				}
			}
		}
	})

	t.Run("malformed JSON", func(t *testing.T) {
		res := analyze(taskDef, "bad", resource.PropertyMap{"containerDefinitions": resource.NewProperty(`[{"name": "web"`)})
		u := urn(taskDef, "bad")
		want := []diag{{rules.PolicyContainerLogging, mandatory, u}, {rules.PolicyContainerNotRoot, mandatory, u},
			{rules.PolicyNoSecretsInEnv, mandatory, u}, {rules.PolicyReadOnlyRootFS, mandatory, u}}
		if got := diags(res); !slices.Equal(got, want) {
			t.Fatalf("diagnostics %v, want %v", got, want)
		}
		if msg := res.GetDiagnostics()[0].GetMessage(); !strings.Contains(msg, "unexpected end of JSON input") {
			t.Fatalf("message lacks the parse error: %s", msg)
		}
	})

	t.Run("stack", func(t *testing.T) {
		vpc := urn("awsx:ec2:Vpc", "net")
		var resources []*pulumirpc.AnalyzerResource
		add := func(typ, name, parent string, props resource.PropertyMap, deps map[string][]string) {
			r := &pulumirpc.AnalyzerResource{Type: typ, Name: name, Urn: urn(typ, name), Parent: parent, Properties: marshal(t, props),
				PropertyDependencies: map[string]*pulumirpc.AnalyzerPropertyDependencies{}}
			for k, v := range deps {
				r.PropertyDependencies[k] = &pulumirpc.AnalyzerPropertyDependencies{Urns: v}
			}
			resources = append(resources, r)
		}
		add("awsx:ec2:Vpc", "net", "", resource.PropertyMap{"numberOfAvailabilityZones": resource.NewProperty(2.0)}, nil)
		for i, az := range []string{"us-east-1a", "us-east-1b"} {
			for _, kind := range []string{"Public", "Private"} {
				add("aws:ec2/subnet:Subnet", fmt.Sprintf("net-%s-%d", strings.ToLower(kind), i+1), vpc, resource.PropertyMap{
					"availabilityZone": resource.NewProperty(az), "id": resource.MakeComputed(resource.NewProperty("")),
					"tags": resource.NewProperty(resource.PropertyMap{"SubnetType": resource.NewProperty(kind)}),
				}, nil)
			}
		}
		subnetsOf := func(v resource.PropertyValue) resource.PropertyMap {
			return resource.PropertyMap{"networkConfiguration": resource.NewProperty(resource.PropertyMap{"subnets": v})}
		}
		unknownID := resource.MakeComputed(resource.NewProperty(""))
		unknownSubnets := subnetsOf(unknownID)
		onVPC := map[string][]string{"networkConfiguration": {vpc}}
		// Entries unknown, list length known: two of the VPC's one-per-zone subnets span two zones, one cannot.
		add(service, "spread", "", subnetsOf(resource.NewProperty([]resource.PropertyValue{unknownID, unknownID})), onVPC)
		add(service, "one-entry", "", subnetsOf(resource.NewProperty([]resource.PropertyValue{unknownID})), onVPC)
		add(service, "unknown-list", "", unknownSubnets, onVPC)
		add(service, "single", "", unknownSubnets, map[string][]string{"networkConfiguration": {urn("aws:ec2/subnet:Subnet", "net-private-1")}})
		add(service, "orphan", "", unknownSubnets, nil)
		add("aws:lb/loadBalancer:LoadBalancer", "alb", "", resource.PropertyMap{"internal": resource.NewProperty(false)}, nil)
		// The VPC's default security group and flow log, linked during preview only through the
		// property dependency on the awsx VPC; it has no endpoints (vpc-endpoints, advisory in dev).
		onVPCID := map[string][]string{"vpcId": {vpc}}
		add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "net-default-sg", "", resource.PropertyMap{"vpcId": unknownID}, onVPCID)
		add("aws:ec2/flowLog:FlowLog", "net-flow-log", "", resource.PropertyMap{"vpcId": unknownID, "trafficType": resource.NewProperty("ALL")}, onVPCID)

		res, err := client.AnalyzeStack(ctx, &pulumirpc.AnalyzeStackRequest{Resources: resources})
		if err != nil {
			t.Fatalf("AnalyzeStack: %v", err)
		}
		want := []diag{
			{rules.PolicyServiceSubnetsSpanAZs, mandatory, urn(service, "single")},
			{rules.PolicyServiceSubnetsSpanAZs, mandatory, urn(service, "one-entry")},
			{rules.PolicyWAFAssociation, advisory, urn("aws:lb/loadBalancer:LoadBalancer", "alb")},
			{rules.PolicyUnverifiedStack, advisory, urn(service, "orphan")},
			{rules.PolicyUnverifiedStack, advisory, urn(service, "unknown-list")},
		}
		for range 6 { // ec2, ecr.api, ecr.dkr, ssm, ssm-contacts, ssm-incidents
			want = append(want, diag{rules.PolicyVPCEndpoints, advisory, vpc})
		}
		slices.SortFunc(want, func(a, b diag) int { return strings.Compare(a.policy+a.urn, b.policy+b.urn) })
		if got := diags(res); !slices.Equal(got, want) {
			for _, d := range res.GetDiagnostics() {
				t.Log(d.GetMessage())
			}
			t.Fatalf("diagnostics %v, want %v", got, want)
		}
	})

	t.Run("bad policy config is a violation, not a failed analysis", func(t *testing.T) {
		bad, _ := structpb.NewStruct(map[string]any{"minimumAvailabilityZones": 1})
		if _, err := client.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: map[string]*pulumirpc.PolicyConfig{
			rules.PolicyServiceMultiAZ: {EnforcementLevel: mandatory, Properties: bad},
		}}); err != nil {
			t.Fatal(err)
		}
		res := analyze(service, "svc2", resource.PropertyMap{})
		var msgs []string
		for _, d := range res.GetDiagnostics() {
			if d.GetPolicyName() == rules.PolicyServiceMultiAZ {
				msgs = append(msgs, d.GetMessage())
			}
		}
		if len(msgs) != 1 || !strings.Contains(msgs[0], `"minimumAvailabilityZones" must be a whole number from 2 to 6`) {
			t.Fatalf("messages %q", msgs)
		}
	})

	if _, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{}); err != nil {
		t.Fatalf("pack stopped answering: %v", err)
	}
	select {
	case err := <-exited:
		t.Fatalf("pack exited: %v", err)
	default:
	}
}
