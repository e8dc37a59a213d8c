package program

import (
	"reflect"
	"testing"

	"example.com/webstack/components"
	"example.com/webstack/internal/clouddouble"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Program's defaults are the components' defaults: the stack a config of Defaults() builds is
// the stack the components build when every defaulted setting is left unset (zero). A default
// written in program and not taken from the component's constant, or a component whose zero does
// not mean the constant program documents, changes some resource input and turns this red.
func TestDefaultsAreTheComponentsDefaults(t *testing.T) {
	for _, variant := range []struct {
		name string
		set  func(c *Config)
	}{
		{"rolling on Fargate", func(c *Config) {}},
		{"blue-green", blueGreen},
		{"EC2 capacity", useEC2},
	} {
		t.Run(variant.name, func(t *testing.T) {
			c := Defaults()
			c.AllowInsecureHTTP = true
			variant.set(&c)
			if probs := c.validate(); len(probs) > 0 {
				t.Fatal(probs)
			}
			t.Chdir(projectDir)
			want := buildWebService(t, c.WebServiceArgs("dev"))
			got := buildWebService(t, unsetDefaults(c.WebServiceArgs("dev")))
			if len(got) != len(want) {
				t.Fatalf("%d resources with settings unset, %d with program's defaults", len(got), len(want))
			}
			for k, in := range want {
				if !reflect.DeepEqual(got[k], in) {
					t.Errorf("%s: inputs with settings unset\n%v\nwith program's defaults\n%v", k, got[k], in)
				}
			}
		})
	}
}

// unsetDefaults clears every setting of a that the components default, leaving the user's
// choices that have no component default (names, secrets, switches) and the wiring.
func unsetDefaults(a *components.WebServiceArgs) *components.WebServiceArgs {
	n := &a.Network
	n.CIDRBlock, n.NumberOfAvailabilityZones, n.NATGateways, n.FlowLogRetentionDays = "", 0, "", 0
	i := &a.Image
	i.Context, i.Dockerfile, i.Platform, i.Encryption, i.UntaggedExpiryDays, i.ImagesToKeep = "", "", "", "", 0, 0
	l := &a.LoadBalancer
	l.IngressCIDRBlocks, l.HealthCheckPath, l.SSLPolicy, l.IdleTimeoutSeconds = nil, "", "", 0
	l.DeregistrationDelaySeconds, l.DesyncMitigationMode, l.AccessLogsRetentionDays = 0, "", 0
	if l.TestListener != nil {
		l.TestListener.Port = 0
	}
	s := &a.Service
	s.ContainerName, s.ContainerPort, s.CPU, s.Memory, s.CPUArchitecture = "", 0, 0, 0, ""
	s.LogRetentionDays, s.DesiredCount, s.HealthCheckGracePeriodSeconds = 0, 0, nil
	if s.EC2 == nil {
		s.CapacityProviders = nil
	} else {
		e := s.EC2
		e.InstanceTypes, e.MinInstances, e.MaxInstances, e.TargetCapacityPercent, e.RootVolumeSizeGiB = nil, 0, 0, 0, 0
	}
	if as := a.Autoscaling; as != nil {
		as.MinCount, as.MaxCount, as.CPUTargetPercent, as.MemoryTargetPercent, as.RequestsPerTarget = 0, 0, 0, 0, 0
		as.ScaleInCooldownSeconds, as.ScaleOutCooldownSeconds = nil, nil
	}
	if a.Monitoring != nil {
		a.Monitoring.Thresholds = components.AlarmThresholds{}
	}
	if a.BlueGreen != nil {
		a.BlueGreen.TrafficShifting, a.BlueGreen.TerminationWaitMinutes = components.TrafficShifting{}, 0
	}
	return a
}

// buildWebService registers a WebService under the double and returns each resource's inputs
// by type and name.
func buildWebService(t *testing.T, args *components.WebServiceArgs) map[string]any {
	t.Helper()
	d, err := clouddouble.RunStack("dev", nil, func(ctx *pulumi.Context) error {
		_, err := components.NewWebService(ctx, Defaults().ServiceName, args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, r := range d.Resources() {
		out[r.Type+" "+r.Name] = r.Inputs.Mappable()
	}
	return out
}
