package program

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// unknownKeys are the problems of the keys in the project's namespace that the program does not
// read: without this check a misspelt key (webstack:availabiltyZones) previews green with the
// default it meant to change.
func unknownKeys(keys []string) Problems {
	known := Keys()
	var p Problems
	for _, k := range slices.Sorted(slices.Values(keys)) {
		name, ok := strings.CutPrefix(k, Project+":")
		if !ok || slices.Contains(known, name) {
			continue
		}
		p.add(name, "not a key of this program, so its value would be ignored",
			fmt.Sprintf("did you mean %s:%s? (every key is declared in Pulumi.yaml)", Project, nearest(name, known)))
	}
	return p
}

// nearest is the candidate with the fewest single-letter edits from s, ignoring case; the first
// such candidate on a tie.
func nearest(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// configKeys lists every config key the engine handed the program, in every namespace. The Go SDK
// answers GetConfig(key) but cannot list keys, and a misspelt key is one nobody asks for; so this
// reads the map GetConfig reads (Context.state.info.Config) by reflection, read-only. This covers
// `pulumi up`, Automation API inline programs and mocks alike. Should an SDK upgrade move that
// map, ok is false, Run refuses to guess, and TestUnknownKeyRefusedThroughRun fails.
func configKeys(ctx *pulumi.Context) (keys []string, ok bool) {
	state := reflect.ValueOf(ctx).Elem().FieldByName("state")
	if state.Kind() != reflect.Pointer || state.IsNil() {
		return nil, false
	}
	info := state.Elem().FieldByName("info")
	if info.Kind() != reflect.Struct {
		return nil, false
	}
	config := info.FieldByName("Config")
	if config.Kind() != reflect.Map || config.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	for _, k := range config.MapKeys() {
		keys = append(keys, k.String())
	}
	return keys, true
}
