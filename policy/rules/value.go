package rules

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// This file is the one layer every rule reads properties through. It exists because policyx hands
// rules raw property values: during preview any of them may be computed (unknown), and calling a
// typed accessor on a computed value panics inside the analyzer's gRPC handler. Secrets arrive
// unwrapped-but-flagged; rules must still check them, and must never echo them.

// state says whether a looked-up value can be judged.
type state int

const (
	present state = iota // a known, non-null value
	absent               // missing or null: the provider default applies
	unknown              // computed during preview (or below a computed value)
)

// node is one property value as a rule sees it: where it is (for messages), whether it or
// anything above it is secret (so it is never echoed), and whether it is known.
type node struct {
	v      property.Value
	path   string
	secret bool
	st     state
}

func wrap(v property.Value, path string, inheritedSecret bool) node {
	n := node{v: v, path: path, secret: inheritedSecret || v.Secret()}
	switch {
	case v.IsComputed():
		n.st = unknown
	case v.IsNull():
		n.st = absent
	}
	return n
}

// field is the entry point for a resource's top-level property.
func field(props property.Map, key string) node {
	return wrap(props.Get(key), key, false)
}

// get descends into a map. Unknown and absent propagate; a value of the wrong shape counts as
// absent (the provider rejects it anyway, and the rule then reports the missing setting).
func (n node) get(key string) node {
	p := key
	if n.path != "" {
		p = n.path + "." + key
	}
	if n.st != present || !n.v.IsMap() {
		st := n.st
		if st == present {
			st = absent
		}
		return node{path: p, secret: n.secret, st: st}
	}
	return wrap(n.v.AsMap().Get(key), p, n.secret)
}

// items are the elements of a known array (nil for anything else); each element may still be unknown.
func (n node) items() []node {
	if n.st != present || !n.v.IsArray() {
		return nil
	}
	out := make([]node, 0, n.v.AsArray().Len())
	for i, e := range n.v.AsArray().All {
		out = append(out, wrap(e, fmt.Sprintf("%s[%d]", n.path, i), n.secret))
	}
	return out
}

// entries are the keys and values of a known map, in key order.
func (n node) entries() ([]string, []node) {
	if n.st != present || !n.v.IsMap() {
		return nil, nil
	}
	var keys []string
	var vals []node
	for k, e := range n.v.AsMap().AllStable {
		keys = append(keys, k)
		vals = append(vals, wrap(e, n.path+"."+k, n.secret))
	}
	return keys, vals
}

func (n node) isArray() bool { return n.st == present && n.v.IsArray() }
func (n node) isMap() bool   { return n.st == present && n.v.IsMap() }

// str returns a known string value; ok is false for anything else.
func (n node) str() (string, bool) {
	if n.st != present || !n.v.IsString() {
		return "", false
	}
	return n.v.AsString(), true
}

// is compares a known string case-insensitively: yes/no/unknown.
func (n node) is(want string) verdict {
	if n.st == unknown {
		return undecided
	}
	s, ok := n.str()
	if ok && strings.EqualFold(strings.TrimSpace(s), want) {
		return yes
	}
	return no
}

// isTrue reports whether the value is a known boolean true.
func (n node) isTrue() verdict {
	switch {
	case n.st == unknown:
		return undecided
	case n.st == present && n.v.IsBool() && n.v.AsBool():
		return yes
	}
	return no
}

// flag is isTrue for fields the provider types as strings "true"/"false" (launch template
// settings); a boolean is accepted too, so both spellings of one setting are judged alike.
func (n node) flag() verdict {
	if v := n.isTrue(); v != no {
		return v
	}
	return n.is("true")
}

// number returns a known number; ok is false for anything else.
func (n node) number() (float64, bool) {
	if n.st != present || !n.v.IsNumber() {
		return 0, false
	}
	return n.v.AsNumber(), true
}

// show renders a value for a message: quoted when it may be echoed, never when it is secret.
func (n node) show() string {
	if n.secret {
		return "(secret value, not shown)"
	}
	switch {
	case n.st == unknown:
		return "(unknown)"
	case n.st == absent:
		return "(unset)"
	case n.v.IsString():
		return fmt.Sprintf("%q", n.v.AsString())
	case n.v.IsNumber():
		return fmt.Sprintf("%g", n.v.AsNumber())
	case n.v.IsBool():
		return fmt.Sprintf("%t", n.v.AsBool())
	}
	return "(a " + kind(n.v) + ")"
}

func kind(v property.Value) string {
	switch {
	case v.IsMap():
		return "map"
	case v.IsArray():
		return "list"
	case v.IsResourceReference():
		return "resource reference"
	case v.IsAsset(), v.IsArchive():
		return "asset"
	}
	return "value"
}

// verdict is a three-valued answer: a rule that cannot decide says so instead of guessing.
type verdict int

const (
	no verdict = iota
	yes
	undecided
)

// distinctCount counts the distinct known strings of a list and its unknown elements. The list
// has at least known distinct values and at most known+unknown.
func distinctCount(n node) (known, unknownElems int) {
	seen := map[string]bool{}
	for _, e := range n.items() {
		if e.st == unknown {
			unknownElems++
			continue
		}
		if s, ok := e.str(); ok && !seen[s] {
			seen[s] = true
		}
	}
	return len(seen), unknownElems
}
