package program

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

func getter(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// Pulumi.yaml declares exactly the keys the program reads, each typed and described, and its
// defaults are the program's defaults.
func TestPulumiYamlMatchesConfig(t *testing.T) {
	proj, err := workspace.LoadProject(filepath.Join(projectDir, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := proj.Validate(); err != nil {
		t.Fatal(err)
	}
	if proj.Name.String() != Project || proj.Runtime.Name() != "go" {
		t.Errorf("project %s runtime %s", proj.Name, proj.Runtime.Name())
	}
	var declared []string
	for k, decl := range proj.Config {
		declared = append(declared, strings.TrimPrefix(k, Project+":"))
		if decl.TypeName() == "" || decl.Description == "" || decl.Default == nil {
			t.Errorf("%s: needs a type, a description and a default", k)
		}
	}
	slices.Sort(declared)
	keys := slices.Sorted(slices.Values(Keys()))
	if !slices.Equal(declared, keys) {
		t.Fatalf("Pulumi.yaml declares %v\nthe program reads %v", declared, keys)
	}

	// Parse the declared defaults the way Load parses stack values.
	defaults := map[string]string{}
	for k, decl := range proj.Config {
		defaults[k] = cliValue(t, decl.Default)
	}
	var got Config
	for _, f := range got.fields() {
		if err := parseInto(f.ptr, defaults[Project+":"+f.key]); err != nil {
			t.Fatalf("%s: %v", f.key, err)
		}
	}
	if want := Defaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("Pulumi.yaml defaults\n%+v\nprogram defaults\n%+v", got, want)
	}
}

func TestStackFiles(t *testing.T) {
	dev, err := Load("dev", getter(stackConfig(t, "dev")))
	if err != nil {
		t.Fatalf("dev: %v", err)
	}
	prod, err := Load("prod", getter(stackConfig(t, "prod")))
	if err != nil {
		t.Fatalf("prod: %v", err)
	}
	checks := []struct {
		what      string
		dev, prod any
	}{
		{"availabilityZones", dev.AvailabilityZones, prod.AvailabilityZones},
		{"natGateways", dev.NatGateways, prod.NatGateways},
		{"spot weight > 0", dev.FargateSpotWeight > 0, prod.FargateSpotWeight > 0},
		{"certificate", dev.HasCertificate(), prod.HasCertificate()},
		{"allowInsecureHttp", dev.AllowInsecureHTTP, prod.AllowInsecureHTTP},
		{"waf", dev.Waf, prod.Waf},
		{"accessLogs", dev.AccessLogs, prod.AccessLogs},
		{"deletionProtection", dev.DeletionProtection, prod.DeletionProtection},
		{"enableExecuteCommand", dev.EnableExecuteCommand, prod.EnableExecuteCommand},
		{"logRetentionDays", dev.LogRetentionDays, prod.LogRetentionDays},
		{"cpu", dev.CPU, prod.CPU},
	}
	want := map[string][2]any{
		"availabilityZones": {2, 3}, "natGateways": {"Single", "OnePerAz"}, "spot weight > 0": {true, false},
		"certificate": {false, true}, "allowInsecureHttp": {true, false}, "waf": {false, true}, "accessLogs": {false, true},
		"deletionProtection": {false, true}, "enableExecuteCommand": {true, false}, "logRetentionDays": {7, 365}, "cpu": {256, 512},
	}
	if len(dev.Warnings()) != 1 || !strings.Contains(dev.Warnings()[0], "plain HTTP") || len(prod.Warnings()) != 0 {
		t.Errorf("warnings: dev %q prod %q; want the plain-HTTP warning for dev only", dev.Warnings(), prod.Warnings())
	}
	for _, c := range checks {
		if w := want[c.what]; c.dev != w[0] || c.prod != w[1] {
			t.Errorf("%s: dev %v prod %v, want %v %v", c.what, c.dev, c.prod, w[0], w[1])
		}
	}
}

// badConfigs are changes to the real dev stack config, each with the problems Load must report.
var badConfigs = []struct {
	name string
	set  map[string]string
	want []string // "key: message fragment"
}{
	{"fargate pair", map[string]string{"cpu": "256", "memory": "4096"}, []string{"memory: memory 4096 is not valid with cpu 256"}},
	{"fargate cpu", map[string]string{"cpu": "300"}, []string{"memory: cpu 300 is not a Fargate task size"}},
	{"desired above max", map[string]string{"desiredCount": "9"}, []string{"desiredCount: 9 is outside [minCount, maxCount] = [2, 4]"}},
	{"min of one", map[string]string{"minCount": "1", "desiredCount": "1"}, []string{"minCount: 1 task(s)"}},
	{"max below min", map[string]string{"maxCount": "1"}, []string{"maxCount: 1 is below minCount 2", "maxCount: 1 is out of range", "desiredCount: 2 is outside"}},
	{"one AZ", map[string]string{"availabilityZones": "1"}, []string{"availabilityZones: 1 Availability Zone(s)"}},
	{"privileged port", map[string]string{"containerPort": "80"}, []string{"containerPort: 80 is out of range"}},
	{"bad CIDR", map[string]string{"ingressCidrs": `["0.0.0.0/0","10.0.0.1/8","nope"]`}, []string{`ingressCidrs: "10.0.0.1/8" is not an IPv4 CIDR`, `ingressCidrs: "nope" is not an IPv4 CIDR`}},
	{"vpc cidr", map[string]string{"vpcCidr": "10.0.0.0/8"}, []string{`vpcCidr: "10.0.0.0/8" is not an IPv4 network from /16 to /20`}},
	{"health path", map[string]string{"healthCheckPath": "healthz?x=1"}, []string{`healthCheckPath: "healthz?x=1"`}},
	{"long name", map[string]string{"serviceName": "a-very-long-service-name-indeed"}, []string{`serviceName: "a-very-long-service-name-indeed" is not a valid name`}},
	{"uppercase name", map[string]string{"serviceName": "Web"}, []string{`serviceName: "Web" is not a valid name`}},
	{"no certificate", map[string]string{"allowInsecureHttp": "false"}, []string{"certificateArn: no certificate and no domain"}},
	{"domain without zone", map[string]string{"domainName": "api.example.com"}, []string{"domainName: domainName and hostedZoneId go together"}},
	{"bad zone", map[string]string{"domainName": "api.example.com", "hostedZoneId": "zone1"}, []string{`hostedZoneId: "zone1" is not a Route 53 hosted zone id`}},
	{"cert arn", map[string]string{"certificateArn": "my-cert"}, []string{`certificateArn: "my-cert" is not an ACM certificate ARN`}},
	{"plain secret", map[string]string{"secrets": `["DB_PASSWORD=hunter2"]`}, []string{`secrets: DB_PASSWORD: "hunter2" is not an SSM parameter or Secrets Manager secret ARN`}},
	{"secret in env", map[string]string{"environment": `["DB_PASSWORD=hunter2"]`}, []string{"environment: DB_PASSWORD looks like a secret"}},
	{"reserved env", map[string]string{"environment": `["PORT=9000"]`}, []string{"environment: PORT is set by the program"}},
	{"not an integer", map[string]string{"cpu": "one"}, []string{`cpu: "one" is not an integer`}},
	{"not a list", map[string]string{"ingressCidrs": "0.0.0.0/0"}, []string{`ingressCidrs: "0.0.0.0/0" is not a list of strings`}},
	{"nat none", map[string]string{"natGateways": "None"}, []string{"natGateways: None leaves private subnets"}},
	{"arm on spot", map[string]string{"imagePlatform": "linux/arm64"}, []string{"fargateSpotWeight: Fargate Spot does not run linux/arm64"}},
	{"no capacity", map[string]string{"fargateWeight": "0", "fargateSpotWeight": "0"}, []string{"fargateWeight: fargateWeight and fargateSpotWeight are both 0"}},
	{"log retention", map[string]string{"logRetentionDays": "10"}, []string{"logRetentionDays: 10 is not a CloudWatch Logs retention period"}},
	{"dereg too long", map[string]string{"deregistrationDelaySeconds": "300"}, []string{"deregistrationDelaySeconds: 300: draining must end before"}},
	{"schedule", map[string]string{"scaleSchedules": `["nightly;0 22 * * *;2;2"]`}, []string{`scaleSchedules: "nightly;0 22 * * *;2;2": schedule "0 22 * * *" must be cron(...)`}},
	{"existing vpc", map[string]string{"existingVpcId": "vpc-0123456789abcdef0", "existingPrivateSubnetIds": `["subnet-0123456789abcdef0"]`},
		[]string{"existingPublicSubnetIds: 0 subnet(s) given", "existingPrivateSubnetIds: 1 subnet(s) given"}},
	{"strategy", map[string]string{"deploymentStrategy": "canary"}, []string{`deploymentStrategy: "canary" is not supported`}},
	{"blue-green without test CIDRs", map[string]string{"deploymentStrategy": "blue-green", "enableExecuteCommand": "false"}, []string{"testListenerCidrs: empty"}},
	{"test listener open to all", map[string]string{"deploymentStrategy": "blue-green", "enableExecuteCommand": "false", "testListenerCidrs": `["0.0.0.0/0","10.0.0.1/8"]`},
		[]string{`testListenerCidrs: "0.0.0.0/0" opens the test listener`, `testListenerCidrs: "10.0.0.1/8" is not an IPv4 CIDR`}},
	{"test listener on 443", map[string]string{"testListenerPort": "443"}, []string{"testListenerPort: 443 is not a free load balancer port"}},
	{"traffic shifting", map[string]string{"trafficShifting": "blue-green", "trafficShiftPercent": "100", "trafficShiftIntervalMinutes": "0"},
		[]string{`trafficShifting: "blue-green" is not supported`, "trafficShiftPercent: 100 is out of range", "trafficShiftIntervalMinutes: 0 is out of range"}},
	{"termination wait", map[string]string{"blueTerminationWaitMinutes": "0"}, []string{"blueTerminationWaitMinutes: 0 is out of range"}},
	{"alarm email", map[string]string{"alarmEmail": "On Call <oncall@example.com>"}, []string{`alarmEmail: "On Call <oncall@example.com>" is not an email address`}},
	{"alarm thresholds", map[string]string{"alarm5xxRatePercent": "0", "alarmCpuPercent": "101", "alarmDatapointsToAlarm": "4"},
		[]string{"alarm5xxRatePercent: 0 is out of range", "alarmCpuPercent: 101 is out of range", "alarmDatapointsToAlarm: 4 is outside 1..alarmEvaluationMinutes (3)"}},
	{"many at once", map[string]string{"cpu": "100", "availabilityZones": "1", "containerPort": "22", "waf": "maybe"},
		[]string{"waf: \"maybe\" is not a boolean", "availabilityZones: 1 Availability Zone(s)", "containerPort: 22 is out of range", "memory: cpu 100 is not a Fargate task size"}},
}

func TestLoadReportsEveryProblem(t *testing.T) {
	for _, tc := range badConfigs {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stackConfig(t, "dev")
			for k, v := range tc.set {
				cfg[Project+":"+k] = v
			}
			_, err := Load("dev", getter(cfg))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want a *ConfigError, got %v", err)
			}
			var got []string
			for _, p := range ce.Problems {
				if p.Fix == "" {
					t.Errorf("%s: no fix given", p.Key)
				}
				got = append(got, p.Key+": "+p.Message)
			}
			if len(got) != len(tc.want) {
				t.Errorf("problems %q, want %d: %q", got, len(tc.want), tc.want)
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
					t.Errorf("missing problem %q in %q", w, got)
				}
				if !strings.Contains(err.Error(), "webstack:"+w) {
					t.Errorf("error text lacks %q:\n%s", w, err)
				}
			}
		})
	}
}

func TestPhysicalNameFromStack(t *testing.T) {
	cfg := stackConfig(t, "dev")
	if _, err := Load("Feature--X", getter(cfg)); err == nil || !strings.Contains(err.Error(), `per-stack name "webstack-feature--x"`) {
		t.Errorf("error = %v", err)
	}
	c, err := Load("Staging", getter(cfg))
	if err != nil || c.PhysicalName("Staging") != "webstack-staging" {
		t.Errorf("%v %q", err, c.PhysicalName("Staging"))
	}
}

func TestParseSchedule(t *testing.T) {
	s, err := ParseSchedule(" day ; cron(0 7 ? * MON-FRI *) ; 4 ; 8 ")
	if err != nil || s.Name != "day" || s.Schedule != "cron(0 7 ? * MON-FRI *)" || s.MinCount != 4 || s.MaxCount != 8 {
		t.Errorf("%+v %v", s, err)
	}
	for _, bad := range []string{"day;cron(0 7 * * ? *);1;4", "day;cron(0 7 * * ? *);4;3", "day;cron(x);4", "d a y;rate(1 day);2;2"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
