package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Config holds the rule parameters a policy config may set.
type Config struct {
	// MinimumAvailabilityZones: subnets, tasks, scaling minimum and AZs a service must span.
	MinimumAvailabilityZones int
	// AllowedSSLPolicies: ELB security policies an HTTPS/TLS listener may use.
	AllowedSSLPolicies []string
	// Suppress lists "<control>:<resource name>" pairs whose violations are reported as advisory;
	// each is documented in policy/suppressions.yaml.
	Suppress []string
}

// suppresses reports whether the config exempts control's violation on the named resource.
func (c Config) suppresses(control, resource string) bool {
	return control != "" && slices.Contains(c.Suppress, control+":"+resource)
}

// DefaultConfig is what every rule uses for a parameter its policy config leaves out.
func DefaultConfig() Config {
	return Config{
		MinimumAvailabilityZones: 2,
		// Security Hub ELB.17's sslPolicies parameter as of the current ELB controls page
		// (docs/fsbp.md): it no longer lists ELBSecurityPolicy-TLS13-1-2-2021-06, nor the
		// non-"Res" TLS 1.2 FIPS policy.
		AllowedSSLPolicies: []string{
			"ELBSecurityPolicy-TLS13-1-3-2021-06",
			"ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
			"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
			"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
			"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
		},
	}
}

const (
	paramMinAZs      = "minimumAvailabilityZones"
	paramSSLPolicies = "allowedSslPolicies"
	paramSuppress    = "suppress"
)

// suppressPattern is the form of a suppress entry: a control id, a colon, a resource name.
var suppressPattern = regexp.MustCompile(`^[A-Za-z0-9]+\.[0-9]+:[^:\s]+$`)

// ParamSchemas are the JSON schemas of the parameters, by key; the pack sends a rule's subset
// to the engine, which validates --policy-pack-config against it.
var ParamSchemas = map[string]map[string]any{
	paramMinAZs: {
		"type": "integer", "minimum": 2, "maximum": 6, "default": 2,
		"description": "Availability Zones each ECS service must span (and so the minimum subnets, tasks and scaling minimum).",
	},
	paramSSLPolicies: {
		"type": "array", "items": map[string]any{"type": "string"}, "minItems": 1,
		"description": "ELB security policies an HTTPS or TLS listener may use.",
	},
	paramSuppress: {
		"type": "array", "items": map[string]any{"type": "string"},
		"description": "<control>:<resource name> pairs reported as advisory; each is documented in policy/suppressions.yaml.",
	},
}

// ParseParams reads a policy's config properties (as the engine sends them) over DefaultConfig.
// The error says which key is wrong and what it must be.
func ParseParams(props map[string]any) (Config, error) {
	cfg := DefaultConfig()
	for _, k := range sortedKeys(props) {
		v := props[k]
		switch k {
		case "enforcementLevel":
			// The level travels in the same object in config files; it is not a parameter.
		case paramMinAZs:
			f, ok := v.(float64)
			if !ok || f != math.Trunc(f) || f < 2 || f > 6 {
				return cfg, fmt.Errorf("policy config %q must be a whole number from 2 to 6, got %v", k, v)
			}
			cfg.MinimumAvailabilityZones = int(f)
		case paramSSLPolicies:
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				return cfg, fmt.Errorf("policy config %q must be a non-empty list of ELB security policy names, got %v", k, v)
			}
			cfg.AllowedSSLPolicies = make([]string, 0, len(list))
			for _, e := range list {
				s, ok := e.(string)
				if !ok || s == "" {
					return cfg, fmt.Errorf("policy config %q must list policy names as strings, got %v", k, e)
				}
				cfg.AllowedSSLPolicies = append(cfg.AllowedSSLPolicies, s)
			}
		case paramSuppress:
			list, ok := v.([]any)
			if !ok {
				return cfg, fmt.Errorf("policy config %q must be a list of strings, got %v", k, v)
			}
			cfg.Suppress = make([]string, 0, len(list))
			for _, e := range list {
				s, ok := e.(string)
				if !ok || !suppressPattern.MatchString(s) {
					return cfg, fmt.Errorf("policy config %q: %v is not \"<control>:<resource name>\", such as \"ELB.18:web-lb-http\"", k, e)
				}
				cfg.Suppress = append(cfg.Suppress, s)
			}
		default:
			return cfg, fmt.Errorf("unknown policy config key %q; known keys are %s", k, quoteAll(sortedKeys(ParamSchemas)))
		}
	}
	return cfg, nil
}

// The pack's two advisory policies that report unverifiable findings (see policy/main.go). They
// are not rules, but a pack config may name them; they must never block.
const (
	PolicyUnverifiedResources = "preview-unverified-resource-checks"
	PolicyUnverifiedStack     = "preview-unverified-stack-checks"
)

// PackConfig is a parsed --policy-pack-config file: per policy name (or "all"), a level and
// parameters.
type PackConfig map[string]PolicySetting

// PolicySetting is one policy's entry in a pack config file.
type PolicySetting struct {
	Level  Level
	Params map[string]any
}

// For returns the level and parameters a rule runs with: its own entry, else "all", else its
// default level; parameters default to DefaultConfig. ParsePackConfig has validated them.
func (pc PackConfig) For(rule *Rule) (Level, Config) {
	level := rule.Level
	if s, ok := pc["all"]; ok && s.Level != "" {
		level = s.Level
	}
	s, ok := pc[rule.Name]
	if ok && s.Level != "" {
		level = s.Level
	}
	params := s.Params
	if rule.ParamsFrom != "" {
		params = pc[rule.ParamsFrom].Params
	}
	cfg, _ := ParseParams(params)
	return level, cfg
}

// LoadPackConfig reads a --policy-pack-config file.
func LoadPackConfig(path string) (PackConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pc, err := ParsePackConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pc, nil
}

// ParsePackConfig parses the --policy-pack-config format: each key is a policy name or "all";
// each value is a level string or an object with "enforcementLevel" and parameters. Unknown
// policy names, levels and parameters are errors, so a typo cannot silently weaken a stack.
func ParsePackConfig(data []byte) (PackConfig, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("policy pack config is not a JSON object: %w", err)
	}
	pc := PackConfig{}
	for _, name := range sortedKeys(raw) {
		rule := Lookup(name)
		collector := name == PolicyUnverifiedResources || name == PolicyUnverifiedStack
		if rule == nil && !collector && name != "all" {
			return nil, fmt.Errorf("unknown policy %q in policy pack config; policies are %s, %s, %s",
				name, strings.Join(Names(), ", "), PolicyUnverifiedResources, PolicyUnverifiedStack)
		}
		var s PolicySetting
		switch v := raw[name].(type) {
		case string:
			s.Level = Level(v)
		case map[string]any:
			if l, ok := v["enforcementLevel"]; ok {
				ls, _ := l.(string)
				s.Level = Level(ls)
				if ls == "" {
					return nil, fmt.Errorf("policy %q: enforcementLevel must be a string", name)
				}
			}
			s.Params = v
		default:
			return nil, fmt.Errorf("policy %q: expected a level string or an object, got %v", name, v)
		}
		if s.Level != "" && !slices.Contains([]Level{Advisory, Mandatory, Disabled}, s.Level) {
			return nil, fmt.Errorf("policy %q: enforcement level %q must be advisory, mandatory or disabled", name, s.Level)
		}
		if (collector || name == "all") && s.Level == Mandatory {
			return nil, fmt.Errorf("policy %q must not be mandatory: it would block a preview on values that are merely unknown; "+
				"set levels per policy name instead", name)
		}
		if err := checkParams(rule, s.Params); err != nil {
			return nil, fmt.Errorf("policy %q: %w", name, err)
		}
		pc[name] = s
	}
	return pc, nil
}

func checkParams(rule *Rule, params map[string]any) error {
	if _, err := ParseParams(params); err != nil {
		return err
	}
	for k := range params {
		if k != "enforcementLevel" && (rule == nil || !slices.Contains(rule.Params, k)) {
			return fmt.Errorf("parameter %q does not apply to this policy", k)
		}
	}
	return nil
}

// Names lists every policy name, in pack order.
func Names() []string {
	var out []string
	for _, r := range All() {
		out = append(out, r.Name)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
