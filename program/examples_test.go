package program

import (
	"errors"
	"strings"
	"testing"

	"example.com/webstack/internal/clouddouble"
)

// prod's committed example values stay previewable but refuse `pulumi up` before anything is
// registered, with one message naming each value and how to set it.
func TestExampleValuesRefuseARealUpdate(t *testing.T) {
	cfg := stackConfig(t, "prod")
	t.Chdir(projectDir)
	if _, err := clouddouble.RunWith(clouddouble.Options{DryRun: true}, "prod", cfg, Run); err != nil {
		t.Fatalf("preview of prod with its example values: %v", err)
	}
	d, err := clouddouble.RunWith(clouddouble.Options{}, "prod", cfg, Run)
	d.AssertRefused(t, err, "domainName api.example.com", "hostedZoneId Z0123456789ABCDEFGHIJ",
		"testListenerCidrs 203.0.113.0/24", "pulumi config set webstack:domainName", "-s prod")
	var ev *ExampleValuesError
	if !errors.As(err, &ev) || strings.Count(err.Error(), "example values") != 1 {
		t.Errorf("want one ExampleValuesError, got %v", err)
	}

	// With real values the same update goes ahead.
	cfg[Project+":domainName"] = "api.webstack-owner.io"
	cfg[Project+":hostedZoneId"] = "Z1D633PJN98FT9"
	cfg[Project+":testListenerCidrs"] = `["10.20.0.0/16"]`
	if _, err := clouddouble.RunWith(clouddouble.Options{}, "prod", cfg, Run); err != nil {
		t.Errorf("prod with real values: %v", err)
	}
}

func TestExampleValuesFound(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    Config
		want int
	}{
		{"none", Config{DomainName: "api.shop.io", HostedZoneID: "Z1D633PJN98FT9", IngressCIDRs: []string{"0.0.0.0/0"}, TestListenerCIDRs: []string{"10.0.0.0/8"}}, 0},
		{"subdomain of example.org", Config{DomainName: "a.b.example.org"}, 1},
		{"not example.com", Config{DomainName: "notexample.com"}, 0},
		{"TEST-NET host", Config{IngressCIDRs: []string{"198.51.100.7/32"}}, 1},
		{"wider block containing TEST-NET is real", Config{IngressCIDRs: []string{"0.0.0.0/0"}}, 0},
	} {
		if got := len(tc.c.exampleValues()); got != tc.want {
			t.Errorf("%s: %d example values %v, want %d", tc.name, got, tc.c.exampleValues(), tc.want)
		}
	}
}
