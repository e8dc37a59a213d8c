package rules

import (
	"fmt"
	"math"
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

// subnetsFromDependencies maps dependency URNs to subnet resources. direct are subnets depended
// on themselves: the list holds them (how a first preview wires a subnet's id into it), so they
// count like ids. candidates are the private subnets of an awsx VPC depended on (its
// privateSubnetIds output depends on the component): the list names some of them, and which
// ones cannot be known during preview.
func (idx stackIndex) subnetsFromDependencies(urns []string) (direct, candidates []Resource) {
	for _, u := range urns {
		res, ok := idx.byURN[u]
		switch {
		case !ok:
		case res.Type == typeSubnet:
			direct = append(direct, res)
		case res.Type == typeAwsxVPC:
			for _, d := range idx.descendants(u) {
				if d.Type == typeSubnet && isPrivateSubnet(d) {
					candidates = append(candidates, d)
				}
			}
		}
	}
	return direct, candidates
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
// ids, through the property dependencies of depKey, and requires cfg's minimum of distinct AZs:
// a violation when the list can reach fewer, a pass when it certainly covers enough, and
// unverifiable in between. fix is a format with the minimum as its argument.
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
		sp := idx.span(res, subnets, depKey)
		switch {
		case sp.most < min:
			r.violation(res, subnets.path, sp.short(min), fmt.Sprintf(fix, min))
		case sp.least < min:
			sort.Strings(sp.why)
			r.unverifiable(res, subnets.path, sp.covered(min)+", and "+strings.Join(sp.why, "; "))
		}
	}
}

// subnetSpan bounds the distinct Availability Zones a subnet list covers: at least least, at
// most most (math.MaxInt when nothing bounds it).
type subnetSpan struct {
	least, most int
	// certain are the zones of subnets the list surely holds; reachable adds the zones of
	// candidates it may name.
	certain, reachable map[string]bool
	// entries is the list's length in distinct known ids plus unknown entries, unknowns its
	// unknown entries; entries is -1 when the list itself is unknown.
	entries, unknowns int
	// zoneBound is most before the length bound: the zones of the subnets the list can name.
	zoneBound int
	// why lists what keeps least below most.
	why []string
}

// span resolves one resource's subnet list. A subnet lies in one zone, so a list spans at most
// as many zones as it has entries, even when the entries are unknown.
func (idx stackIndex) span(res Resource, subnets node, depKey string) subnetSpan {
	sp := subnetSpan{certain: map[string]bool{}, reachable: map[string]bool{}, entries: -1}
	if subnets.st == present {
		known, unknowns := distinctCount(subnets)
		sp.entries, sp.unknowns = known+unknowns, unknowns
	}
	unplaced := 0 // subnets the list holds or may hold whose zone is not known: each may add one
	add := func(s Resource, certain bool) {
		az, ok := field(s.Props, "availabilityZone").str()
		if !ok {
			unplaced++
			sp.why = append(sp.why, fmt.Sprintf("the Availability Zone of subnet %q is unknown", s.Name))
			return
		}
		sp.reachable[az] = true
		if certain {
			sp.certain[az] = true
		}
	}
	seen := map[string]bool{}
	for _, e := range subnets.items() {
		id, _ := e.str()
		if e.st == unknown || seen[id] {
			continue
		}
		seen[id] = true
		if s, found := idx.subnetID[id]; found {
			add(s, true)
		} else {
			unplaced++
			sp.why = append(sp.why, fmt.Sprintf("subnet %s is not a subnet resource of this stack", e.show()))
		}
	}
	bounded, claimed := true, 0
	if subnets.st == unknown || sp.unknowns > 0 {
		direct, candidates := idx.subnetsFromDependencies(res.PropertyDependencies[depKey])
		for _, s := range direct {
			add(s, true)
		}
		for _, s := range candidates {
			add(s, false)
		}
		switch {
		case len(direct)+len(candidates) == 0:
			bounded = false
			sp.why = append(sp.why, "the unknown subnet ids depend on no subnet or awsx VPC of this stack")
		case len(candidates) > 0:
			claimed = sp.claim(candidates)
		}
	}
	sp.least = max(len(sp.certain), claimed)
	sp.zoneBound = math.MaxInt
	if bounded {
		sp.zoneBound = len(sp.reachable) + unplaced
	}
	sp.most = sp.zoneBound
	if sp.entries >= 0 {
		sp.most = min(sp.most, sp.entries)
	}
	return sp
}

// claim is how many zones the unknown entries certainly cover when they name some of the
// candidate subnets of an awsx VPC. Which candidates they name is unknown until update, when the
// ids decide exactly; only one layout lets a preview decide: awsx's one private subnet per zone.
// When every candidate zone holds exactly one candidate and the list has no more unknown entries
// than candidates, distinct entries are distinct subnets and so distinct zones. (A list repeating
// one id cannot be told apart during preview; the update's ids catch it.) Otherwise two entries
// may share a zone, and the preview cannot tell.
func (sp *subnetSpan) claim(candidates []Resource) int {
	perZone := map[string]int{}
	names := make([]string, len(candidates))
	for i, c := range candidates {
		az, ok := field(c.Props, "availabilityZone").str()
		if ok {
			perZone[az]++
		} else {
			az = "zone unknown"
		}
		names[i] = fmt.Sprintf("%s (%s)", c.Name, az)
	}
	which := "which of the awsx VPC's private subnets " + strings.Join(names, ", ")
	switch {
	case sp.entries < 0:
		sp.why = append(sp.why, "the subnet list is unknown during preview, so how many and "+which+" it names cannot be known")
	case len(perZone) != len(candidates):
		sp.why = append(sp.why, fmt.Sprintf("%s its %d unknown entr%s name cannot be known during preview, and some of them share an Availability Zone",
			which, sp.unknowns, pluralY(sp.unknowns)))
	case sp.unknowns > len(candidates):
		sp.why = append(sp.why, fmt.Sprintf("its %d unknown entries outnumber the awsx VPC's private subnets %s", sp.unknowns, strings.Join(names, ", ")))
	default:
		sp.why = append(sp.why, fmt.Sprintf("its %d unknown entr%s may repeat the Availability Zones of its other subnets", sp.unknowns, pluralY(sp.unknowns)))
		return sp.unknowns
	}
	return 0
}

// short says why the list cannot reach min zones: too few entries, or too few zones among the
// subnets it can name.
func (sp subnetSpan) short(min int) string {
	if sp.entries >= 0 && sp.entries <= sp.zoneBound {
		unknown := ""
		if sp.unknowns > 0 {
			unknown = fmt.Sprintf(" (%d unknown during preview)", sp.unknowns)
		}
		return fmt.Sprintf("lists %d subnet%s%s, so it spans at most %d Availability Zone%s; at least %d are required",
			sp.entries, plural(sp.entries), unknown, sp.entries, plural(sp.entries), min)
	}
	bound := ""
	if sp.least < sp.most {
		bound = "at most "
	}
	return fmt.Sprintf("the subnets resolve to %s%d Availability Zone%s%s; at least %d are required",
		bound, sp.most, plural(sp.most), zoneList(sp.reachable), min)
}

// covered says what the list certainly covers.
func (sp subnetSpan) covered(min int) string {
	zones := ""
	if len(sp.certain) == sp.least {
		zones = zoneList(sp.certain)
	}
	return fmt.Sprintf("its subnets resolve to %d Availability Zone%s%s for certain; at least %d are required",
		sp.least, plural(sp.least), zones, min)
}

func zoneList(zones map[string]bool) string {
	if len(zones) == 0 {
		return ""
	}
	return " (" + strings.Join(sortedKeys(zones), ", ") + ")"
}

func pluralY(n int) string {
	if n == 1 {
		return "y"
	}
	return "ies"
}
