package awsmodel

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
)

// PolicyDocumentsEquivalent is the provider's diff-suppress for IAM-style JSON policy documents
// (Terraform AWS provider internal/verify/diff.go SuppressEquivalentPolicyDiffs, which calls
// github.com/hashicorp/awspolicyequivalence PoliciesAreEquivalent), on assumeRolePolicy, role
// policies, bucket and key policies. Modelled: statement order does not matter; a single
// statement object equals a one-element list; a string equals a one-element list in Action,
// NotAction, Resource, NotResource, principal values and condition values, and their order does
// not matter; a Principal "*" equals {"AWS": "*"}; an empty Sid equals none. Anything else must be
// equal as JSON.
func PolicyDocumentsEquivalent(a, b string) bool {
	na, okA := normalisePolicy(a)
	nb, okB := normalisePolicy(b)
	if !okA || !okB {
		return a == b
	}
	return reflect.DeepEqual(na, nb)
}

// JSONEquivalent: the same JSON value whatever the whitespace and key order (the provider's
// SuppressEquivalentJSONDiffs, internal/verify/diff.go, used for e.g. a dashboard body or an
// ECR lifecycle policy).
func JSONEquivalent(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return a == b
	}
	return reflect.DeepEqual(va, vb)
}

func normalisePolicy(doc string) (map[string]any, bool) {
	var p map[string]any
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, false
	}
	var statements []any
	switch s := p["Statement"].(type) {
	case []any:
		statements = s
	case map[string]any:
		statements = []any{s}
	}
	var keys []string
	for _, st := range statements {
		m, ok := st.(map[string]any)
		if !ok {
			return nil, false
		}
		n := map[string]any{}
		for k, v := range m {
			switch k {
			case "Action", "NotAction", "Resource", "NotResource":
				n[k] = stringSet(v)
			case "Principal", "NotPrincipal":
				if s, ok := v.(string); ok && s == "*" {
					v = map[string]any{"AWS": "*"}
				}
				if pm, ok := v.(map[string]any); ok {
					out := map[string]any{}
					for pk, pv := range pm {
						out[pk] = stringSet(pv)
					}
					v = out
				}
				n[k] = v
			case "Condition":
				if cm, ok := v.(map[string]any); ok {
					out := map[string]any{}
					for op, kv := range cm {
						inner, ok := kv.(map[string]any)
						if !ok {
							out[op] = kv
							continue
						}
						o := map[string]any{}
						for ck, cv := range inner {
							o[ck] = stringSet(cv)
						}
						out[op] = o
					}
					v = out
				}
				n[k] = v
			case "Sid":
				if s, _ := v.(string); s != "" {
					n[k] = s
				}
			default:
				n[k] = v
			}
		}
		text, _ := json.Marshal(n)
		keys = append(keys, string(text))
	}
	sort.Strings(keys)
	out := map[string]any{"Statement": keys}
	for k, v := range p {
		if k != "Statement" {
			out[k] = v
		}
	}
	return out, true
}

// stringSet turns a string or a list of strings into a sorted, de-duplicated list; any other
// value is kept as it is.
func stringSet(v any) any {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return v
			}
			out = append(out, s)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return v
}
