package components

import (
	"strings"
	"testing"

	"example.com/webstack/internal/clouddouble"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func webServiceArgs(t *testing.T) *WebServiceArgs {
	return &WebServiceArgs{
		Network:      NetworkArgs{NATGateways: NATGatewaysSingle},
		Image:        ContainerImageArgs{RepositoryName: "web-test", Context: newContext(t)},
		LoadBalancer: LoadBalancerArgs{AllowHTTP: true},
	}
}

func runWebService(args *WebServiceArgs) (*clouddouble.Double, error) {
	return clouddouble.Run(func(ctx *pulumi.Context) error {
		_, err := NewWebService(ctx, "web", args)
		return err
	})
}

// The smallest WebService: no WAF, a fixed task count, component defaults elsewhere.
func TestWebServiceMinimal(t *testing.T) {
	d, err := runWebService(webServiceArgs(t))
	if err != nil {
		t.Fatal(err)
	}
	for typ, want := range map[string]int{
		"webstack:components:Network": 1, "webstack:components:ContainerImage": 1, "webstack:components:LoadBalancer": 1,
		"webstack:components:Service": 1, "webstack:components:Firewall": 0, "webstack:components:Autoscaling": 0,
		"aws:appautoscaling/target:Target": 0, "aws:wafv2/webAcl:WebAcl": 0,
	} {
		if got := len(d.OfType(typ)); got != want {
			t.Errorf("%d %s, want %d", got, typ, want)
		}
	}
	svc := d.One(t, "aws:ecs/service:Service")
	if len(svc.IgnoreChanges) != 0 {
		t.Errorf("without autoscaling pulumi manages desiredCount, got ignoreChanges %v", svc.IgnoreChanges)
	}
	// The load balancer's target group port follows the service's (default) container port.
	if port := d.One(t, "aws:lb/targetGroup:TargetGroup").Inputs["port"].NumberValue(); port != DefaultContainerPort {
		t.Errorf("target group port %v, want %d", port, DefaultContainerPort)
	}
}

// Invalid args of any part fail before the first part is registered.
func TestWebServiceValidatesAllPartsFirst(t *testing.T) {
	cases := []struct {
		name   string
		change func(a *WebServiceArgs)
		want   []string
	}{
		{"load balancer without certificate", func(a *WebServiceArgs) { a.LoadBalancer.AllowHTTP = false }, []string{"no certificate"}},
		{"service size and WAF limit", func(a *WebServiceArgs) {
			a.Service.CPU, a.Service.Memory = 256, 8192
			a.Firewall = &FirewallArgs{RateLimit: 5}
		}, []string{"memory 8192 is not valid with cpu 256", "RateLimit 5 is out of range"}},
		{"autoscaling bounds", func(a *WebServiceArgs) { a.Autoscaling = &AutoscalingArgs{MinCount: 1} }, []string{"MinCount 1 task(s)"}},
		{"network", func(a *WebServiceArgs) { a.Network.NumberOfAvailabilityZones = 1 }, []string{"NumberOfAvailabilityZones 1 Availability Zone(s)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := webServiceArgs(t)
			tc.change(args)
			d, err := runWebService(args)
			d.AssertRefused(t, err, tc.want...)
		})
	}
}

// One bad setting gives exactly one message, however many parts receive it: the container port
// goes to the Service and, wired by WebService, to the LoadBalancer's target group, and used to be
// reported by both.
func TestWebServiceReportsABadSettingOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(a *WebServiceArgs)
		want   string
	}{
		{"container port", func(a *WebServiceArgs) { a.Service.ContainerPort = 80 }, "ContainerPort 80 is out of range"},
		{"desired count", func(a *WebServiceArgs) { a.Service.DesiredCount = 1 }, "DesiredCount 1 task(s)"},
		{"idle timeout", func(a *WebServiceArgs) { a.LoadBalancer.IdleTimeoutSeconds = MaxIdleTimeoutSeconds + 1 }, "IdleTimeoutSeconds 4001 is out of range"},
		{"minimum count", func(a *WebServiceArgs) { a.Autoscaling = &AutoscalingArgs{MinCount: 1} }, "MinCount 1 task(s)"},
		{"log retention", func(a *WebServiceArgs) { a.Service.LogRetentionDays = 2 }, "LogRetentionDays 2 is not a CloudWatch Logs retention period"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := webServiceArgs(t)
			tc.change(args)
			err := args.Validate("web")
			if err == nil {
				t.Fatalf("accepted, want %q", tc.want)
			}
			var lines []string
			for _, l := range strings.Split(err.Error(), "\n") {
				if strings.TrimSpace(l) != "" {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("%d message(s) %q, want exactly one, %q", len(lines), lines, tc.want)
			}
		})
	}
}
