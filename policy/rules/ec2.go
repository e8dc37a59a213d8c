package rules

// Policy names of the EC2 instance rules: what the ECS cluster's EC2 capacity (launch template,
// Auto Scaling group, capacity provider) is held to.
const (
	PolicyEC2IMDSv2                   = "ec2-imdsv2-required"
	PolicyEC2NoPublicIP               = "ec2-no-public-ip"
	PolicyEC2EncryptedVolumes         = "ec2-encrypted-volumes"
	PolicyCapacityProviderTermination = "ecs-capacity-provider-termination-protection"
)

const (
	typeLaunchTemplate      = "aws:ec2/launchTemplate:LaunchTemplate"
	typeInstance            = "aws:ec2/instance:Instance"
	typeLaunchConfiguration = "aws:ec2/launchConfiguration:LaunchConfiguration"
	typeCapacityProvider    = "aws:ecs/capacityProvider:CapacityProvider"
)

// instanceTypes are the resources that define how EC2 instances launch.
var instanceTypes = []string{typeLaunchTemplate, typeInstance, typeLaunchConfiguration}

var ec2Rules = []*Rule{
	{
		Name: PolicyEC2IMDSv2, Description: "EC2 instances, launch templates and launch configurations require IMDSv2 (metadataOptions.httpTokens \"required\").",
		Level: Mandatory, Types: instanceTypes, resource: checkIMDSv2,
	},
	{
		Name: PolicyEC2NoPublicIP, Description: "EC2 instances, launch templates and launch configurations do not associate a public IP address.",
		Level: Mandatory, Types: instanceTypes, resource: checkEC2NoPublicIP,
	},
	{
		Name: PolicyEC2EncryptedVolumes, Description: "EC2 instances, launch templates and launch configurations encrypt their root and EBS volumes.",
		Level: Mandatory, Types: instanceTypes, resource: checkEncryptedVolumes,
	},
	{
		Name: PolicyCapacityProviderTermination, Description: "ECS capacity providers on Auto Scaling groups use managed termination protection.",
		Level: Advisory, Types: []string{typeCapacityProvider}, resource: checkManagedTerminationProtection,
	},
}

func checkIMDSv2(r *report, res Resource, _ Config) {
	md := field(res.Props, "metadataOptions")
	tokens, endpoint := md.get("httpTokens"), md.get("httpEndpoint")
	required, disabled := tokens.is("required"), endpoint.is("disabled")
	fix := `set metadataOptions {httpTokens: "required"} so the metadata service answers only IMDSv2 session requests`
	switch {
	case required == yes || disabled == yes: // IMDSv2 only, or no metadata service at all
	case required == undecided:
		r.needs(res, tokens)
	case disabled == undecided:
		r.needs(res, endpoint)
	case tokens.st == absent:
		r.violation(res, tokens.path, "is unset, so the AMI's or account's default applies, which may accept IMDSv1 requests "+
			"(no session token: an SSRF flaw can read the instance role's credentials)", fix)
	default:
		r.violation(res, tokens.path, "is "+tokens.show()+", so the metadata service accepts IMDSv1 requests "+
			"(no session token: an SSRF flaw can read the instance role's credentials)", fix)
	}
}

func checkEC2NoPublicIP(r *report, res Resource, _ Config) {
	flags := []node{field(res.Props, "associatePublicIpAddress")}
	if res.Type == typeLaunchTemplate {
		// A launch template sets it per network interface; unset leaves it to the subnet.
		nis := field(res.Props, "networkInterfaces")
		if nis.st == unknown {
			r.needs(res, nis)
			return
		}
		flags = flags[:0]
		for _, ni := range nis.items() {
			flags = append(flags, ni.get("associatePublicIpAddress"))
		}
	}
	for _, n := range flags {
		switch n.flag() {
		case undecided:
			r.needs(res, n)
		case yes:
			r.violation(res, n.path, "is "+n.show()+", so the instance gets a public IP address and can be reached from the internet wherever its security groups allow",
				"set associatePublicIpAddress to false and launch the instances in private subnets (they reach AWS through NAT or VPC endpoints)")
		}
	}
}

const fixEncryptedVolume = "set encrypted to true on every EBS volume (root included; kmsKeyId optional; the AWS managed aws/ebs key otherwise)"

// requireEncrypted judges one volume's encrypted setting; unset means the provider default,
// unencrypted unless the account turns on EBS encryption by default, which a policy cannot see.
func requireEncrypted(r *report, res Resource, n node) {
	switch n.flag() {
	case undecided:
		r.needs(res, n)
	case no:
		r.violation(res, n.path, "is "+n.show()+", so the volume is stored unencrypted unless the account turns on EBS encryption by default", fixEncryptedVolume)
	}
}

func checkEncryptedVolumes(r *report, res Resource, _ Config) {
	if res.Type != typeLaunchTemplate {
		// Instances and launch configurations: the root volume, then every extra EBS volume.
		requireEncrypted(r, res, field(res.Props, "rootBlockDevice").get("encrypted"))
		devices := field(res.Props, "ebsBlockDevices")
		if devices.st == unknown {
			r.needs(res, devices)
		}
		for _, d := range devices.items() {
			requireEncrypted(r, res, d.get("encrypted"))
		}
		return
	}
	mappings := field(res.Props, "blockDeviceMappings")
	if mappings.st == unknown {
		r.needs(res, mappings)
		return
	}
	ebsVolumes := 0
	for _, m := range mappings.items() {
		// Instance store (virtualName) and noDevice entries have no ebs block.
		if ebs := m.get("ebs"); ebs.st != absent {
			ebsVolumes++
			requireEncrypted(r, res, ebs.get("encrypted"))
		}
	}
	if ebsVolumes == 0 {
		r.violation(res, mappings.path, "maps no EBS volume, so the root volume takes the AMI snapshot's settings, unencrypted unless the account turns on EBS encryption by default",
			`map the AMI's root device (/dev/xvda on Amazon Linux) with ebs {encrypted: "true"}`)
	}
}

func checkManagedTerminationProtection(r *report, res Resource, _ Config) {
	n := field(res.Props, "autoScalingGroupProvider").get("managedTerminationProtection")
	switch n.is("ENABLED") {
	case undecided:
		r.needs(res, n)
	case no:
		r.violation(res, n.path, "is "+n.show()+", so the Auto Scaling group may terminate instances that still run tasks when it scales in",
			`set managedTerminationProtection to "ENABLED" (the group needs protectFromScaleIn: true)`)
	}
}
