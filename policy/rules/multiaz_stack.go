package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// stackIndex answers the lookups the stack rules make.
type stackIndex struct {
	byURN    map[string]Resource
	children map[string][]string
	subnetID map[string]Resource
}

func indexStack(stack []Resource) stackIndex {
	idx := stackIndex{byURN: map[string]Resource{}, children: map[string][]string{}, subnetID: map[string]Resource{}}
	for _, res := range stack {
		idx.byURN[res.URN] = res
		if res.Parent != "" {
			idx.children[res.Parent] = append(idx.children[res.Parent], res.URN)
		}
		if id, ok := field(res.Props, "id").str(); ok && res.Type == typeSubnet {
			idx.subnetID[id] = res
		}
	}
	return idx
}

// descendants lists every resource below urn, depth first.
func (idx stackIndex) descendants(urn string) []Resource {
	var out []Resource
	for _, c := range idx.children[urn] {
		out = append(out, idx.byURN[c])
		out = append(out, idx.descendants(c)...)
	}
	return out
}

// dependsOn reports whether res's property key depends on urn (how a first preview links
// resources whose ids are not known yet).
func dependsOn(res Resource, key, urn string) bool {
	return slices.Contains(res.PropertyDependencies[key], urn)
}

// subnetsFromDependencies maps dependency URNs to subnet resources: a subnet itself, or the
// private subnets of an awsx VPC (whose privateSubnetIds output depends on the component).
func (idx stackIndex) subnetsFromDependencies(urns []string) []Resource {
	var out []Resource
	for _, u := range urns {
		res, ok := idx.byURN[u]
		switch {
		case !ok:
		case res.Type == typeSubnet:
			out = append(out, res)
		case res.Type == typeAwsxVpc:
			for _, d := range idx.descendants(u) {
				if d.Type == typeSubnet && isPrivateSubnet(d) {
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// isPrivateSubnet follows awsx's SubnetType tag, else the public-IP-on-launch flag.
func isPrivateSubnet(s Resource) bool {
	if t, ok := field(s.Props, "tags").get("SubnetType").str(); ok {
		return t == "Private" || t == "Isolated"
	}
	return field(s.Props, "mapPublicIpOnLaunch").isTrue() == no
}

func checkServiceSubnetsSpanAZs(r *report, stack []Resource, cfg Config) {
	// Services without networkConfiguration are not awsvpc: their placement is
	// ecs-service-multi-az's to check.
	checkSubnetsSpanAZs(r, stack, cfg, typeService, "networkConfiguration",
		func(svc Resource) node { return field(svc.Props, "networkConfiguration").get("subnets") },
		"use private subnets in at least %[1]d Availability Zones (e.g. the awsx VPC's privateSubnetIds with numberOfAvailabilityZones >= %[1]d)")
}

func checkASGSubnetsSpanAZs(r *report, stack []Resource, cfg Config) {
	// Groups given availabilityZones instead name the zones themselves: asg-multi-az counts them.
	checkSubnetsSpanAZs(r, stack, cfg, typeASG, "vpcZoneIdentifiers",
		func(asg Resource) node { return field(asg.Props, "vpcZoneIdentifiers") },
		"set vpcZoneIdentifiers to private subnets in at least %[1]d Availability Zones (e.g. the awsx VPC's privateSubnetIds with numberOfAvailabilityZones >= %[1]d)")
}

// checkSubnetsSpanAZs resolves the subnet list of every resource of type typ (subnetsOf; a
// resource whose list is unset is skipped) to the stack's subnet resources, by id or, for unknown
// ids, through the property dependencies of depKey, and requires cfg's minimum of distinct AZs.
// fix is a format with the minimum as its argument.
func checkSubnetsSpanAZs(r *report, stack []Resource, cfg Config, typ, depKey string, subnetsOf func(Resource) node, fix string) {
	min := cfg.MinimumAvailabilityZones
	idx := indexStack(stack)
	for _, res := range stack {
		if res.Type != typ {
			continue
		}
		subnets := subnetsOf(res)
		if subnets.st == absent {
			continue
		}
		var resolved []Resource
		var unresolved []string
		viaDeps := subnets.st == unknown
		for _, e := range subnets.items() {
			id, ok := e.str()
			if !ok {
				viaDeps = true
				continue
			}
			if s, found := idx.subnetID[id]; found {
				resolved = append(resolved, s)
			} else {
				unresolved = append(unresolved, fmt.Sprintf("subnet %s is not a subnet resource of this stack", e.show()))
			}
		}
		if viaDeps {
			fromDeps := idx.subnetsFromDependencies(res.PropertyDependencies[depKey])
			if len(fromDeps) == 0 {
				unresolved = append(unresolved, "the unknown subnet ids depend on no subnet or awsx VPC of this stack")
			}
			resolved = append(resolved, fromDeps...)
		}
		zones := map[string]bool{}
		for _, s := range resolved {
			if az, ok := field(s.Props, "availabilityZone").str(); ok {
				zones[az] = true
			} else {
				unresolved = append(unresolved, fmt.Sprintf("the Availability Zone of subnet %q is unknown", s.Name))
			}
		}
		if len(zones) >= min {
			continue
		}
		got := fmt.Sprintf("resolve to %d Availability Zone%s", len(zones), plural(len(zones)))
		if len(zones) > 0 {
			got += " (" + strings.Join(sortedKeys(zones), ", ") + ")"
		}
		got += fmt.Sprintf("; at least %d are required", min)
		if len(unresolved) > 0 {
			sort.Strings(unresolved)
			r.unverifiable(res, subnets.path, "its subnets "+got+", and "+strings.Join(unresolved, "; "))
			continue
		}
		r.violation(res, subnets.path, "the subnets "+got, fmt.Sprintf(fix, min))
	}
}
