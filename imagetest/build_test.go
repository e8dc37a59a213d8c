package imagetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// buildRequest is one `buildctl build` of a Dockerfile with the dockerfile.v0 frontend (the one
// `docker build` uses).
type buildRequest struct {
	ContextDir    string // --local context: what BuildKit receives, filtered by its .dockerignore
	DockerfileDir string // --local dockerfile: the directory holding the Dockerfile
	Platform      string
	Bases         bases   // the FROM references to replace, if Builder/Runtime are set
	Builder       standin // stand-in for Bases.Builder
	Runtime       standin // stand-in for Bases.Runtime
	BuildArgs     map[string]string
	Output        string // buildctl --output; none: build only (the result stays in the cache)
}

// step is one vertex of the build graph as BuildKit reported it.
type step struct {
	Name      string
	Cached    bool
	Completed bool
	Error     string
}

type buildResult struct {
	Elapsed time.Duration
	Steps   []step
}

// find returns the steps whose name contains s.
func (r buildResult) find(s string) []step {
	var out []step
	for _, st := range r.Steps {
		if strings.Contains(st.Name, s) {
			out = append(out, st)
		}
	}
	return out
}

// ran lists the steps BuildKit executed rather than took from its cache (loading the stand-ins
// and the local context are always "executed": they are transfers, not build steps).
func (r buildResult) ran() []string {
	var out []string
	for _, st := range r.Steps {
		if st.Completed && !st.Cached && strings.HasPrefix(st.Name, "[") && !strings.HasPrefix(st.Name, "[context ") && !strings.HasPrefix(st.Name, "[internal]") {
			out = append(out, st.Name)
		}
	}
	return out
}

// args is the buildctl command line: the named contexts replace the two pinned base images by
// the stand-in layouts, which buildctl serves to buildkitd from this machine (--oci-layout).
func (r buildRequest) args(addr string) []string {
	a := []string{"--addr", addr, "build", "--frontend", "dockerfile.v0",
		"--local", "context=" + r.ContextDir, "--local", "dockerfile=" + r.DockerfileDir,
		"--opt", "platform=" + r.Platform, "--progress", "rawjson"}
	if r.Output != "" {
		a = append(a, "--output", r.Output)
	}
	if r.Bases.Builder != "" {
		a = append(a, "--oci-layout", "builder="+r.Builder.Dir,
			"--opt", "context:"+r.Bases.Builder+"=oci-layout://builder@"+r.Builder.Digest)
	}
	if r.Bases.Runtime != "" {
		a = append(a, "--oci-layout", "runtime="+r.Runtime.Dir,
			"--opt", "context:"+r.Bases.Runtime+"=oci-layout://runtime@"+r.Runtime.Digest)
	}
	for _, k := range slices.Sorted(maps.Keys(r.BuildArgs)) {
		a = append(a, "--opt", "build-arg:"+k+"="+r.BuildArgs[k])
	}
	return a
}

// build runs buildctl and reads its raw JSON progress (client.SolveStatus per line) for which
// steps ran and which came from the cache.
func (b *buildkit) build(ctx context.Context, r buildRequest) (buildResult, error) {
	cmd := exec.CommandContext(ctx, b.buildctl, r.args(b.addr)...)
	var progress, stdout bytes.Buffer
	cmd.Stderr, cmd.Stdout = &progress, &stdout
	start := time.Now()
	err := cmd.Run()
	res := buildResult{Elapsed: time.Since(start)}
	byDigest := map[string]*step{}
	var order []string
	var logs strings.Builder
	sc := bufio.NewScanner(&progress)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var status struct {
			Vertexes []struct {
				Digest    string
				Name      string
				Cached    bool
				Completed *time.Time
				Error     string
			}
			Logs []struct{ Data []byte }
		}
		if json.Unmarshal(sc.Bytes(), &status) != nil {
			logs.Write(sc.Bytes()) // buildctl's own messages, e.g. an error
			logs.WriteByte('\n')
			continue
		}
		for _, v := range status.Vertexes {
			st, ok := byDigest[v.Digest]
			if !ok {
				st = &step{}
				byDigest[v.Digest] = st
				order = append(order, v.Digest)
			}
			st.Name, st.Cached = v.Name, st.Cached || v.Cached
			st.Completed = st.Completed || v.Completed != nil
			if v.Error != "" {
				st.Error = v.Error
			}
		}
		for _, l := range status.Logs {
			logs.Write(l.Data)
		}
	}
	for _, d := range order {
		res.Steps = append(res.Steps, *byDigest[d])
	}
	if err != nil {
		out := logs.String()
		if len(out) > 4000 {
			out = out[len(out)-4000:]
		}
		return res, fmt.Errorf("buildctl build: %w\n%s\nbuildkitd's log ends:\n%s", err, out, tail(b.daemon.log, 3000))
	}
	return res, nil
}
