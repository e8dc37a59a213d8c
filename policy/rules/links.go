package rules

import "slices"

// links says whether res's property key names one of urns/ids: through the property dependency
// (how a first preview wires an unknown id) or by a known id. An unknown value whose dependencies
// are all other resources comes from them, so it is no; with no dependency recorded it is
// undecided.
func links(res Resource, key string, urns, ids []string) verdict {
	deps := res.PropertyDependencies[key]
	for _, u := range deps {
		if slices.Contains(urns, u) {
			return yes
		}
	}
	n := field(res.Props, key)
	if s, ok := n.str(); ok && slices.Contains(ids, s) {
		return yes
	}
	if n.st == unknown && len(deps) == 0 {
		return undecided
	}
	return no
}

// covered looks for a resource of type typ whose key names the target and that satisfies ok:
// yes when one certainly does, undecided when one may, no when none can.
func covered(stack []Resource, typ, key string, urns, ids []string, ok func(Resource) verdict) verdict {
	result := no
	for _, res := range stack {
		if res.Type != typ {
			continue
		}
		l := links(res, key, urns, ids)
		if l == no {
			continue
		}
		v := ok(res)
		if l == yes && v == yes {
			return yes
		}
		if v != no {
			result = undecided
		}
	}
	return result
}
