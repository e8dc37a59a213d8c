package main

import (
	"slices"
	"strings"
	"testing"
)

func TestCarveLaysOutAlignedDisjointBlocks(t *testing.T) {
	mask := 24
	for _, tc := range []struct {
		cidr  string
		specs []subnetSpec
		zones int
		want  [][]string
	}{
		{"10.0.0.0/16", []subnetSpec{{Type: "Public"}, {Type: "Private"}}, 2,
			[][]string{{"10.0.0.0/18", "10.0.64.0/18"}, {"10.0.128.0/18", "10.0.192.0/18"}}},
		{"10.0.0.0/16", []subnetSpec{{Type: "Public", CIDRMask: &mask}, {Type: "Private"}}, 3,
			[][]string{{"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}, {"10.0.32.0/19", "10.0.64.0/19", "10.0.96.0/19"}}},
	} {
		got, err := carve(tc.cidr, tc.specs, tc.zones)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("carve(%s, %d zones) = %v, want %v", tc.cidr, tc.zones, got, tc.want)
		}
	}
}

func TestCarveRefusesWhatDoesNotFit(t *testing.T) {
	mask := 17
	for cidr, want := range map[string]string{"10.0.0.0/16": "do not fit", "not-a-cidr": "not an IPv4 CIDR"} {
		_, err := carve(cidr, []subnetSpec{{Type: "Public", CIDRMask: &mask}, {Type: "Private", CIDRMask: &mask}}, 2)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("carve(%s): %v, want %q", cidr, err, want)
		}
	}
}
