package rules

import (
	"fmt"
	"slices"
)

// Policy names of the network and load balancer rules.
const (
	PolicyNoPublicIngress      = "sg-no-public-ingress"
	PolicyHTTPRedirectsToHTTPS = "lb-http-redirects-to-https"
	PolicyTLSPolicy            = "lb-tls-policy"
	PolicyInvalidHeaders       = "lb-invalid-header-handling"
	PolicyDeletionProtection   = "lb-deletion-protection"
	PolicyAccessLogs           = "lb-access-logs"
	PolicyWAFAssociation       = "lb-waf-association"
	PolicyPublicIngressOnLB    = "sg-public-ingress-only-on-lb"
)

const (
	typeSecurityGroup  = "aws:ec2/securityGroup:SecurityGroup"
	typeSGIngressRule  = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	typeSGRule         = "aws:ec2/securityGroupRule:SecurityGroupRule"
	typeListener       = "aws:lb/listener:Listener"
	typeALBListener    = "aws:alb/listener:Listener"
	typeWebACLAssoc    = "aws:wafv2/webAclAssociation:WebAclAssociation"
	publicIngressPorts = "80 and 443"
)

var listenerTypes = []string{typeListener, typeALBListener}

var networkRules = []*Rule{
	{
		Name: PolicyNoPublicIngress, Description: "Security groups allow ingress from 0.0.0.0/0 or ::/0 only over TCP to port 80 or 443 (the load balancer's listeners).",
		Controls: []string{"EC2.18", "EC2.19"}, Level: Mandatory, Types: []string{typeSecurityGroup, typeSGIngressRule, typeSGRule}, resource: checkNoPublicIngress,
	},
	{
		Name: PolicyPublicIngressOnLB, Description: "Security groups that admit the internet on TCP 80/443 belong to a load balancer.",
		Level: Mandatory, stack: checkPublicIngressOnLB,
	},
	{
		Name: PolicyHTTPRedirectsToHTTPS, Description: "HTTP load balancer listeners only redirect to HTTPS.",
		Controls: []string{"ELB.1"}, Level: Mandatory, Types: listenerTypes, resource: checkHTTPRedirects,
	},
	{
		Name: PolicyTLSPolicy, Description: "HTTPS and TLS load balancer listeners use an allowed ELB security policy (by default, ELB.17's current recommended list).",
		Controls: []string{"ELB.17"}, Level: Mandatory, Params: []string{paramSSLPolicies}, Types: listenerTypes, resource: checkTLSPolicy,
	},
	{
		Name: PolicyInvalidHeaders, Description: "Application load balancers drop invalid HTTP headers and do not use desync mitigation mode monitor.",
		Controls: []string{"ELB.4", "ELB.12"}, Level: Mandatory, Types: lbTypes, resource: checkInvalidHeaders,
	},
	{
		Name: PolicyDeletionProtection, Description: "Load balancers have deletion protection on.",
		Controls: []string{"ELB.6"}, Level: Mandatory, Types: lbTypes, resource: checkLBFlag("enableDeletionProtection", "deleting it would take the service offline"),
	},
	{
		Name: PolicyAccessLogs, Description: "Load balancers write access logs to S3.",
		Controls: []string{"ELB.5"}, Level: Mandatory, Types: lbTypes, resource: checkAccessLogs,
	},
	{
		Name: PolicyWAFAssociation, Description: "Every internet-facing application load balancer has a WAF web ACL association.",
		Level: Mandatory, stack: checkWAFAssociation,
	},
}

func checkHTTPRedirects(r *report, res Resource, _ Config) {
	switch field(res.Props, "protocol").is("HTTP") {
	case undecided:
		r.needs(res, field(res.Props, "protocol"))
		return
	case no:
		return
	}
	actions := field(res.Props, "defaultActions")
	fix := `make the only default action {type: "redirect", redirect: {protocol: "HTTPS", port: "443", statusCode: "HTTP_301"}}`
	if actions.st == unknown {
		r.needs(res, actions)
		return
	}
	items := actions.items()
	if len(items) != 1 {
		r.violation(res, actions.path, fmt.Sprintf("has %d actions on a plain-HTTP listener", len(items)), fix)
		return
	}
	a := items[0]
	typ, proto := a.get("type").is("redirect"), a.get("redirect").get("protocol").is("HTTPS")
	switch {
	case typ == yes && proto == yes:
	case typ == undecided || proto == undecided:
		r.needs(res, a)
	default:
		r.violation(res, a.path, "serves plain HTTP instead of redirecting to HTTPS", fix)
	}
}

func checkTLSPolicy(r *report, res Resource, cfg Config) {
	proto := field(res.Props, "protocol")
	if proto.st == unknown {
		r.needs(res, proto)
		return
	}
	if proto.is("HTTPS") == no && proto.is("TLS") == no {
		return
	}
	ssl := field(res.Props, "sslPolicy")
	fix := "set sslPolicy to one of " + quoteAll(cfg.AllowedSSLPolicies)
	switch s, ok := ssl.str(); {
	case ssl.st == unknown:
		r.needs(res, ssl)
	case ssl.st == absent:
		r.violation(res, ssl.path, "is unset, so AWS uses ELBSecurityPolicy-2016-08, which allows TLS 1.0 and 1.1", fix)
	case !ok || !slices.Contains(cfg.AllowedSSLPolicies, s):
		r.violation(res, ssl.path, ssl.show()+" is not an allowed TLS policy", fix)
	}
}

// isApplicationLB: loadBalancerType defaults to "application".
func isApplicationLB(res Resource) verdict {
	t := field(res.Props, "loadBalancerType")
	if t.st == absent {
		return yes
	}
	return t.is("application")
}

func checkInvalidHeaders(r *report, res Resource, _ Config) {
	switch isApplicationLB(res) {
	case undecided:
		r.needs(res, field(res.Props, "loadBalancerType"))
		return
	case no:
		return
	}
	switch n := field(res.Props, "dropInvalidHeaderFields"); n.isTrue() {
	case undecided:
		r.needs(res, n)
	case no:
		r.violation(res, n.path, "is "+n.show()+", so malformed headers reach the targets", "set dropInvalidHeaderFields to true")
	}
	switch n := field(res.Props, "desyncMitigationMode"); n.is("monitor") {
	case undecided:
		r.needs(res, n)
	case yes:
		r.violationOf("ELB.12", res, n.path, `is "monitor", which lets request-smuggling attempts through`, `use "defensive" (the default) or "strictest"`)
	}
}

// checkLBFlag requires a boolean load balancer attribute to be true.
func checkLBFlag(key, why string) func(*report, Resource, Config) {
	return func(r *report, res Resource, _ Config) {
		switch n := field(res.Props, key); n.isTrue() {
		case undecided:
			r.needs(res, n)
		case no:
			r.violation(res, n.path, "is "+n.show()+"; "+why, "set "+key+" to true")
		}
	}
}

func checkAccessLogs(r *report, res Resource, _ Config) {
	logs := field(res.Props, "accessLogs")
	fix := "set accessLogs {enabled: true, bucket: <an S3 bucket with the ELB log delivery policy>}"
	enabled, bucket := logs.get("enabled"), logs.get("bucket")
	switch {
	case logs.st == unknown || enabled.st == unknown || bucket.st == unknown:
		r.needs(res, logs)
	case enabled.isTrue() == no:
		r.violation(res, enabled.path, "is "+enabled.show()+", so requests to the load balancer are not logged", fix)
	case bucket.st == absent:
		r.violation(res, bucket.path, "is unset", fix)
	}
}

func checkWAFAssociation(r *report, stack []Resource, _ Config) {
	var assocs []Resource
	for _, res := range stack {
		if res.Type == typeWebACLAssoc {
			assocs = append(assocs, res)
		}
	}
	for _, lb := range stack {
		if !slices.Contains(lbTypes, lb.Type) {
			continue
		}
		internal := field(lb.Props, "internal").isTrue()
		app := isApplicationLB(lb)
		switch {
		case internal == yes || app == no:
			continue
		case internal == undecided || app == undecided:
			r.unverifiable(lb, "internal", "whether it is an internet-facing application load balancer is unknown")
			continue
		}
		arn, arnKnown := field(lb.Props, "arn").str()
		found := slices.ContainsFunc(assocs, func(a Resource) bool {
			target, ok := field(a.Props, "resourceArn").str()
			return (ok && arnKnown && target == arn) || dependsOn(a, "resourceArn", lb.URN)
		})
		if !found {
			r.violation(lb, "WAF", "no aws:wafv2/webAclAssociation:WebAclAssociation attaches a web ACL to this internet-facing load balancer",
				"associate a REGIONAL WAFv2 web ACL (resourceArn = the load balancer's arn), e.g. by enabling the Firewall component")
		}
	}
}

func nonEmpty(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
