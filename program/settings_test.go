package program

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// A setting the program and a component both take has one limit: the program refuses a value
// exactly when the components would (their checks live in components/settings.go). Each case sits
// just outside or just inside a limit that used to be written twice, differently.
func TestProgramAndComponentsShareLimits(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		set        func(c *Config)
	}{
		{"containerPort", "1023", func(c *Config) { c.ContainerPort = 1023 }},
		{"containerPort", "1024", func(c *Config) { c.ContainerPort = 1024 }},
		{"vpcCidr", "10.0.0.0/22", func(c *Config) { c.VpcCidr = "10.0.0.0/22" }},
		{"vpcCidr", "10.0.0.0/20", func(c *Config) { c.VpcCidr = "10.0.0.0/20" }},
		{"deregistrationDelaySeconds", "300", func(c *Config) { c.DeregistrationDelaySeconds = 300 }},
		{"deregistrationDelaySeconds", "34", func(c *Config) { c.DeregistrationDelaySeconds = 34 }},
		{"certificateArn", "arn:aws:acm:my-cert", func(c *Config) { c.CertificateArn = "arn:aws:acm:my-cert" }},
		{"domainName", "API.example.com", func(c *Config) { c.DomainName, c.HostedZoneID = "API.example.com", "Z0123456789ABCDEFGHIJ" }},
		{"hostedZoneId", "zone1", func(c *Config) { c.DomainName, c.HostedZoneID = "api.example.com", "zone1" }},
		{"healthCheckPath", "/a%20b", func(c *Config) { c.HealthCheckPath = "/a%20b" }},
		{"accessLogsRetentionDays", "4000", func(c *Config) { c.AccessLogsRetentionDays = 4000 }},
		{"natGateways", "None", func(c *Config) { c.NatGateways = "None" }},
		{"trafficShiftIntervalMinutes", "1441", func(c *Config) { blueGreen(c); c.TrafficShiftIntervalMinutes = 1441 }},
		{"trafficShiftIntervalMinutes", "1440", func(c *Config) { blueGreen(c); c.TrafficShiftIntervalMinutes = 1440 }},
		{"testListenerPort", "443", func(c *Config) { blueGreen(c); c.TestListenerPort = 443 }},
	} {
		c := Defaults()
		c.AllowInsecureHTTP = true
		tc.set(&c)
		var programRefuses bool
		for _, p := range c.validate() {
			programRefuses = programRefuses || p.Key == tc.key
		}
		componentErr := c.WebServiceArgs("dev").Validate(c.ServiceName)
		if programRefuses != (componentErr != nil) {
			t.Errorf("%s = %s: program refuses: %v; components: %v", tc.key, tc.value, programRefuses, componentErr)
		}
	}
}

// blueGreen turns a config into a valid blue-green one.
func blueGreen(c *Config) {
	c.DeploymentStrategy, c.EnableExecuteCommand, c.TestListenerCidrs = "blue-green", false, []string{"203.0.113.0/24"}
}

// A setting whose valid range starts at 0 reaches AWS as 0: the components used to read a zero
// cooldown as "unset" and deploy their default (300 s scale-in) instead of what the stack asked.
func TestZeroSettingsReachAWS(t *testing.T) {
	d, err := runStack(t, "dev", map[string]string{"scaleInCooldownSeconds": "0", "scaleOutCooldownSeconds": "0", "healthCheckGracePeriodSeconds": "0"})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.One(t, "aws:ecs/service:Service").Inputs["healthCheckGracePeriodSeconds"]; !got.IsNumber() || got.NumberValue() != 0 {
		t.Errorf("service healthCheckGracePeriodSeconds = %v, want 0", got)
	}
	for _, p := range d.OfType("aws:appautoscaling/policy:Policy") {
		cfg := p.Inputs["targetTrackingScalingPolicyConfiguration"].ObjectValue()
		for _, k := range []resource.PropertyKey{"scaleInCooldown", "scaleOutCooldown"} {
			if got := cfg[k]; !got.IsNumber() || got.NumberValue() != 0 {
				t.Errorf("policy %s %s = %v, want 0", p.Name, k, got)
			}
		}
	}
}
