package program

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"example.com/webstack/offline"
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
		{"natGateways", dev.NATGateways, prod.NATGateways},
		{"spot weight > 0", dev.FargateSpotWeight > 0, prod.FargateSpotWeight > 0},
		{"certificate", dev.HasCertificate(), prod.HasCertificate()},
		{"allowInsecureHttp", dev.AllowInsecureHTTP, prod.AllowInsecureHTTP},
		{"waf", dev.WAF, prod.WAF},
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
	// Neither stack file names an alarm subscriber (prod's address is the operator's to set).
	if w := dev.Warnings(); len(w) != 2 || !strings.Contains(w[0], "plain HTTP") || !strings.HasPrefix(w[1], "webstack:alarmEmail is empty") {
		t.Errorf("dev warnings %q, want plain HTTP and no alarm subscriber", w)
	}
	if w := prod.Warnings(); len(w) != 1 || !strings.HasPrefix(w[0], "webstack:alarmEmail is empty") || !strings.Contains(w[0], "blue-green releases") {
		t.Errorf("prod warnings %q, want only no alarm subscriber", w)
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
	{"fargate cpu", map[string]string{"cpu": "300"}, []string{"cpu: cpu 300 is not a Fargate task size"}},
	{"desired above max", map[string]string{"desiredCount": "9"}, []string{"desiredCount: 9 is outside [minCount, maxCount] = [2, 4]"}},
	{"min of one", map[string]string{"minCount": "1", "desiredCount": "1"}, []string{"minCount: 1 task(s)", "desiredCount: 1 task(s)"}},
	{"max below min", map[string]string{"maxCount": "1"}, []string{"maxCount: 1 is below the minimum of 2 task(s)", "desiredCount: 2 is outside"}},
	{"one AZ", map[string]string{"availabilityZones": "1"}, []string{"availabilityZones: 1 Availability Zone(s)"}},
	{"privileged port", map[string]string{"containerPort": "80"}, []string{"containerPort: 80 is out of range"}},
	{"bad CIDR", map[string]string{"ingressCidrs": `["0.0.0.0/0","10.0.0.1/8","nope"]`}, []string{`ingressCidrs: "10.0.0.1/8" has host bits set`, `ingressCidrs: "nope" is not an IPv4 CIDR`}},
	{"vpc cidr", map[string]string{"vpcCidr": "10.0.0.0/8"}, []string{`vpcCidr: "10.0.0.0/8" is not an IPv4 network from /16 to /20`}},
	{"health path", map[string]string{"healthCheckPath": "healthz?x=1"}, []string{`healthCheckPath: "healthz?x=1"`}},
	{"long name", map[string]string{"serviceName": "a-very-long-service-name-indeed"}, []string{`serviceName: "a-very-long-service-name-indeed" is not a valid name`}},
	{"uppercase name", map[string]string{"serviceName": "Web"}, []string{`serviceName: "Web" is not a valid name`}},
	{"no certificate", map[string]string{"allowInsecureHttp": "false"}, []string{"certificateArn: no certificate and no domain"}},
	{"domain without zone", map[string]string{"domainName": "api.example.com"}, []string{"hostedZoneId: empty while the other is set: the domain name and its Route 53 hosted zone id go together"}},
	{"zone without domain", map[string]string{"hostedZoneId": "Z0123456789ABCDEFGHIJ"}, []string{"domainName: empty while the other is set: the domain name and its Route 53 hosted zone id go together"}},
	{"bad zone", map[string]string{"domainName": "api.example.com", "hostedZoneId": "zone1"}, []string{`hostedZoneId: "zone1" is not a Route 53 hosted zone id`}},
	{"cert arn", map[string]string{"certificateArn": "my-cert"}, []string{`certificateArn: "my-cert" is not an ACM certificate ARN`}},
	{"plain secret", map[string]string{"secrets": `["DB_PASSWORD=hunter2"]`}, []string{`secrets: DB_PASSWORD: "hunter2" is not an SSM parameter or Secrets Manager secret ARN`}},
	{"secret in env", map[string]string{"environment": `["DB_PASSWORD=hunter2"]`}, []string{"environment: DB_PASSWORD looks like a secret"}},
	{"reserved env", map[string]string{"environment": `["PORT=9000"]`}, []string{"environment: PORT is set by the stack itself"}},
	{"not an integer", map[string]string{"cpu": "one"}, []string{`cpu: "one" is not an integer`}},
	{"not a list", map[string]string{"ingressCidrs": "0.0.0.0/0"}, []string{`ingressCidrs: "0.0.0.0/0" is not a list of strings`}},
	{"nat none", map[string]string{"natGateways": "None"}, []string{"natGateways: None leaves private subnets"}},
	{"arm on spot", map[string]string{"imagePlatform": "linux/arm64"}, []string{"fargateSpotWeight: Fargate Spot does not run ARM64 (linux/arm64) tasks"}},
	{"no capacity", map[string]string{"fargateWeight": "0", "fargateSpotWeight": "0"}, []string{"fargateWeight: every capacity provider weight is 0"}},
	{"log retention", map[string]string{"logRetentionDays": "10"}, []string{"logRetentionDays: 10 is not a CloudWatch Logs retention period"}},
	{"dereg too long", map[string]string{"deregistrationDelaySeconds": "300"}, []string{"deregistrationDelaySeconds: 300: draining must end before"}},
	{"schedule", map[string]string{"scaleSchedules": `["nightly;0 22 * * *;2;2"]`}, []string{`scaleSchedules: "nightly;0 22 * * *;2;2": schedule nightly: "0 22 * * *" is not cron(...)`}},
	{"existing vpc", map[string]string{"existingVpcId": "vpc-0123456789abcdef0", "existingPrivateSubnetIds": `["subnet-0123456789abcdef0"]`},
		[]string{"existingPublicSubnetIds: 0 subnet(s) given", "existingPrivateSubnetIds: 1 subnet(s) given"}},
	{"strategy", map[string]string{"deploymentStrategy": "canary"}, []string{`deploymentStrategy: "canary" is not supported`}},
	{"blue-green without test CIDRs", map[string]string{"deploymentStrategy": "blue-green", "enableExecuteCommand": "false"}, []string{"testListenerCidrs: empty"}},
	{"test listener open to all", map[string]string{"deploymentStrategy": "blue-green", "enableExecuteCommand": "false", "testListenerCidrs": `["0.0.0.0/0","10.0.0.1/8"]`},
		[]string{`testListenerCidrs: "0.0.0.0/0" opens the test listener`, `testListenerCidrs: "10.0.0.1/8" has host bits set`}},
	{"test listener on 443", map[string]string{"testListenerPort": "443"}, []string{"testListenerPort: 443 is not a free load balancer port"}},
	{"traffic shifting", map[string]string{"trafficShifting": "blue-green", "trafficShiftPercent": "100", "trafficShiftIntervalMinutes": "0"},
		[]string{`trafficShifting: "blue-green" is not supported`, "trafficShiftPercent: 100 is out of range", "trafficShiftIntervalMinutes: 0 is out of range"}},
	{"termination wait", map[string]string{"blueTerminationWaitMinutes": "0"}, []string{"blueTerminationWaitMinutes: 0 is out of range"}},
	{"alarm email", map[string]string{"alarmEmail": "On Call <oncall@example.com>"}, []string{`alarmEmail: "On Call <oncall@example.com>" is not an email address`}},
	{"alarm thresholds", map[string]string{"alarm5xxRatePercent": "0", "alarmCpuPercent": "101", "alarmDatapointsToAlarm": "4"},
		[]string{"alarm5xxRatePercent: 0 is out of range", "alarmCpuPercent: 101 is out of range", "alarmDatapointsToAlarm: 4 is outside 1..3"}},
	{"many at once", map[string]string{"cpu": "100", "availabilityZones": "1", "containerPort": "22", "waf": "maybe"},
		[]string{"waf: \"maybe\" is not a boolean", "availabilityZones: 1 Availability Zone(s)", "containerPort: 22 is out of range", "cpu: cpu 100 is not a Fargate task size"}},
	{"misspelt key", map[string]string{"availabiltyZones": "3"}, []string{"availabiltyZones: not a key of this program"}},
	{"misspelt keys", map[string]string{"CPU": "512", "alarmemail": "oncall@example.com"}, []string{"CPU: not a key of this program", "alarmemail: not a key of this program"}},
	{"region on mars", map[string]string{"aws:region": "mars-1"}, []string{`aws:region: "mars-1" is not an AWS Region`}},
	{"region shaped but unknown", map[string]string{"aws:region": "us-east-9"}, []string{`aws:region: "us-east-9" is not an AWS Region`}},
	{"no region", map[string]string{"aws:region": ""}, []string{"aws:region: not set"}},
}

// setConfig lays tc.set over cfg: "name" is a key of the project's namespace, "ns:name" of another.
func setConfig(cfg, set map[string]string) {
	for k, v := range set {
		if !strings.Contains(k, ":") {
			k = Project + ":" + k
		}
		cfg[k] = v
	}
}

// fullKey puts the project's namespace before a "key: message" that has none.
func fullKey(want string) string {
	if key, _, _ := strings.Cut(want, ": "); strings.Contains(key, ":") {
		return want
	}
	return Project + ":" + want
}

func TestLoadReportsEveryProblem(t *testing.T) {
	for _, tc := range badConfigs {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stackConfig(t, "dev")
			setConfig(cfg, tc.set)
			_, err := Load("dev", getter(cfg), slices.Collect(maps.Keys(cfg))...)
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
				if !strings.Contains(err.Error(), fullKey(w)) {
					t.Errorf("error text lacks %q:\n%s", fullKey(w), err)
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

// An alarm subscriber silences the warning that the release alarms page no one.
func TestAlarmSubscriberWarning(t *testing.T) {
	cfg := stackConfig(t, "prod")
	cfg[Project+":alarmEmail"] = "oncall@example.com"
	c, err := Load("prod", getter(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q with alarmEmail set, want none", w)
	}
}

// A misspelt key is named with the key it most likely meant, through Run as under `pulumi up`.
func TestUnknownKeyRefusedThroughRun(t *testing.T) {
	for typo, meant := range map[string]string{
		"availabiltyZones": "availabilityZones", "CPU": "cpu", "alarmemail": "alarmEmail",
		"deregistrationDelay": "deregistrationDelaySeconds", "minCnt": "minCount",
	} {
		d, err := runStack(t, "dev", map[string]string{typo: "3"})
		d.AssertRefused(t, err, "webstack:"+typo+": not a key of this program",
			"did you mean webstack:"+meant+"? (every key is declared in Pulumi.yaml)")
	}
	// Keys of other namespaces are their owners' to check.
	if _, err := runStack(t, "dev", map[string]string{"aws:skipMetadataApiCheck": "true"}); err != nil {
		t.Errorf("a key of the aws namespace was refused: %v", err)
	}
}

func TestRegionsComeFromTheSDKPartitions(t *testing.T) {
	// One Region of each kind of partition is known; a name of the right shape is not enough.
	for _, r := range []string{"us-east-1", "eu-central-2", "ap-southeast-6", "cn-north-1", "us-gov-west-1"} {
		if p := validateRegion("dev", r); len(p) != 0 {
			t.Errorf("%s refused: %v", r, p)
		}
	}
	for _, r := range []string{"mars-1", "us-east-9", "US-EAST-1", "us-east-1 "} {
		if p := validateRegion("dev", r); len(p) != 1 || p[0].Key != RegionKey {
			t.Errorf("%q: problems %v, want one for %s", r, p, RegionKey)
		}
	}
	if p := validateRegion("dev", "us-est-1"); len(p) != 1 || !strings.Contains(p[0].Fix, "such as us-east-1") {
		t.Errorf("us-est-1: %v, want the fix to suggest us-east-1", p)
	}
}

func TestStackRegion(t *testing.T) {
	for _, stack := range offline.Stacks(projectDir) {
		if r, err := StackRegion(projectDir, stack); err != nil || r != stackConfig(t, stack)[RegionKey] {
			t.Errorf("%s: region %q, %v", stack, r, err)
		}
	}
	dir := t.TempDir()
	for file, want := range map[string]string{
		"config:\n  aws:region: mars-1\n":              `aws:region: "mars-1" is not an AWS Region`,
		"config:\n  webstack:cpu: 256\n":               "aws:region: not set",
		"config:\n  aws:region:\n    secure: v1:abc\n": "aws:region must be a plain string",
	} {
		if err := os.WriteFile(filepath.Join(dir, "Pulumi.x.yaml"), []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := StackRegion(dir, "x"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", file, err, want)
		}
	}
	if _, err := StackRegion(dir, "absent"); err == nil || !strings.Contains(err.Error(), "Pulumi.absent.yaml") {
		t.Errorf("missing stack file: %v", err)
	}
}
