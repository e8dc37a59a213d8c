package program

import (
	"fmt"
	"net/netip"
	"strings"
)

// The values the committed stack files use as placeholders (Pulumi.prod.yaml): previewable, so the
// offline preview and `pulumi preview` of prod work from a clean clone, but not deployable.
var (
	// exampleHostedZoneID is the placeholder zone id of Pulumi.prod.yaml.
	exampleHostedZoneID = "Z0123456789ABCDEFGHIJ"
	// exampleDomains are reserved for documentation (RFC 2606); nobody can prove control of them to ACM.
	exampleDomains = []string{"example.com", "example.net", "example.org"}
	// exampleNetworks are reserved for documentation (RFC 5737, TEST-NET-1..3): no client has such an address.
	exampleNetworks = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24"),
	}
)

// ExampleValuesError refuses a real update of a stack that still has placeholder values: a first
// `pulumi up` would otherwise create the VPC, NAT gateways and more before failing at Route 53 or ACM.
type ExampleValuesError struct {
	Stack string
	Keys  []string // "key value" of each placeholder, in config order
}

func (e *ExampleValuesError) Error() string {
	return fmt.Sprintf("stack %s still has example values, fine for a preview but not for an update; nothing was created: %s. "+
		"Set your own before `pulumi up`: pulumi config set %s:domainName <your name> -s %s; pulumi config set %s:hostedZoneId <your zone id> -s %s "+
		"(aws route53 list-hosted-zones); and list your own CIDRs in ingressCidrs and testListenerCidrs "+
		"(pulumi config set --path '%s:testListenerCidrs[0]' <cidr> -s %s)",
		e.Stack, strings.Join(e.Keys, ", "), Project, e.Stack, Project, e.Stack, Project, e.Stack)
}

// exampleValues lists the placeholders the config still has (nil when none).
func (c *Config) exampleValues() []string {
	var found []string
	if d := strings.TrimSuffix(c.DomainName, "."); d != "" {
		for _, ex := range exampleDomains {
			if d == ex || strings.HasSuffix(d, "."+ex) {
				found = append(found, "domainName "+c.DomainName)
			}
		}
	}
	if c.HostedZoneID == exampleHostedZoneID {
		found = append(found, "hostedZoneId "+c.HostedZoneID)
	}
	for _, k := range []struct {
		key   string
		cidrs []string
	}{{"ingressCidrs", c.IngressCIDRs}, {"testListenerCidrs", c.TestListenerCIDRs}} {
		for _, s := range k.cidrs {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				continue // validation reports it
			}
			for _, ex := range exampleNetworks {
				if ex.Overlaps(p) && p.Bits() >= ex.Bits() {
					found = append(found, k.key+" "+s)
				}
			}
		}
	}
	return found
}

// refuseExampleValues fails a real update (not a preview) of a config with placeholder values.
func (c *Config) refuseExampleValues(stack string, dryRun bool) error {
	if dryRun {
		return nil
	}
	if keys := c.exampleValues(); len(keys) > 0 {
		return &ExampleValuesError{Stack: stack, Keys: keys}
	}
	return nil
}
