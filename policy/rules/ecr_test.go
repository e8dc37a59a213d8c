package rules

import (
	"slices"
	"testing"
)

func TestECRRepository(t *testing.T) {
	repo := func(kv ...any) Resource { return res(typeECRRepository, "repo", with(map[string]any{}, kv...)) }
	scan := map[string]any{"scanOnPush": true}
	runRuleCases(t, PolicyECRImmutableScan, []ruleCase{
		{"immutable and scanned", repo("imageTagMutability", "IMMUTABLE", "imageScanningConfiguration", scan), nil, nil},
		{"mutable", repo("imageTagMutability", "MUTABLE", "imageScanningConfiguration", scan), nil, []string{"V imageTagMutability"}},
		{"defaults", repo(), nil, []string{"V imageScanningConfiguration.scanOnPush", "V imageTagMutability"}},
		{"unknown", repo("imageTagMutability", unknownValue, "imageScanningConfiguration", scan), nil, []string{"U imageTagMutability"}},
	})
}

func TestECRLifecycle(t *testing.T) {
	repo := res(typeECRRepository, "repo", map[string]any{"name": "webstack"})
	byName := res(typeECRLifecycle, "lc", map[string]any{"repository": "webstack", "policy": "{}"})
	byDep := res(typeECRLifecycle, "lc", map[string]any{"repository": unknownValue})
	byDep.PropertyDependencies = map[string][]string{"repository": {repo.URN}}
	rule := Lookup(PolicyECRLifecycle)
	for name, tc := range map[string]struct {
		stack []Resource
		want  []string
	}{
		"by name":         {[]Resource{repo, byName}, nil},
		"by dependency":   {[]Resource{repo.withProp("name", unknownValue), byDep}, nil},
		"none":            {[]Resource{repo}, []string{"V lifecycle"}},
		"other repo only": {[]Resource{repo, res(typeECRLifecycle, "lc", map[string]any{"repository": "other"})}, []string{"V lifecycle"}},
	} {
		t.Run(name, func(t *testing.T) {
			if got := summary(rule.CheckStack(tc.stack, DefaultConfig(), Mandatory)); !slices.Equal(got, tc.want) {
				t.Fatalf("findings = %q, want %q", got, tc.want)
			}
		})
	}
}
