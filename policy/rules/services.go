package rules

import (
	"strings"
)

// Policy names of the rules on SNS, KMS, IAM inline policies, WAF, ACM and ECS platform versions.
const (
	PolicySNSNotPublic        = "sns-topic-not-public"
	PolicyKMSKeyNotPublic     = "kms-key-not-public"
	PolicyIAMNoDecryptAllKeys = "iam-inline-no-decrypt-all-keys"
	PolicyWAFHasRules         = "waf-web-acl-has-rules"
	PolicyWAFRuleMetrics      = "waf-rule-metrics"
	PolicyACMKeyAlgorithm     = "acm-key-algorithm"
	PolicyECSPlatformVersion  = "ecs-fargate-latest-platform"

	typeSNSTopic       = "aws:sns/topic:Topic"
	typeSNSTopicPolicy = "aws:sns/topicPolicy:TopicPolicy"
	typeKMSKey         = "aws:kms/key:Key"
	typeRolePolicy     = "aws:iam/rolePolicy:RolePolicy"
	typeUserPolicy     = "aws:iam/userPolicy:UserPolicy"
	typeGroupPolicy    = "aws:iam/groupPolicy:GroupPolicy"
	typeWebACL         = "aws:wafv2/webAcl:WebAcl"
	typeCertificate    = "aws:acm/certificate:Certificate"
)

var serviceRules = []*Rule{
	{
		Name: PolicySNSNotPublic, Description: `SNS topic policies allow no one-and-all principal ("*") without a condition.`,
		Controls: []string{"SNS.4"}, Level: Mandatory, Types: []string{typeSNSTopic, typeSNSTopicPolicy}, resource: checkNotPublicPolicy("publish to or subscribe to the topic"),
	},
	{
		Name: PolicyKMSKeyNotPublic, Description: `KMS key policies allow no one-and-all principal ("*") without a condition.`,
		Controls: []string{"KMS.5"}, Level: Mandatory, Types: []string{typeKMSKey}, resource: checkNotPublicPolicy("use or manage the key"),
	},
	{
		Name: PolicyIAMNoDecryptAllKeys, Description: "IAM inline policies do not allow kms:Decrypt or kms:ReEncryptFrom on all KMS keys.",
		Controls: []string{"KMS.2"}, Level: Mandatory, Types: []string{typeRolePolicy, typeUserPolicy, typeGroupPolicy}, resource: checkNoDecryptAllKeys,
	},
	{
		Name: PolicyWAFHasRules, Description: "WAFv2 web ACLs have at least one rule.",
		Controls: []string{"WAF.10"}, Level: Mandatory, Types: []string{typeWebACL}, resource: checkWAFHasRules,
	},
	{
		Name: PolicyWAFRuleMetrics, Description: "Every rule of a WAFv2 web ACL sends CloudWatch metrics.",
		Controls: []string{"WAF.12"}, Level: Mandatory, Types: []string{typeWebACL}, resource: checkWAFRuleMetrics,
	},
	{
		Name: PolicyACMKeyAlgorithm, Description: "ACM certificates use RSA keys of at least 2048 bits or EC keys.",
		Controls: []string{"ACM.2"}, Level: Mandatory, Types: []string{typeCertificate}, resource: checkACMKeyAlgorithm,
	},
	{
		Name: PolicyECSPlatformVersion, Description: "ECS services on Fargate run the latest platform version (unset or LATEST, or 1.4.0 on Linux and 1.0.0 on Windows).",
		Controls: []string{"ECS.10"}, Level: Mandatory, Types: []string{typeService}, resource: checkECSPlatformVersion,
	},
}

// checkNotPublicPolicy fails a resource policy with an Allow for everyone that no condition limits.
// A condition is taken as limiting (the controls accept aws:SourceAccount, aws:SourceArn,
// aws:PrincipalOrgID and the like); an unset policy is the service's owner-only default.
func checkNotPublicPolicy(what string) func(*report, Resource, Config) {
	return func(r *report, res Resource, _ Config) {
		if field(res.Props, "policy").st == absent {
			return
		}
		stmts, ok := readPolicy(r, res)
		if !ok {
			return
		}
		for _, st := range stmts {
			if strings.EqualFold(st.Effect, "Allow") && everyone(st.Principal) && len(st.Condition) == 0 {
				r.violation(res, "policy", `allows "*" with no condition, so any AWS account can `+what,
					"name the principals (account root, service with aws:SourceAccount), or add a condition that limits the caller")
				return
			}
		}
	}
}

var decryptActions = []string{"kms:Decrypt", "kms:ReEncryptFrom"}

// allKeys: a Resource entry that covers every KMS key ("*", or a KMS ARN ending in key/* or *).
func allKeys(resource string) bool {
	r := strings.TrimSpace(resource)
	if r == "*" {
		return true
	}
	parts := strings.SplitN(r, ":", 6)
	return len(parts) == 6 && (parts[2] == "kms" || parts[2] == "*") && (parts[5] == "*" || parts[5] == "key/*")
}

func checkNoDecryptAllKeys(r *report, res Resource, _ Config) {
	stmts, ok := readPolicy(r, res)
	if !ok {
		return
	}
	for _, st := range stmts {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		resources := strs(st.Resource)
		for _, a := range strs(st.Action) {
			for _, d := range decryptActions {
				if !actionMatches(a, d) {
					continue
				}
				for _, k := range resources {
					if allKeys(k) {
						r.violation(res, "policy", "allows "+d+" (through "+a+") on every KMS key ("+k+")",
							"name the key ARNs the role must decrypt with, or grant decryption through the key policy")
						return
					}
				}
			}
		}
	}
}

func checkWAFHasRules(r *report, res Resource, _ Config) {
	rules := field(res.Props, "rules")
	switch {
	case rules.st == unknown:
		r.needs(res, rules)
	case !rules.isArray() || len(rules.items()) == 0:
		if field(res.Props, "ruleJson").st == present {
			return // rules given as JSON: counted by AWS, not readable here without parsing
		}
		r.violation(res, "rules", "the web ACL has no rules, so it only applies its default action",
			"add rules (e.g. the AWS managed rule groups and a rate-based rule)")
	}
}

func checkWAFRuleMetrics(r *report, res Resource, _ Config) {
	rules := field(res.Props, "rules")
	if rules.st == unknown {
		r.needs(res, rules)
		return
	}
	for _, rule := range rules.items() {
		switch n := rule.get("visibilityConfig").get("cloudwatchMetricsEnabled"); n.isTrue() {
		case undecided:
			r.needs(res, n)
		case no:
			r.violation(res, n.path, "is "+n.show()+", so the rule's matches are not counted in CloudWatch",
				"set visibilityConfig {cloudwatchMetricsEnabled: true, metricName: ...} on every rule")
		}
	}
}

func checkACMKeyAlgorithm(r *report, res Resource, _ Config) {
	if field(res.Props, "privateKey").st != absent {
		r.unverifiable(res, "privateKey", "the key of an imported certificate is not readable here")
		return
	}
	n := field(res.Props, "keyAlgorithm")
	s, _ := n.str()
	switch {
	case n.st == unknown:
		r.needs(res, n)
	case n.st == absent: // ACM's default is RSA_2048
	case strings.HasPrefix(s, "EC_"), s == "RSA_2048", s == "RSA_3072", s == "RSA_4096":
	default:
		r.violation(res, n.path, n.show()+" is weaker than RSA 2048", `use "RSA_2048" (the default), a larger RSA key or an EC key`)
	}
}

// fargateLatest are the platform versions ECS.10 accepts besides LATEST (its latestLinuxVersion
// and latestWindowsVersion parameters).
var fargateLatest = []string{"LATEST", "1.4.0", "1.0.0"}

func checkECSPlatformVersion(r *report, res Resource, _ Config) {
	n := field(res.Props, "platformVersion")
	s, _ := n.str()
	switch {
	case n.st == unknown:
		r.needs(res, n)
	case n.st == absent:
	case slicesContainsFold(fargateLatest, s):
	default:
		// EC2 services ignore platformVersion; only Fargate ones run on it.
		if field(res.Props, "launchType").is("EC2") == yes {
			return
		}
		r.violation(res, n.path, n.show()+" pins an older Fargate platform", `leave platformVersion unset or "LATEST"`)
	}
}

func slicesContainsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, strings.TrimSpace(s)) {
			return true
		}
	}
	return false
}
