package program

import (
	"fmt"
	"strconv"
	"strings"

	"example.com/webstack/components"
	"example.com/webstack/contract"
)

// MaxServiceNameLength bounds serviceName, the WebService's name.
const MaxServiceNameLength = components.MaxWebServiceNameLength

// validate reports every problem of the config under its key. A setting a component also takes
// is checked by that component's check (components/settings.go), so the limit is written once;
// the rules here are the program's own and those that span components.
func (c *Config) validate() Problems {
	var p Problems

	p.check("serviceName", components.CheckWebServiceName(c.ServiceName))

	// Network.
	if c.ExistingVPCID != "" {
		p.check("existingVpcId", components.CheckVPCID(c.ExistingVPCID))
		p.checkAll("existingPublicSubnetIds", components.CheckSubnetIDs(c.ExistingPublicSubnetIDs))
		p.checkAll("existingPrivateSubnetIds", components.CheckSubnetIDs(c.ExistingPrivateSubnetIDs))
		p.check("existingPublicSubnetIds", components.CheckSubnetsDisjoint(c.ExistingPublicSubnetIDs, c.ExistingPrivateSubnetIDs))
		optionKey := "vpcEndpoints" // the key at fault is one that is on
		if !c.VPCEndpoints {
			optionKey = "networkAcls"
		}
		p.check(optionKey, components.CheckExistingVPCOptions(c.VPCEndpoints, c.NetworkACLs))
	} else {
		p.check("existingVpcId", components.CheckSubnetsNeedVPC(c.ExistingVPCID, c.ExistingPublicSubnetIDs, c.ExistingPrivateSubnetIDs))
		p.check("availabilityZones", components.CheckAvailabilityZones(c.AvailabilityZones))
		p.check("vpcCidr", components.CheckVPCCIDR(c.VPCCIDR))
		p.check("natGateways", components.CheckNATGateways(c.NATGateways, c.VPCEndpoints))
	}

	// Image.
	p.check("imagePlatform", components.CheckImagePlatform(c.ImagePlatform))
	p.check("fargateSpotWeight", components.CheckFargateSpotArchitecture(c.cpuArchitecture(), c.FargateSpotWeight))
	if strings.TrimSpace(c.BuildContext) == "" {
		p.add("buildContext", "empty", `use "." (the project directory, where the Dockerfile is)`)
	}
	if strings.TrimSpace(c.Dockerfile) == "" {
		p.add("dockerfile", "empty", `use "Dockerfile" (relative to buildContext)`)
	}
	p.check("ecrEncryption", components.CheckECREncryption(c.ECREncryption))
	p.check("untaggedImageExpiryDays", components.CheckUntaggedExpiryDays(c.UntaggedImageExpiryDays))
	p.check("imagesToKeep", components.CheckImagesToKeep(c.ImagesToKeep))

	// Load balancer.
	if len(c.IngressCIDRs) == 0 {
		p.add("ingressCidrs", "empty: nobody could reach the load balancer", `use ["0.0.0.0/0"] for a public API, or your clients' CIDRs`)
	}
	for _, s := range c.IngressCIDRs {
		p.check("ingressCidrs", components.CheckIPv4CIDR(s))
	}
	p.check("containerPort", components.CheckContainerPort(c.ContainerPort))
	p.check("healthCheckPath", components.CheckHealthCheckPath(c.HealthCheckPath))
	p.check("certificateArn", components.CheckCertificateARN(c.CertificateARN))
	missing := "domainName" // the key at fault is the one left out
	if c.HostedZoneID == "" {
		missing = "hostedZoneId"
	}
	p.check(missing, components.CheckDomainAndZone(c.DomainName, c.HostedZoneID))
	p.check("domainName", components.CheckDomainName(c.DomainName))
	p.check("hostedZoneId", components.CheckHostedZoneID(c.HostedZoneID))
	p.check("certificateArn", components.CheckCertificateOrHTTP(c.HasCertificate(), c.AllowInsecureHTTP))
	p.check("sslPolicy", components.CheckSSLPolicy(c.SSLPolicy))
	p.check("idleTimeoutSeconds", components.CheckIdleTimeout(c.IdleTimeoutSeconds))
	p.check("deregistrationDelaySeconds", components.CheckDeregistrationDelay(c.DeregistrationDelaySeconds))
	p.check("desyncMitigationMode", components.CheckDesyncMitigationMode(c.DesyncMitigationMode))
	p.check("accessLogsRetentionDays", components.CheckAccessLogsRetentionDays(c.AccessLogsRetentionDays))
	p.check("wafRateLimit", components.CheckWAFRateLimit(c.WAFRateLimit))

	// Service.
	if c.ComputeType != contract.ComputeEC2 { // EC2 tasks must fit the instance types instead (validateCompute)
		if err := components.ValidateFargateSize(c.CPU, c.Memory); err != nil {
			key := "memory" // cpu is a Fargate size, memory does not pair with it
			if !components.IsFargateCPU(c.CPU) {
				key = "cpu"
			}
			p.add(key, err.Error(), "pick a pair from the Fargate table (docs/configuration.md)")
		}
	}
	p.check("minCount", components.CheckMinCount(c.MinCount))
	p.check("maxCount", components.CheckMaxCount(c.MaxCount, c.MinCount))
	if err := components.CheckDesiredCount(c.DesiredCount); err != nil {
		p.check("desiredCount", err)
	} else if c.DesiredCount < c.MinCount || c.DesiredCount > c.MaxCount { // autoscaling's bounds on the service's count
		p.add("desiredCount", fmt.Sprintf("%d is outside [minCount, maxCount] = [%d, %d]", c.DesiredCount, c.MinCount, c.MaxCount), "pick a value within the bounds")
	}
	if c.ComputeType != contract.ComputeEC2 { // the Fargate keys are refused with ec2 (validateCompute)
		p.check("fargateBase", components.CheckFargateBase(c.FargateBase))
		p.check("fargateWeight", components.CheckFargateWeight(c.FargateWeight))
		p.check("fargateSpotWeight", components.CheckFargateWeight(c.FargateSpotWeight))
		p.check("fargateWeight", components.CheckFargateWeights(c.FargateWeight, c.FargateSpotWeight))
	}
	p.check("healthCheckGracePeriodSeconds", components.CheckHealthCheckGracePeriod(c.HealthCheckGracePeriodSeconds))
	p.check("logRetentionDays", components.CheckLogRetentionDays(c.LogRetentionDays))
	envNames := c.validateEnvironment(&p)
	c.validateSecrets(&p, envNames)
	c.validateCompute(&p)
	p.check("enableExecuteCommand", components.CheckExecuteCommand(c.EnableExecuteCommand, c.DeploymentStrategy == components.StrategyBlueGreen))

	// Autoscaling.
	p.check("cpuTargetPercent", components.CheckTargetPercent(c.CPUTargetPercent))
	p.check("memoryTargetPercent", components.CheckTargetPercent(c.MemoryTargetPercent))
	p.check("requestsPerTarget", components.CheckRequestsPerTarget(c.RequestsPerTarget))
	p.check("scaleInCooldownSeconds", components.CheckScaleCooldown(c.ScaleInCooldownSeconds))
	p.check("scaleOutCooldownSeconds", components.CheckScaleCooldown(c.ScaleOutCooldownSeconds))
	if len(c.ScaleSchedules) > 0 && !c.Autoscaling {
		p.add("scaleSchedules", "schedules need autoscaling", "set autoscaling to true, or remove the schedules")
	}
	for _, s := range c.ScaleSchedules {
		if _, err := ParseSchedule(s); err != nil {
			p.add("scaleSchedules", err.Error(), `write each entry as "name;cron(0 8 ? * MON-FRI *);min;max" (UTC)`)
		}
	}
	c.validateRelease(&p)
	return p
}

// HasCertificate reports whether the load balancer gets HTTPS.
func (c *Config) HasCertificate() bool { return c.CertificateARN != "" || c.DomainName != "" }

func (c *Config) validateEnvironment(p *Problems) map[string]bool {
	names := map[string]bool{}
	for _, kv := range c.Environment {
		name, _, ok := strings.Cut(kv, "=")
		switch err := components.CheckEnvironmentName(name); {
		case !ok:
			p.add("environment", fmt.Sprintf("%q is not NAME=value", kv), "write each entry as NAME=value with NAME made of letters, digits and _")
		case err != nil:
			p.check("environment", err)
		case names[name]:
			p.add("environment", fmt.Sprintf("%s is set twice", name), "keep one entry")
		}
		names[name] = true
	}
	return names
}

func (c *Config) validateSecrets(p *Problems, envNames map[string]bool) {
	seen := map[string]bool{}
	for _, kv := range c.Secrets {
		name, value, ok := strings.Cut(kv, "=")
		arn, key, hasKey := splitSecret(value)
		switch {
		case !ok:
			p.add("secrets", fmt.Sprintf("%q is not NAME=<arn>", kv), "write each entry as NAME=arn:aws:ssm:... or NAME=arn:aws:secretsmanager:...")
		case components.CheckSecret(name, arn) != nil:
			p.check("secrets", components.CheckSecret(name, arn))
		case hasKey && components.CheckSecretKMSKey(name, key) != nil:
			err := components.CheckSecretKMSKey(name, key)
			err.Fix = "write NAME=<secret arn>" + secretKMSKeySep + "<key ARN>: " + err.Fix
			p.check("secrets", err)
		case seen[name] || envNames[name]:
			p.add("secrets", fmt.Sprintf("%s is set twice (secrets and environment share one namespace)", name), "keep one entry")
		}
		seen[name] = true
	}
}

// scheduleFields are the fields of a scaleSchedules entry, "name;schedule;min;max".
const scheduleFields = 4

// ParseSchedule reads one scaleSchedules entry, "name;schedule;min;max".
func ParseSchedule(s string) (components.ScaleSchedule, error) {
	parts := strings.Split(s, ";")
	if len(parts) != scheduleFields {
		return components.ScaleSchedule{}, fmt.Errorf("%q has %d field(s), want %d separated by ';'", s, len(parts), scheduleFields)
	}
	minC, err1 := strconv.Atoi(strings.TrimSpace(parts[2]))
	maxC, err2 := strconv.Atoi(strings.TrimSpace(parts[3]))
	if err1 != nil || err2 != nil {
		return components.ScaleSchedule{}, fmt.Errorf("%q: min and max must be integers", s)
	}
	sched := components.ScaleSchedule{Name: strings.TrimSpace(parts[0]), Schedule: strings.TrimSpace(parts[1]), MinCount: minC, MaxCount: maxC}
	if err := components.CheckScaleSchedule(sched); err != nil {
		return components.ScaleSchedule{}, fmt.Errorf("%q: %w", s, err)
	}
	return sched, nil
}

// secretKMSKeySep separates a secret's ARN from the optional ARN of the customer managed KMS key
// that encrypts it, in a secrets entry: NAME=<secret arn>,kmsKey=<key arn>. (Neither an SSM
// parameter nor a Secrets Manager secret name may contain a comma.)
const secretKMSKeySep = ",kmsKey="

// splitSecret splits the value of a secrets entry into the secret's ARN and its KMS key ARN.
func splitSecret(value string) (arn, kmsKey string, hasKey bool) {
	return strings.Cut(value, secretKMSKeySep)
}
