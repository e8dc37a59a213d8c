package rules

import (
	"fmt"
	"strings"
)

// Policy names of the multi-AZ rules.
const (
	PolicyServiceMultiAZ        = "ecs-service-multi-az"
	PolicyScalingMinimum        = "ecs-scaling-minimum-multi-az"
	PolicyASGMultiAZ            = "asg-multi-az"
	PolicyLoadBalancerMultiAZ   = "lb-multi-az"
	PolicyVPCMultiAZ            = "vpc-multi-az"
	PolicyServiceSubnetsSpanAZs = "ecs-service-subnets-span-azs"
	PolicyASGSubnetsSpanAZs     = "asg-subnets-span-azs"
)

const (
	typeService       = "aws:ecs/service:Service"
	typeScalingTarget = "aws:appautoscaling/target:Target"
	typeASG           = "aws:autoscaling/group:Group"
	typeLB            = "aws:lb/loadBalancer:LoadBalancer"
	typeALB           = "aws:alb/loadBalancer:LoadBalancer"
	typeAwsxVPC       = "awsx:ec2:Vpc"
	typeSubnet        = "aws:ec2/subnet:Subnet"
	spreadField       = "attribute:ecs.availability-zone"
)

var serviceTypes = []string{typeService, typeAwsxFargateService, typeAwsxEC2Service}
var lbTypes = []string{typeLB, typeALB}

var multiAZRules = []*Rule{
	{
		Name: PolicyServiceMultiAZ,
		Description: "ECS services can run in several Availability Zones: awsvpc subnets and desired count (when not 0) " +
			"at least the minimum, and EC2 services spread on attribute:ecs.availability-zone first.",
		Level: Mandatory, Params: []string{paramMinAZs}, Types: serviceTypes, resource: checkServiceMultiAZ,
	},
	{
		Name:        PolicyScalingMinimum,
		Description: "Application Auto Scaling targets of ECS services keep at least one task per required Availability Zone.",
		Level:       Mandatory, Params: []string{paramMinAZs}, Types: []string{typeScalingTarget}, resource: checkScalingMinimum,
	},
	{
		Name:        PolicyASGMultiAZ,
		Description: "Auto Scaling groups span at least the minimum number of subnets or Availability Zones.",
		Level:       Mandatory, Params: []string{paramMinAZs}, Types: []string{typeASG}, resource: checkASGMultiAZ,
	},
	{
		Name:        PolicyLoadBalancerMultiAZ,
		Description: "Load balancers span at least the minimum number of subnets.",
		Controls:    []string{"ELB.13"},
		Level:       Mandatory, Params: []string{paramMinAZs}, Types: lbTypes, resource: checkLoadBalancerMultiAZ,
	},
	{
		Name:        PolicyVPCMultiAZ,
		Description: "awsx VPCs are built across at least the minimum number of Availability Zones.",
		Level:       Mandatory, Params: []string{paramMinAZs}, Types: []string{typeAwsxVPC}, resource: checkVPCMultiAZ,
	},
	{
		Name: PolicyServiceSubnetsSpanAZs,
		Description: "Each ECS service's subnets, resolved to the stack's subnet resources, lie in at least the " +
			"minimum number of distinct Availability Zones.",
		Level: Mandatory, ParamsFrom: PolicyServiceMultiAZ, stack: checkServiceSubnetsSpanAZs,
	},
	{
		Name: PolicyASGSubnetsSpanAZs,
		Description: "Each Auto Scaling group's vpcZoneIdentifiers, resolved to the stack's subnet resources, lie in at least the " +
			"minimum number of distinct Availability Zones.",
		Level: Mandatory, ParamsFrom: PolicyASGMultiAZ, stack: checkASGSubnetsSpanAZs,
	},
}

// atLeast checks a list's distinct entries against min: a violation when even counting every
// unknown element as distinct it is short, unverifiable when only unknowns could make it up.
func atLeast(r *report, res Resource, list node, min int, what, fix string) verdict {
	switch {
	case list.st == unknown:
		r.needs(res, list)
		return undecided
	case list.st == absent:
		return no
	case !list.isArray():
		r.violation(res, list.path, "must be a list of "+what, fix)
		return no
	}
	known, unknowns := distinctCount(list)
	switch {
	case known >= min:
		return yes
	case known+unknowns < min:
		r.violation(res, list.path, fmt.Sprintf("has %d distinct %s%s; at least %d are needed to span %d Availability Zones",
			known+unknowns, what, plural(known+unknowns), min, min), fix)
		return no
	}
	r.unverifiable(res, list.path, fmt.Sprintf("%d of its entries are unknown", unknowns))
	return undecided
}

// atLeastNumber checks a known number against min. Absent passes: the caller knows whether the
// provider default is safe. allowZero accepts 0 (a stopped service is in no zone at all).
func atLeastNumber(r *report, res Resource, n node, min int, allowZero bool, fix string) {
	switch n.st {
	case unknown:
		r.needs(res, n)
		return
	case absent:
		return
	}
	v, ok := n.number()
	switch {
	case !ok:
		r.violation(res, n.path, "must be a number", fix)
	case allowZero && v == 0:
	case v < float64(min):
		r.violation(res, n.path, fmt.Sprintf("is %s; at least %d is required to span %d Availability Zones", n.show(), min, min), fix)
	}
}

func checkServiceMultiAZ(r *report, res Resource, cfg Config) {
	min := cfg.MinimumAvailabilityZones
	if field(res.Props, "schedulingStrategy").is("DAEMON") != yes {
		atLeastNumber(r, res, field(res.Props, "desiredCount"), min, true,
			fmt.Sprintf("set desiredCount to at least %d (or 0 to stop the service)", min))
	}
	if nc := field(res.Props, "networkConfiguration"); nc.st == unknown {
		r.needs(res, nc)
	} else if nc.st == present {
		subnets := nc.get("subnets")
		if subnets.st == absent {
			r.violation(res, subnets.path, "is unset", fmt.Sprintf("list private subnets in at least %d Availability Zones", min))
		} else {
			atLeast(r, res, subnets, min, "subnet", fmt.Sprintf("list private subnets in at least %d Availability Zones", min))
		}
	}
	ec2 := isEC2Service(res)
	if ec2 == no {
		return
	}
	strategies := field(res.Props, "orderedPlacementStrategies")
	first := node{path: strategies.path + "[0]", st: absent}
	if items := strategies.items(); len(items) > 0 {
		first = items[0]
	}
	spread := first.get("type").is("spread")
	onAZ := first.get("field").is(spreadField)
	fix := fmt.Sprintf(`make the first orderedPlacementStrategies entry {type: "spread", field: %q}`, spreadField)
	switch {
	case strategies.st == unknown || spread == undecided || onAZ == undecided:
		r.needs(res, strategies)
	case spread == yes && onAZ == yes:
	case ec2 == undecided:
		r.unverifiable(res, "capacityProviderStrategies", "a capacity provider name is unknown, so whether this is an EC2 service")
	default:
		r.violation(res, strategies.path, "does not spread tasks across Availability Zones first on this EC2 service", fix)
	}
}

// isEC2Service: EC2 launch type, or a capacity provider other than FARGATE/FARGATE_SPOT.
func isEC2Service(res Resource) verdict {
	if res.Type == typeAwsxEC2Service || field(res.Props, "launchType").is("EC2") == yes {
		return yes
	}
	strategies := field(res.Props, "capacityProviderStrategies")
	if strategies.st == unknown {
		return undecided
	}
	answer := no
	for _, s := range strategies.items() {
		cp := s.get("capacityProvider")
		name, ok := cp.str()
		switch {
		case cp.st == unknown:
			answer = undecided
		case ok && !strings.HasPrefix(strings.ToUpper(name), "FARGATE"):
			return yes
		}
	}
	return answer
}

func checkScalingMinimum(r *report, res Resource, cfg Config) {
	switch field(res.Props, "serviceNamespace").is("ecs") {
	case undecided:
		r.needs(res, field(res.Props, "serviceNamespace"))
		return
	case no:
		return
	}
	minCap := field(res.Props, "minCapacity")
	if minCap.st == absent {
		r.violation(res, minCap.path, "is unset", fmt.Sprintf("set minCapacity to at least %d", cfg.MinimumAvailabilityZones))
		return
	}
	atLeastNumber(r, res, minCap, cfg.MinimumAvailabilityZones, false,
		fmt.Sprintf("set minCapacity to at least %d so scaling in never leaves a single Availability Zone", cfg.MinimumAvailabilityZones))
}

func checkASGMultiAZ(r *report, res Resource, cfg Config) {
	min := cfg.MinimumAvailabilityZones
	fix := fmt.Sprintf("set vpcZoneIdentifiers to subnets in at least %d Availability Zones", min)
	subnets, zones := field(res.Props, "vpcZoneIdentifiers"), field(res.Props, "availabilityZones")
	if subnets.st == absent && zones.st == absent {
		r.violation(res, "vpcZoneIdentifiers", "is unset (and so is availabilityZones)", fix)
		return
	}
	if subnets.st != absent {
		atLeast(r, res, subnets, min, "subnet", fix)
		return
	}
	atLeast(r, res, zones, min, "Availability Zone", fix)
}

func checkLoadBalancerMultiAZ(r *report, res Resource, cfg Config) {
	min := cfg.MinimumAvailabilityZones
	fix := fmt.Sprintf("put the load balancer in subnets of at least %d Availability Zones", min)
	subnets, mappings := field(res.Props, "subnets"), field(res.Props, "subnetMappings")
	switch {
	case subnets.st != absent:
		atLeast(r, res, subnets, min, "subnet", fix)
	case mappings.st == unknown:
		r.needs(res, mappings)
	case mappings.st == absent:
		r.violation(res, "subnets", "is unset (and so is subnetMappings)", fix)
	default:
		ids := make([]node, 0)
		for _, m := range mappings.items() {
			ids = append(ids, m.get("subnetId"))
		}
		if len(ids) < min {
			r.violation(res, mappings.path, fmt.Sprintf("maps %d subnet%s; at least %d are needed", len(ids), plural(len(ids)), min), fix)
		}
	}
}

func checkVPCMultiAZ(r *report, res Resource, cfg Config) {
	min := cfg.MinimumAvailabilityZones
	fix := fmt.Sprintf("set numberOfAvailabilityZones to at least %d", min)
	// awsx defaults to 3 Availability Zones when neither is set.
	atLeastNumber(r, res, field(res.Props, "numberOfAvailabilityZones"), min, false, fix)
	names := field(res.Props, "availabilityZoneNames")
	if names.st != absent {
		atLeast(r, res, names, min, "Availability Zone", fmt.Sprintf("list at least %d availabilityZoneNames", min))
	}
}
