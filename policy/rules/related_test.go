package rules

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The two id forms AWS's control pages use under "Related requirements".
var relatedIDPattern = regexp.MustCompile(`^(NIST\.800-53\.r5 [A-Z]{2}-[0-9]+(\([0-9]+\))?|CIS AWS Foundations Benchmark v[0-9]+\.[0-9]+\.[0-9]+/[0-9]+(\.[0-9]+)*)$`)

// Every control a rule carries either has the related ids AWS's page lists, or is named as not
// verified; never both, and neither list names a control no rule carries.
func TestRelatedRequirementsCoverEveryControl(t *testing.T) {
	carried := map[string]bool{}
	for _, r := range All() {
		for _, c := range r.Controls {
			carried[c] = true
			ids, found := relatedRequirements[c]
			unverified := slices.Contains(relatedUnverified, c)
			switch {
			case found && unverified:
				t.Errorf("%s (%s) has related ids and is also listed as not verified", c, r.Name)
			case !found && !unverified:
				t.Errorf("%s (%s) has no related ids and is not listed as not verified in related.go", c, r.Name)
			case found && len(ids) == 0:
				t.Errorf("%s has an empty related list; list it as not verified instead", c)
			}
			for _, id := range ids {
				if !relatedIDPattern.MatchString(id) {
					t.Errorf("%s: %q is not a CIS or NIST 800-53 r5 id as AWS writes them", c, id)
				}
			}
			if dup := len(ids) - len(slices.Compact(slices.Sorted(slices.Values(ids)))); dup > 0 {
				t.Errorf("%s lists %d id(s) twice", c, dup)
			}
		}
	}
	for c := range relatedRequirements {
		if !carried[c] {
			t.Errorf("related.go lists %s, which no rule carries", c)
		}
	}
	seen := map[string]bool{}
	for _, c := range relatedUnverified {
		if !carried[c] || seen[c] {
			t.Errorf("relatedUnverified: %s is not carried by any rule, or listed twice", c)
		}
		seen[c] = true
	}
}

var unverifiedSentence = regexp.MustCompile(`Related requirements of (.+?) not verified\.`)

// The description the pack sends names every related id of every control the rule carries, and
// says which controls' related requirements were not verified; Related holds the same ids.
func TestDescriptionsRenderRelatedRequirements(t *testing.T) {
	for _, r := range All() {
		for _, c := range r.Controls {
			ids, found := relatedRequirements[c]
			if !found {
				if _, ok := r.Related[c]; ok {
					t.Errorf("%s: Related has an entry for unverified %s", r.Name, c)
				}
				m := unverifiedSentence.FindStringSubmatch(r.Description)
				if m == nil || !slices.Contains(strings.Split(m[1], ", "), c) {
					t.Errorf("%s: description does not say %s's related requirements are not verified: %s", r.Name, c, r.Description)
				}
				continue
			}
			if !slices.Equal(r.Related[c], ids) {
				t.Errorf("%s: Related[%s] = %q, want %q", r.Name, c, r.Related[c], ids)
			}
			want := c + ": " + strings.Join(ids, ", ")
			if !strings.Contains(r.Description, want) {
				t.Errorf("%s: description lacks %q: %s", r.Name, want, r.Description)
			}
		}
		if len(r.Controls) == 0 && (len(r.Related) > 0 || strings.Contains(r.Description, "Related requirements")) {
			t.Errorf("%s carries no control but renders related requirements", r.Name)
		}
	}
}

// Spot checks against the AWS pages (doc_source/ec2-controls.md#ec2-2 and s3-controls.md#s3-5 at
// the commit related.go names), so a transcription slip in the table shows up here.
func TestRelatedRequirementsSpotChecks(t *testing.T) {
	desc := Lookup(PolicyDefaultSGClosed).Description
	for _, id := range []string{"CIS AWS Foundations Benchmark v1.2.0/4.3", "CIS AWS Foundations Benchmark v1.4.0/5.3", "NIST.800-53.r5 AC-4(21)", "NIST.800-53.r5 SC-7(5)"} {
		if !strings.Contains(desc, id) {
			t.Errorf("%s: description lacks %q: %s", PolicyDefaultSGClosed, id, desc)
		}
	}
	if got := relatedRequirements["S3.5"]; len(got) != 13 || got[0] != "CIS AWS Foundations Benchmark v1.4.0/2.1.2" {
		t.Errorf("S3.5 related = %q, want the page's 13 ids starting with CIS v1.4.0/2.1.2", got)
	}
	if got := relatedRequirements["EC2.16"]; !slices.Equal(got, []string{"NIST.800-53.r5 CM-8(1)"}) {
		t.Errorf("EC2.16 related = %q, want [NIST.800-53.r5 CM-8(1)]", got)
	}
}
