package rules

import (
	"fmt"
	"slices"
	"strings"
)

// ingressRule is one ingress permission, whatever resource type carries it.
type ingressRule struct {
	at                 string
	protocol, from, to node
	cidrs              []node // IPv4 and IPv6 CIDR lists or single CIDRs
}

func ingressRules(res Resource) []ingressRule {
	p := func(k string) node { return field(res.Props, k) }
	switch res.Type {
	case typeSecurityGroup:
		var out []ingressRule
		for _, e := range p("ingress").items() {
			out = append(out, ingressRule{e.path, e.get("protocol"), e.get("fromPort"), e.get("toPort"), []node{e.get("cidrBlocks"), e.get("ipv6CidrBlocks")}})
		}
		if in := p("ingress"); in.st == unknown {
			out = append(out, ingressRule{at: in.path, protocol: in, from: in, to: in, cidrs: []node{in}})
		}
		return out
	case typeSGRule:
		if p("type").is("ingress") == no {
			return nil
		}
		return []ingressRule{{"", p("protocol"), p("fromPort"), p("toPort"), []node{p("cidrBlocks"), p("ipv6CidrBlocks")}}}
	case typeSGIngressRule:
		return []ingressRule{{"", p("ipProtocol"), p("fromPort"), p("toPort"), []node{p("cidrIpv4"), p("cidrIpv6")}}}
	}
	return nil
}

// webPort: exactly TCP 80 or TCP 443, what a load balancer listener needs.
func (in ingressRule) webPort() bool {
	proto, _ := in.protocol.str()
	from, okFrom := in.from.number()
	to, okTo := in.to.number()
	return (strings.EqualFold(proto, "tcp") || proto == "6") && okFrom && okTo && from == to && (from == 80 || from == 443)
}

// worldOpen: some CIDR is 0.0.0.0/0 or ::/0 (yes), none can be (no), or one is unknown.
func worldOpen(cidrs []node) verdict {
	open, unsure := false, false
	var visit func(n node)
	visit = func(n node) {
		switch {
		case n.st == unknown:
			unsure = true
		case n.isArray():
			for _, e := range n.items() {
				visit(e)
			}
		default:
			if s, ok := n.str(); ok && (strings.TrimSpace(s) == "0.0.0.0/0" || strings.TrimSpace(s) == "::/0") {
				open = true
			}
		}
	}
	for _, c := range cidrs {
		visit(c)
	}
	switch {
	case open:
		return yes
	case unsure:
		return undecided
	}
	return no
}

func checkNoPublicIngress(r *report, res Resource, _ Config) {
	for _, in := range ingressRules(res) {
		open := worldOpen(in.cidrs)
		if open == no {
			continue
		}
		webPort := in.webPort()
		where := nonEmpty(in.at, "ingress")
		switch {
		case webPort:
		case in.protocol.st == unknown || in.from.st == unknown || in.to.st == unknown:
			r.unverifiable(res, where, "its protocol or ports are unknown and it may be open to the internet")
		case open == undecided:
			r.unverifiable(res, where, "a CIDR is unknown and this rule is not limited to TCP "+publicIngressPorts)
		default:
			r.violation(res, where, fmt.Sprintf("allows %s from the whole internet (protocol %s, ports %s-%s); only TCP %s to the load balancer may be public",
				"traffic", in.protocol.show(), in.from.show(), in.to.show(), publicIngressPorts),
				"restrict the source to known CIDRs or a security group, or limit it to the load balancer on TCP 80/443")
		}
	}
}

// checkPublicIngressOnLB completes sg-no-public-ingress, which cannot see from one resource whose
// security group an 80/443 rule opens: that group must be one a load balancer uses.
func checkPublicIngressOnLB(r *report, stack []Resource, _ Config) {
	idx := indexStack(stack)
	lbGroupIDs, lbGroupURNs := map[string]bool{}, map[string]bool{}
	for _, lb := range stack {
		if !slices.Contains(lbTypes, lb.Type) {
			continue
		}
		for _, g := range field(lb.Props, "securityGroups").items() {
			if id, ok := g.str(); ok {
				lbGroupIDs[id] = true
			}
		}
		for _, u := range lb.PropertyDependencies["securityGroups"] {
			lbGroupURNs[u] = true
		}
	}
	groupByID := map[string]Resource{}
	for _, g := range stack {
		if id, ok := field(g.Props, "id").str(); ok && g.Type == typeSecurityGroup {
			groupByID[id] = g
		}
	}
	for _, res := range stack {
		for _, in := range ingressRules(res) {
			if worldOpen(in.cidrs) != yes || !in.webPort() {
				continue
			}
			// The group: the resource itself for inline rules, else its securityGroupId, known
			// by id or, during a first preview, through the property dependency.
			group, groupURN := field(res.Props, "id"), res.URN
			if res.Type != typeSecurityGroup {
				group, groupURN = field(res.Props, "securityGroupId"), ""
				if deps := res.PropertyDependencies["securityGroupId"]; len(deps) > 0 {
					groupURN = deps[0]
				}
			}
			id, idKnown := group.str()
			g, inStack := idx.byURN[groupURN]
			if !inStack && idKnown {
				g, inStack = groupByID[id]
			}
			switch {
			case (idKnown && lbGroupIDs[id]) || (inStack && lbGroupURNs[g.URN]):
			case !inStack:
				r.unverifiable(res, nonEmpty(in.at, "securityGroupId"), "security group "+group.show()+" is not a resource of this stack")
			default:
				r.violation(res, nonEmpty(in.at, "ingress"), fmt.Sprintf("admits the internet on TCP %s to security group %q, which no load balancer of this stack uses", in.from.show(), g.Name),
					"open 80/443 to the internet only on the load balancer's security group, and reach the tasks from that group")
			}
		}
	}
}
