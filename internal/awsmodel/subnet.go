package awsmodel

import (
	"fmt"
	"net/netip"
)

// SubnetConflict is what EC2 CreateSubnet answers when the new subnet's IPv4 block overlaps a
// subnet that still exists in the same VPC: it refuses with InvalidSubnet.Conflict, "The CIDR
// '<block>' conflicts with another subnet" (EC2 API reference, "Error codes for the Amazon EC2
// API": InvalidSubnet.Conflict, the CIDR block conflicts with that of another subnet in the VPC;
// the message as reported in hashicorp/terraform #33470 and #7516, pulumi/pulumi-awsx #520 and
// #910 and aws/aws-cdk #24708, the last three after a change of the zone count re-divided a live
// VPC). live are the blocks of the VPC's live subnets; the answer is "" when none overlaps.
// Not modelled: IPv6 blocks and the VPC's own range (a block outside it is another error,
// InvalidSubnet.Range), which the program's subnets never hit.
func SubnetConflict(block string, live []string) (string, error) {
	p, err := netip.ParsePrefix(block)
	if err != nil {
		return "", fmt.Errorf("InvalidParameterValue: %q is not a valid CIDR block", block)
	}
	for _, l := range live {
		q, err := netip.ParsePrefix(l)
		if err != nil {
			continue
		}
		if p.Masked().Overlaps(q.Masked()) {
			return fmt.Sprintf("InvalidSubnet.Conflict: The CIDR '%s' conflicts with another subnet (%s)", block, l), nil
		}
	}
	return "", nil
}
