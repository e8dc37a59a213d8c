package rules

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"example.com/webstack/offline"
)

func TestParsePackConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct{ json, want string }{
		"not JSON":            {`[1]`, "not a JSON object"},
		"unknown policy":      {`{"ecs-container-not-rot": "mandatory"}`, `unknown policy "ecs-container-not-rot"`},
		"bad level":           {`{"lb-access-logs": "required"}`, `must be advisory, mandatory or disabled`},
		"bad level type":      {`{"lb-access-logs": {"enforcementLevel": 1}}`, `enforcementLevel must be a string`},
		"bad value":           {`{"lb-access-logs": 3}`, `expected a level string or an object`},
		"AZ too small":        {`{"ecs-service-multi-az": {"minimumAvailabilityZones": 1}}`, `whole number from 2 to 6`},
		"AZ fraction":         {`{"ecs-service-multi-az": {"minimumAvailabilityZones": 2.5}}`, `whole number from 2 to 6`},
		"param elsewhere":     {`{"lb-access-logs": {"minimumAvailabilityZones": 3}}`, `does not apply to this policy`},
		"unknown param":       {`{"lb-tls-policy": {"allowedSslPolicy": ["x"]}}`, `unknown policy config key "allowedSslPolicy"`},
		"empty TLS list":      {`{"lb-tls-policy": {"allowedSslPolicies": []}}`, `non-empty list`},
		"mandatory all":       {`{"all": "mandatory"}`, `must not be mandatory`},
		"mandatory collector": {`{"preview-unverified-stack-checks": "mandatory"}`, `must not be mandatory`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParsePackConfig([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// The stack config files name every policy explicitly, so each stack's enforcement is readable
// in one place, and hold the levels docs/policies.md promises.
func TestStackConfigFiles(t *testing.T) {
	all := append(Names(), PolicyUnverifiedResources, PolicyUnverifiedStack)
	advisoryEverywhere := []string{PolicyContainerGroupNotRoot, PolicyCapacityProviderTermination, PolicyUnverifiedResources, PolicyUnverifiedStack}
	// A throwaway stack (plain HTTP allowed, as dev): advisory where dev fails on purpose
	// (policy/suppressions.yaml), and ELB.16's WAF rule; any other stack is held like prod.
	devAdvisory := []string{PolicyHTTPRedirectsToHTTPS, PolicyDeletionProtection, PolicyAccessLogs, PolicyWAFAssociation,
		PolicyListenersHTTPSOnly, PolicyVPCEndpoints, PolicyS3AccessLogging}
	root := filepath.Join("..", "..")
	for _, stack := range offline.Stacks(root) {
		throwaway := stackValue(t, root, stack, "allowInsecureHttp") == true
		pc, err := LoadPackConfig(filepath.Join("..", "config", stack+".json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range all {
			s, ok := pc[name]
			if !ok {
				t.Errorf("%s.json does not name policy %q", stack, name)
				continue
			}
			want := Mandatory
			if slices.Contains(advisoryEverywhere, name) || (throwaway && slices.Contains(devAdvisory, name)) {
				want = Advisory
			}
			if s.Level != want {
				t.Errorf("%s.json: %s is %q, want %q", stack, name, s.Level, want)
			}
		}
		wantAZs := stackValue(t, root, stack, "availabilityZones")
		for _, rule := range All() {
			readsAZs := slices.Contains(rule.Params, paramMinAZs)
			if rule.ParamsFrom != "" {
				readsAZs = slices.Contains(Lookup(rule.ParamsFrom).Params, paramMinAZs)
			}
			if _, cfg := pc.For(rule); readsAZs {
				if cfg.MinimumAvailabilityZones != wantAZs.(int) {
					t.Errorf("%s.json: %s runs with %d AZs, want %d", stack, rule.Name, cfg.MinimumAvailabilityZones, wantAZs)
				}
			}
		}
	}
}

// stackValue is the stack's webstack:<key>, or the project's default.
func stackValue(t *testing.T, root, stack, key string) any {
	t.Helper()
	var project struct {
		Config map[string]struct{ Default any }
	}
	var stackFile struct{ Config map[string]any }
	for file, v := range map[string]any{"Pulumi.yaml": &project, "Pulumi." + stack + ".yaml": &stackFile} {
		b, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if v, ok := stackFile.Config["webstack:"+key]; ok {
		return v
	}
	return project.Config["webstack:"+key].Default
}

func TestEveryRuleIsDescribedAndLeveled(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range All() {
		if seen[r.Name] || r.Description == "" || (r.Level != Mandatory && r.Level != Advisory) {
			t.Errorf("rule %q: duplicate, undescribed or without an explicit level", r.Name)
		}
		seen[r.Name] = true
		if r.IsStack() == (len(r.Types) > 0) {
			t.Errorf("rule %q: stack rules have no types, resource rules need them", r.Name)
		}
		for _, p := range r.Params {
			if ParamSchemas[p] == nil {
				t.Errorf("rule %q: parameter %q has no schema", r.Name, p)
			}
		}
	}
}

func TestAnalyzeUnderPackConfig(t *testing.T) {
	pc, err := ParsePackConfig([]byte(`{
		"ecs-container-not-root": "mandatory",
		"ecs-read-only-root-fs": "advisory",
		"ecs-container-logging": "disabled",
		"ecs-service-multi-az": {"minimumAvailabilityZones": 3}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	td := res(typeTaskDefinition, "td", map[string]any{fieldContainerDefs: `[{"name":"web","user":"root"}]`})
	got := map[string]Level{}
	for _, f := range AnalyzeResource(td, pc) {
		got[f.Policy] = f.Level
	}
	want := map[string]Level{PolicyContainerNotRoot: Mandatory, PolicyReadOnlyRootFS: Advisory}
	if len(got) != len(want) || got[PolicyContainerNotRoot] != Mandatory || got[PolicyReadOnlyRootFS] != Advisory {
		t.Fatalf("levels = %v, want %v (logging disabled, not run)", got, want)
	}
	// The stack rule reads minimumAvailabilityZones from ecs-service-multi-az's entry.
	stack := append(awsxVPCStack("net", []string{"us-east-1a", "us-east-1b"}, false), serviceOn(unknownValue, awsxVPCStack("net", nil, false)[0].URN))
	fs := multiAZOnly(AnalyzeStack(stack, pc))
	if s := summary(fs); len(fs) != 1 || fs[0].Policy != PolicyServiceSubnetsSpanAZs || !slices.Equal(s, []string{"V networkConfiguration.subnets"}) {
		t.Fatalf("stack findings = %+v", fs)
	}
}
