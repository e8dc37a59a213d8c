package rules

import (
	"fmt"
	"strings"
)

// naclEntries are a NACL resource's ingress entries, in a common shape.
type naclEntry struct {
	at                         string
	action, protocol, from, to node
	cidrs                      []node
}

func naclIngress(res Resource) ([]naclEntry, node) {
	p := func(k string) node { return field(res.Props, k) }
	switch res.Type {
	case typeNetworkACLRule:
		if p("egress").isTrue() == yes {
			return nil, node{}
		}
		return []naclEntry{{"", p("ruleAction"), p("protocol"), p("fromPort"), p("toPort"), []node{p("cidrBlock"), p("ipv6CidrBlock")}}}, node{}
	default:
		in := p("ingress")
		var out []naclEntry
		for _, e := range in.items() {
			out = append(out, naclEntry{e.path, e.get("action"), e.get("protocol"), e.get("fromPort"), e.get("toPort"), []node{e.get("cidrBlock"), e.get("ipv6CidrBlock")}})
		}
		return out, in
	}
}

// naclProtocol classifies an entry's protocol: all ports (-1/all), ported (TCP or UDP, by name or
// number), or other (ICMP and the rest, which have no ports).
func naclProtocol(n node) (allPorts, ported bool, known bool) {
	if v, ok := n.number(); ok {
		return v == -1, v == 6 || v == 17, true
	}
	s, ok := n.str()
	if !ok {
		return false, false, n.st != unknown
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "-1", "all":
		return true, false, true
	case "tcp", "6", "udp", "17":
		return false, true, true
	}
	return false, false, true
}

var adminPorts = []float64{22, 3389}

func checkNACLAdminPorts(r *report, res Resource, _ Config) {
	entries, list := naclIngress(res)
	if list.st == unknown {
		r.needs(res, list)
		return
	}
	for _, e := range entries {
		where := nonEmpty(e.at, "ingress")
		open := worldOpen(e.cidrs)
		allow := e.action.is("allow")
		if open == no || allow == no {
			continue
		}
		allPorts, ported, known := naclProtocol(e.protocol)
		if known && !allPorts && !ported {
			continue
		}
		from, okFrom := e.from.number()
		to, okTo := e.to.number()
		covers := allPorts
		if ported && okFrom && okTo {
			for _, p := range adminPorts {
				covers = covers || (from <= p && p <= to)
			}
		}
		portsKnown := allPorts || (ported && okFrom && okTo)
		switch {
		case covers && open == yes && allow == yes:
			r.violation(res, where, fmt.Sprintf("allows protocol %s ports %s-%s from the whole internet, which includes SSH (22) or RDP (3389)",
				e.protocol.show(), e.from.show(), e.to.show()),
				"allow only the ports the subnet serves; split port ranges around 22 and 3389 (e.g. 1024-3388 and 3390-65535)")
		case covers || !known || !portsKnown:
			r.unverifiable(res, where, "its action, source, protocol or ports are unknown and it may admit 22 or 3389 from the internet")
		}
	}
}

func checkNACLAttached(r *report, stack []Resource, _ Config) {
	for _, acl := range stack {
		if acl.Type != typeNetworkACL {
			continue
		}
		subnets := field(acl.Props, "subnetIds")
		if subnets.isArray() && len(subnets.items()) > 0 {
			continue
		}
		id, _ := field(acl.Props, "id").str()
		var ids []string
		if id != "" {
			ids = []string{id}
		}
		assoc := covered(stack, typeNetworkACLAssociation, "networkAclId", []string{acl.URN}, ids, func(Resource) verdict { return yes })
		switch {
		case assoc == yes:
		case subnets.st == unknown || assoc == undecided:
			r.unverifiable(acl, "subnetIds", "the subnets it is attached to are unknown")
		default:
			r.violation(acl, "subnetIds", "the network ACL is attached to no subnet, so it filters nothing",
				"attach it to the subnets it was made for (subnetIds), or delete it")
		}
	}
}
