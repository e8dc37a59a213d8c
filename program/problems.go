package program

import (
	"fmt"
	"strings"

	"example.com/webstack/components"
)

// The problems of a stack config, each under its webstack: key, and the error that lists them.

// Problem is one invalid config value: which key, what is wrong, how to fix it.
type Problem struct {
	Key     string
	Message string
	Fix     string
}

// FullKey is the key as the stack file spells it: "webstack:cpu", or "aws:region" for a key of
// another namespace.
func (p Problem) FullKey() string {
	if strings.Contains(p.Key, ":") {
		return p.Key
	}
	return Project + ":" + p.Key
}

// Problems collects every problem found, in key order of discovery.
type Problems []Problem

// check adds a component's SettingError (nil: no problem) under key.
func (ps *Problems) check(key string, err *components.SettingError) {
	if err != nil {
		ps.add(key, err.Problem, err.Fix)
	}
}

// checkAll adds each of a component check's problems under key.
func (ps *Problems) checkAll(key string, errs []*components.SettingError) {
	for _, err := range errs {
		ps.check(key, err)
	}
}

func (ps *Problems) add(key, message, fix string) {
	*ps = append(*ps, Problem{Key: key, Message: message, Fix: fix})
}

// ConfigError is the one error Load returns for an invalid stack config.
type ConfigError struct{ Problems Problems }

func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid stack config (%d problem(s)); nothing was created:", len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  - %s: %s; fix: %s", p.FullKey(), p.Message, p.Fix)
	}
	return b.String()
}
