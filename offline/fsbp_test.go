package offline_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"example.com/webstack/program"
)

// TestProdPreviewFSBP: through the real engine and the real pack (policy/config/prod.json), prod
// reports no Security Hub FSBP failure except the suppressions policy/suppressions.yaml documents
// for prod, each reported advisory, and every one of them (so the suppress lists reach resource
// and stack policies alike, the latter through the policy whose config they read).
func TestProdPreviewFSBP(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "policy", "suppressions.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Suppressions []struct {
			Control, Resource string
			Stacks            []string
		}
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, s := range file.Suppressions {
		if slices.Contains(s.Stacks, "prod") {
			want = append(want, s.Control+" "+s.Resource)
		}
	}
	slices.Sort(want)

	res := preview(t, "prod", program.Run)
	if res.Status != "passed" || len(res.MandatoryViolations()) > 0 {
		t.Fatalf("status %s, error %q, mandatory violations %v", res.Status, res.Error, res.MandatoryViolations())
	}
	suppressed := regexp.MustCompile(`Suppressed ([A-Za-z0-9]+\.[0-9]+) on "([^"]+)"`)
	var got []string
	for _, v := range res.Violations {
		if m := suppressed.FindStringSubmatch(v.Message); m != nil {
			if v.EnforcementLevel != "advisory" {
				t.Errorf("suppressed finding reported %s: %s", v.EnforcementLevel, v.Message)
			}
			got = append(got, m[1]+" "+m[2])
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("suppressed FSBP findings %q, want exactly prod's suppressions %q", got, want)
	}
}
