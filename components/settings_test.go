package components

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// Every component reports all the problems of its settings at once (CDK props, awsx args): a
// user fixes a config in one round, not one error per `pulumi preview`.
func TestComponentsReportEveryProblem(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"Service", (&ServiceArgs{ContainerPort: 80, CPUArchitecture: "MIPS", DesiredCount: 1}).withDefaults("svc").validate("svc"),
			[]string{"ContainerPort 80 is out of range", `CPUArchitecture "MIPS"`, "DesiredCount 1"}},
		{"Autoscaling", (&AutoscalingArgs{MinCount: 1, Schedules: []ScaleSchedule{{Name: "x"}}}).withDefaults().validate(),
			[]string{"MinCount 1", "schedule"}},
		{"ContainerImage", (&ContainerImageArgs{RepositoryName: "X", Platform: "linux/s390x"}).withDefaults().validate(),
			[]string{`RepositoryName "X"`, `Platform "linux/s390x"`}},
		{"Network", NetworkArgs{CIDRBlock: "10.0.0.0/8", NumberOfAvailabilityZones: 1, NATGateways: "single"}.withDefaults().validate(),
			[]string{"CIDRBlock", "NumberOfAvailabilityZones 1", `NATGateways "single"`}},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error, want %q", tc.name, tc.want)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Error(), w) {
				t.Errorf("%s: error %q does not report %q", tc.name, tc.err, w)
			}
		}
	}
}

// A zero value of each settings struct is its documented defaults, which are the exported
// Default* constants program.Defaults (and so Pulumi.yaml, through TestPulumiYamlMatchesConfig) uses.
func TestZeroArgsAreTheDocumentedDefaults(t *testing.T) {
	n := NetworkArgs{}.withDefaults()
	l := LoadBalancerArgs{}.withDefaults()
	s := (&ServiceArgs{}).withDefaults("svc")
	i := (&ContainerImageArgs{}).withDefaults()
	as := (&AutoscalingArgs{}).withDefaults()
	tl := LoadBalancerArgs{TestListener: &TestListenerArgs{}}.withDefaults()
	e := EC2CapacityArgs{}.withDefaults()
	m := MonitoringArgs{}.withDefaults()
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"Network.CIDRBlock", n.CIDRBlock, "10.0.0.0/16"},
		{"Network.NumberOfAvailabilityZones", n.NumberOfAvailabilityZones, 2},
		{"Network.NATGateways", n.NATGateways, "Single"},
		{"LoadBalancer.IdleTimeoutSeconds", l.IdleTimeoutSeconds, 60},
		{"LoadBalancer.DeregistrationDelaySeconds", l.DeregistrationDelaySeconds, 30},
		{"LoadBalancer.HealthCheckPath", l.HealthCheckPath, "/healthz"},
		{"Service.ContainerPort", s.ContainerPort, 8080},
		{"Service.LoadBalancerIdleTimeoutSeconds", s.LoadBalancerIdleTimeoutSeconds, l.IdleTimeoutSeconds},
		{"Service.CPU/Memory", [2]int{s.CPU, s.Memory}, [2]int{256, 512}},
		{"ContainerImage.Platform", i.Platform, "linux/amd64"},
		{"Service.ContainerName", s.ContainerName, DefaultContainerName},
		{"Service.HealthCheckGracePeriodSeconds", *s.HealthCheckGracePeriodSeconds, DefaultHealthCheckGracePeriodSeconds},
		{"Service.CapacityProviders", s.CapacityProviders[0], CapacityProvider{Name: "FARGATE", Weight: DefaultFargateWeight}},
		{"Autoscaling.ScaleInCooldownSeconds", *as.ScaleInCooldownSeconds, DefaultScaleInCooldownSeconds},
		{"Autoscaling.ScaleOutCooldownSeconds", *as.ScaleOutCooldownSeconds, DefaultScaleOutCooldownSeconds},
		{"LoadBalancer.TestListener.Port", tl.TestListener.Port, DefaultTestListenerPort},
		{"EC2Capacity.MaxInstances", e.MaxInstances, DefaultMaxInstances(DefaultMinInstances)},
		{"Monitoring.Thresholds.CPUPercent", m.Thresholds.CPUPercent, float64(DefaultAlarmCPUPercent)},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Every default passes its own checks.
	for name, err := range map[string]error{"Network": n.validate(), "ContainerImage": (&ContainerImageArgs{RepositoryName: "web"}).withDefaults().validate()} {
		if err != nil {
			t.Errorf("%s defaults refused: %v", name, err)
		}
	}
}

// ReservedEnvironment is exactly what the component sets in the container, and a Service that
// names one of them is refused by its checks, before anything is registered.
func TestReservedEnvironmentIsWhatTheComponentSets(t *testing.T) {
	a := (&ServiceArgs{}).withDefaults("svc")
	got := slices.Sorted(maps.Keys(componentEnvironment(a)))
	if want := slices.Sorted(slices.Values(ReservedEnvironment)); !slices.Equal(got, want) {
		t.Errorf("the component sets %v, ReservedEnvironment is %v", got, want)
	}
	for _, name := range ReservedEnvironment {
		a := (&ServiceArgs{Environment: map[string]string{name: "x"}}).withDefaults("svc")
		if err := a.validate("svc"); err == nil || !strings.Contains(err.Error(), name+" is set by the stack itself") {
			t.Errorf("Environment %s: %v, want it refused", name, err)
		}
	}
}
