package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	digest "github.com/opencontainers/go-digest"
)

// These tests read the real Dockerfile and .dockerignore at the repository root, the ones
// the Pulumi program builds the API image from.

func readDockerfile(t *testing.T) ([]byte, []instructions.Stage) {
	t.Helper()
	dt, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatalf("Dockerfile instructions: %v", err)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a runtime stage", len(stages))
	}
	return dt, stages
}

// pinnedImage is name:tag@sha256:<64 hex>: readable and immutable.
var pinnedImage = regexp.MustCompile(`^[a-z0-9./_-]+:[A-Za-z0-9._-]+@sha256:[0-9a-f]{64}$`)

func TestDockerfileBaseImagesPinnedByTagAndDigest(t *testing.T) {
	_, stages := readDockerfile(t)
	names := map[string]bool{}
	for _, s := range stages {
		if !names[s.BaseName] && !pinnedImage.MatchString(s.BaseName) {
			t.Errorf("FROM %s: pin base images as name:tag@sha256:digest", s.BaseName)
		}
		names[s.Name] = true // a later FROM may name an earlier stage
	}
}

func TestDockerfileRuntimeStage(t *testing.T) {
	_, stages := readDockerfile(t)
	final := stages[len(stages)-1]
	var user *instructions.UserCommand
	var entrypoint *instructions.EntrypointCommand
	var health *instructions.HealthCheckCommand
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c
		case *instructions.EntrypointCommand:
			entrypoint = c
		case *instructions.HealthCheckCommand:
			health = c
		}
	}
	if user == nil {
		t.Error("final stage has no USER: the container would run as the base image's user")
	} else {
		uid, gid, _ := strings.Cut(user.User, ":")
		if !positiveInt(uid) || !positiveInt(gid) {
			t.Errorf("USER %s: want numeric, non-zero uid:gid (e.g. 65532:65532)", user.User)
		}
	}
	if entrypoint == nil || entrypoint.PrependShell {
		t.Error("final stage needs an exec-form ENTRYPOINT [\"/api\"]: the image has no shell, and a shell would not forward SIGTERM")
	}
	if health == nil || strings.Join(health.Health.Test, " ") != "CMD /api healthcheck" {
		t.Errorf("HEALTHCHECK = %v, want CMD [\"/api\", \"healthcheck\"]", health)
	}
}

func positiveInt(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0
}

func TestDockerfileHasNoADD(t *testing.T) {
	_, stages := readDockerfile(t)
	for _, s := range stages {
		for _, c := range s.Commands {
			if _, ok := c.(*instructions.AddCommand); ok {
				t.Errorf("stage %q uses ADD (%s); use COPY: ADD also fetches URLs and unpacks archives", s.Name, c)
			}
		}
	}
}

func TestDockerfileDependenciesBeforeSource(t *testing.T) {
	_, stages := readDockerfile(t)
	build := stages[0]
	var steps []string
	for _, c := range build.Commands {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			steps = append(steps, "COPY "+strings.Join(c.SourcePaths, " "))
		case *instructions.RunCommand:
			steps = append(steps, "RUN "+strings.Join(c.CmdLine, " "))
		}
	}
	first := func(match func(string) bool) int {
		for i, s := range steps {
			if match(s) {
				return i
			}
		}
		return -1
	}
	mod := first(func(s string) bool { return strings.HasPrefix(s, "COPY api/go.mod") })
	download := first(func(s string) bool { return strings.HasPrefix(s, "RUN go mod download") })
	src := first(func(s string) bool { return s == "COPY api/" })
	if mod < 0 || download < mod || src < download {
		t.Errorf("build stage steps:\n%s\nwant COPY api/go.mod, then RUN go mod download, then COPY api/", strings.Join(steps, "\n"))
	}
}

// metaResolverDouble answers BuildKit's base-image lookups locally, standing in for the
// registry: an empty linux/amd64 image config is all the linter needs. It records what
// was asked so the test can tell the lint really walked every stage.
type metaResolverDouble struct {
	mu    sync.Mutex
	asked []string
}

func (m *metaResolverDouble) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	m.mu.Lock()
	m.asked = append(m.asked, ref)
	m.mu.Unlock()
	d := digest.FromString(ref)
	if _, pinned, ok := strings.Cut(ref, "@"); ok {
		d = digest.Digest(pinned)
	}
	return ref, d, []byte(`{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":[]}}`), nil
}

// lintDockerfile runs BuildKit's Dockerfile linter (`docker build --check`) offline.
func lintDockerfile(t *testing.T, dt []byte) ([]string, []string) {
	t.Helper()
	ctx := context.Background()
	def, err := llb.Scratch().Marshal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sourceMap := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", dt)
	sourceMap.Definition = def // lint records its source; nil would be dereferenced
	resolver := &metaResolverDouble{}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		MetaResolver: resolver,
		SourceMap:    sourceMap,
	})
	if err != nil {
		t.Fatalf("lint: %v", err)
	}
	if res.Error != nil {
		t.Fatalf("lint could not process the Dockerfile: %s", res.Error.Message)
	}
	var warnings []string
	for _, w := range res.Warnings {
		line := int32(0)
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = w.Location.Ranges[0].Start.Line
		}
		warnings = append(warnings, w.RuleName+" (line "+strconv.Itoa(int(line))+"): "+w.Detail)
	}
	return warnings, resolver.asked
}

func TestDockerfileLintClean(t *testing.T) {
	dt, stages := readDockerfile(t)
	warnings, asked := lintDockerfile(t, dt)
	for _, w := range warnings {
		t.Errorf("BuildKit lint: %s", w)
	}
	if len(asked) != len(stages) {
		t.Errorf("lint resolved %d base images (%v), want one per stage (%d): did it skip stages?", len(asked), asked, len(stages))
	}
}

// The linter harness must be able to fail: a Dockerfile with known faults gets warnings.
func TestDockerfileLintCatchesFaults(t *testing.T) {
	bad := []byte("FROM golang:1.26.8-bookworm@sha256:" + strings.Repeat("a", 64) + " as Build\nRUN true\nENTRYPOINT /api\n")
	warnings, _ := lintDockerfile(t, bad)
	got := strings.Join(warnings, "\n")
	for _, rule := range []string{"FromAsCasing", "StageNameCasing", "JSONArgsRecommended"} {
		if !strings.Contains(got, rule) {
			t.Errorf("lint of a faulty Dockerfile did not report %s; got:\n%s", rule, got)
		}
	}
}

// readDockerignore parses .dockerignore the way BuildKit does.
func readDockerignore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func TestDockerfileContextIsAnAllowlist(t *testing.T) {
	pm := readDockerignore(t)
	for path, wantSent := range map[string]bool{
		"api/go.mod":                          true,
		"api/go.sum":                          true,
		"api/main.go":                         true,
		"api/server.go":                       true,
		"api/server_test.go":                  false,
		"api/testdata/fuzz/FuzzX/abc":         false,
		"api/internal/benchbare/main.go":      false,
		"Dockerfile":                          false,
		"Pulumi.yaml":                         false,
		"Pulumi.prod.yaml":                    false,
		"main.go":                             false,
		"go.mod":                              false,
		".git/config":                         false,
		".env":                                false,
		"bin/pulumi":                          false,
		"policy/main.go":                      false,
		"components/service.go":               false,
		"offline/state/.pulumi/stacks/x.json": false,
	} {
		ignored, err := pm.MatchesOrParentMatches(path)
		if err != nil {
			t.Fatal(err)
		}
		if ignored == wantSent {
			t.Errorf("%s: sent to the build = %v, want %v", path, !ignored, wantSent)
		}
	}
}

// Every file the Dockerfile COPYs from the context must survive .dockerignore, or the build
// fails (BuildKit's CopyIgnoredFile rule, which needs a build client to run).
func TestDockerfileCopiesOnlyAdmittedPaths(t *testing.T) {
	_, stages := readDockerfile(t)
	pm := readDockerignore(t)
	for _, s := range stages {
		for _, c := range s.Commands {
			cp, ok := c.(*instructions.CopyCommand)
			if !ok || cp.From != "" {
				continue
			}
			for _, src := range cp.SourcePaths {
				if strings.ContainsAny(src, "*?[") {
					continue // an optional glob such as go.sum*
				}
				ignored, err := pm.MatchesOrParentMatches(strings.TrimSuffix(src, "/"))
				if err != nil {
					t.Fatal(err)
				}
				if ignored {
					t.Errorf("COPY %s: .dockerignore leaves it out of the build context", src)
				}
			}
		}
	}
}
