package components

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

// This file and the other settings_*.go files are the one home of the limits and defaults of the
// settings a user gives more than one part of the stack (the components' args and program's
// webstack: keys). A component reports a failed check under its Go field name (via
// SettingError.For), program under its config key; the limit, the default and the wording are
// written here once.

// A SettingError is what is wrong with one setting's value and how to fix it.
type SettingError struct{ Problem, Fix string }

func (e *SettingError) Error() string { return e.Problem + ": " + e.Fix }

// For names the field at fault: "ContainerPort 80 is out of range: use a value from 1024 to 65535".
// A nil SettingError gives a nil error, so callers can append For's result unconditionally.
func (e *SettingError) For(field string) error {
	if e == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %s", field, e.Problem, e.Fix)
}

func settingErr(problem, fix string, a ...any) *SettingError {
	return &SettingError{Problem: problem, Fix: fmt.Sprintf(fix, a...)}
}

// MaxPort is the highest TCP port; MaxPercent is a whole share.
const (
	MaxPort    = 65535
	MaxPercent = 100
)

// CheckIntRange is the shape of every integer limit.
func CheckIntRange(v, lo, hi int) *SettingError {
	if v < lo || v > hi {
		return settingErr(fmt.Sprintf("%d is out of range", v), "use a value from %d to %d", lo, hi)
	}
	return nil
}

// CheckOneOf is the shape of every enumerated setting.
func CheckOneOf(v string, allowed ...string) *SettingError {
	if !slices.Contains(allowed, v) {
		return settingErr(fmt.Sprintf("%q is not supported", v), "use one of %s", strings.Join(allowed, ", "))
	}
	return nil
}

// Network defaults and limits.
const (
	DefaultVPCCIDR           = "10.0.0.0/16"
	DefaultAvailabilityZones = 2
	// DefaultNATGateways is one NAT gateway for the VPC: the stacks that want one per zone
	// (Pulumi.prod.yaml) say so.
	DefaultNATGateways          = NATGatewaysSingle
	DefaultFlowLogRetentionDays = 30
	// A new VPC's prefix is /16 to /20: AWS allows /28, but the VPC is split evenly into a public
	// and a private subnet per zone (awsx's "Auto" subnet strategy), and a /20 over six zones
	// still leaves /24 subnets, room for the tasks of a rolling deploy (twice the desired count),
	// the interface endpoints and the load balancer's nodes.
	MinVPCPrefixBits     = 16
	MaxVPCPrefixBits     = 20
	MinAvailabilityZones = 2
	MaxAvailabilityZones = 6
)

// CheckVPCCIDR checks the CIDR block of a new VPC.
func CheckVPCCIDR(cidr string) *SettingError {
	if pfx, err := netip.ParsePrefix(cidr); err != nil || !pfx.Addr().Is4() || pfx.Bits() < MinVPCPrefixBits || pfx.Bits() > MaxVPCPrefixBits || pfx.Masked() != pfx {
		return settingErr(fmt.Sprintf("%q is not an IPv4 network from /%d to /%d", cidr, MinVPCPrefixBits, MaxVPCPrefixBits), "use a private range such as %s", DefaultVPCCIDR)
	}
	return nil
}

// CheckAvailabilityZones checks the zone count of a new VPC.
func CheckAvailabilityZones(n int) *SettingError {
	if n < MinAvailabilityZones || n > MaxAvailabilityZones {
		return settingErr(fmt.Sprintf("%d Availability Zone(s); the service must survive the loss of one", n), "use %d to %d", MinAvailabilityZones, MaxAvailabilityZones)
	}
	return nil
}

// CheckNATGateways checks the NAT gateway strategy, which with None needs the VPC endpoints.
func CheckNATGateways(nat string, vpcEndpoints bool) *SettingError {
	if err := CheckOneOf(nat, NATGatewaysSingle, NATGatewaysOnePerAZ, NATGatewaysNone); err != nil {
		return err
	}
	if nat == NATGatewaysNone && !vpcEndpoints {
		return settingErr("None leaves private subnets without a way to reach ECR and CloudWatch Logs", "turn on the VPC endpoints (vpcEndpoints), or use %s", NATGatewaysSingle)
	}
	return nil
}

var (
	vpcIDRe    = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)
	subnetIDRe = regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`)
)

// MinExistingSubnets is the fewest public, and the fewest private, subnets of an existing VPC:
// one per Availability Zone in two zones.
const MinExistingSubnets = 2

// CheckVPCID checks the id of an existing VPC.
func CheckVPCID(id string) *SettingError {
	if !vpcIDRe.MatchString(id) {
		return settingErr(fmt.Sprintf("%q is not a VPC id", id), "use an id like vpc-0123456789abcdef0, or unset it to create a VPC")
	}
	return nil
}

// CheckSubnetIDs checks one subnet list of an existing VPC: every problem, one each.
func CheckSubnetIDs(ids []string) []*SettingError {
	var errs []*SettingError
	if len(ids) < MinExistingSubnets {
		errs = append(errs, settingErr(fmt.Sprintf("%d subnet(s) given; an existing VPC needs at least %d in different Availability Zones", len(ids), MinExistingSubnets),
			"list at least %d subnet ids", MinExistingSubnets))
	}
	for i, id := range ids {
		switch {
		case !subnetIDRe.MatchString(id):
			errs = append(errs, settingErr(fmt.Sprintf("%q is not a subnet id", id), "use ids like subnet-0123456789abcdef0"))
		case slices.Index(ids, id) != i:
			errs = append(errs, settingErr(fmt.Sprintf("%s is listed twice", id), "keep one entry"))
		}
	}
	return errs
}

// CheckSubnetsDisjoint checks that no subnet of an existing VPC is both public and private.
func CheckSubnetsDisjoint(public, private []string) *SettingError {
	for _, id := range public {
		if slices.Contains(private, id) {
			return settingErr(fmt.Sprintf("subnet %s is listed as both public and private", id), "give the load balancer and the tasks separate subnets")
		}
	}
	return nil
}

// CheckExistingVPCOptions refuses the VPC endpoints and network ACLs with an existing VPC: the
// stack does not own its route tables or subnets.
func CheckExistingVPCOptions(vpcEndpoints, networkACLs bool) *SettingError {
	if vpcEndpoints || networkACLs {
		return settingErr("VPC endpoints and network ACLs apply only to a VPC this stack creates", "turn them off with an existing VPC, or manage its endpoints and ACLs with that VPC")
	}
	return nil
}

// CheckIPv4CIDR checks an IPv4 network in CIDR form (10.0.0.0/16, not 10.0.0.1/16), which is
// what EC2 stores and compares against.
func CheckIPv4CIDR(cidr string) *SettingError {
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil || !pfx.Addr().Is4() {
		return settingErr(fmt.Sprintf("%q is not an IPv4 CIDR block", cidr), "use blocks like 203.0.113.0/24")
	}
	if pfx.Masked() != pfx {
		return settingErr(fmt.Sprintf("%q has host bits set", cidr), "use the network address %s", pfx.Masked())
	}
	return nil
}

// Load balancer defaults and limits.
const (
	// DefaultSSLPolicy allows TLS 1.3 and 1.2 only, and TLS 1.2 with forward-secret AEAD ciphers
	// only ("Res"): it is on Security Hub ELB.17's current list of recommended policies, which
	// dropped ELBSecurityPolicy-TLS13-1-2-2021-06 (docs/fsbp.md).
	DefaultSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
	// DefaultIdleTimeoutSeconds is the ALB idle timeout (the container's keep-alive is
	// KeepAliveMarginSeconds longer).
	DefaultIdleTimeoutSeconds = 60
	MaxIdleTimeoutSeconds     = 4000 // ELB's limit on idle_timeout.timeout_seconds
	// DefaultDeregistrationDelaySeconds is how long the ALB drains a deregistered target.
	DefaultDeregistrationDelaySeconds = 30
	// MaxDeregistrationDelaySeconds keeps draining shorter than the task's stop timeout minus its
	// drain delay (see StopTimeoutSeconds), so ECS never kills a task still serving a request.
	MaxDeregistrationDelaySeconds = StopTimeoutSeconds - DrainDelaySeconds - 1
	DefaultHealthCheckPath        = "/healthz"
	// DefaultIngressCIDR: anyone may reach ports 80 and 443 (a public API).
	DefaultIngressCIDR             = "0.0.0.0/0"
	DefaultDesyncMitigationMode    = "defensive"
	DefaultAccessLogsRetentionDays = 90
	MaxAccessLogsRetentionDays     = 3650
)

var (
	certARNRe    = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$`)
	domainRe     = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	hostedZoneRe = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	healthPathRe = regexp.MustCompile(`^/[A-Za-z0-9_\-./~@:+]*$`)
)

// CheckCertificateARN checks an ACM certificate ARN ("" is allowed: no certificate).
func CheckCertificateARN(arn string) *SettingError {
	if arn != "" && !certARNRe.MatchString(arn) {
		return settingErr(fmt.Sprintf("%q is not an ACM certificate ARN", arn), "use arn:aws:acm:<region>:<account>:certificate/<id>")
	}
	return nil
}

// CheckDomainName checks the load balancer's DNS name ("" is allowed: no domain).
func CheckDomainName(name string) *SettingError {
	if name != "" && (len(name) > 253 || !domainRe.MatchString(name)) {
		return settingErr(fmt.Sprintf("%q is not a lowercase DNS name", name), "use a name like api.example.com")
	}
	return nil
}

// CheckHostedZoneID checks a Route 53 hosted zone id ("" is allowed: no domain).
func CheckHostedZoneID(id string) *SettingError {
	if id != "" && !hostedZoneRe.MatchString(id) {
		return settingErr(fmt.Sprintf("%q is not a Route 53 hosted zone id", id), "use the zone's id, like Z0123456789ABCDEFGHIJ (aws route53 list-hosted-zones)")
	}
	return nil
}

// CheckHealthCheckPath checks the target group's health-check path.
func CheckHealthCheckPath(path string) *SettingError {
	if len(path) > 1024 || !healthPathRe.MatchString(path) {
		return settingErr(fmt.Sprintf("%q is not a valid target group health-check path", path), `use an absolute path without query or spaces, e.g. %q`, DefaultHealthCheckPath)
	}
	return nil
}

// CheckDomainAndZone checks that a domain name comes with its hosted zone, and the other way
// round: the alias record and the certificate's validation record go in that zone.
func CheckDomainAndZone(domainName, hostedZoneID string) *SettingError {
	if (domainName == "") != (hostedZoneID == "") {
		return settingErr("empty while the other is set: the domain name and its Route 53 hosted zone id go together (the certificate is validated in that zone)", "set both, or neither")
	}
	return nil
}

// CheckCertificateOrHTTP refuses a load balancer without a certificate unless plain HTTP is
// explicitly allowed.
func CheckCertificateOrHTTP(hasCertificate, allowHTTP bool) *SettingError {
	if !hasCertificate && !allowHTTP {
		return settingErr("no certificate and no domain: the load balancer would serve plain HTTP",
			"give a certificate ARN, or a domain name and its hosted zone id; or, for a throwaway stack only, allow insecure HTTP")
	}
	return nil
}

// CheckSSLPolicy checks the HTTPS listener's security policy name.
func CheckSSLPolicy(policy string) *SettingError {
	if !strings.HasPrefix(policy, "ELBSecurityPolicy-") {
		return settingErr(fmt.Sprintf("%q is not an ELB security policy", policy), "use %s", DefaultSSLPolicy)
	}
	return nil
}

// CheckIdleTimeout checks the ALB's idle timeout.
func CheckIdleTimeout(seconds int) *SettingError {
	return CheckIntRange(seconds, 1, MaxIdleTimeoutSeconds)
}

// CheckDeregistrationDelay checks the target group's deregistration delay against the task's
// shutdown timing.
func CheckDeregistrationDelay(seconds int) *SettingError {
	if seconds < 1 || seconds > MaxDeregistrationDelaySeconds {
		return settingErr(fmt.Sprintf("%d: draining must end before the task's stop timeout (%ds) minus its drain delay (%ds)", seconds, StopTimeoutSeconds, DrainDelaySeconds),
			"use 1 to %d", MaxDeregistrationDelaySeconds)
	}
	return nil
}

// CheckDesyncMitigationMode checks the ALB's HTTP desync mitigation ("monitor" lets desync
// attacks through, so it is not offered).
func CheckDesyncMitigationMode(mode string) *SettingError {
	return CheckOneOf(mode, "defensive", "strictest")
}

// CheckAccessLogsRetentionDays checks how long ALB access logs are kept.
func CheckAccessLogsRetentionDays(days int) *SettingError {
	return CheckIntRange(days, 1, MaxAccessLogsRetentionDays)
}
