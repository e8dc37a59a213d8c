package imagetest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"example.com/webstack/components"
)

// requiredEnv, set to "required" by the Makefile where it installed the prerequisites, turns a
// missing prerequisite into a failure instead of a skip.
const requiredEnv = "IMAGE_TEST"

// repoRoot is the repository root (this package is one level down).
var repoRoot = func() string {
	dir, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return dir
}()

// tools are the programs the test runs.
type tools struct {
	docker, buildkitd, buildctl string
}

// prerequisites finds what the test needs, or says in one line what is missing.
func prerequisites() (tools, error) {
	var tl tools
	if runtime.GOOS != "linux" {
		return tl, errors.New("needs Linux (a container engine and BuildKit's runc worker)")
	}
	if os.Geteuid() != 0 {
		return tl, errors.New("needs root to run dockerd, containerd and buildkitd")
	}
	for _, name := range []string{"dockerd", "containerd", "runc", "docker-init"} {
		if _, err := lookPath(name); err != nil {
			return tl, fmt.Errorf("no %s on PATH (Debian: docker.io, runc)", name)
		}
	}
	var err error
	if tl.docker, err = lookPath("docker"); err != nil {
		return tl, errors.New("no docker client on PATH (Debian: docker.io)")
	}
	for _, f := range []string{hostBusybox, hostCACerts, hostZoneinfo, hostOSRelease} {
		if _, err := os.Stat(f); err != nil {
			return tl, fmt.Errorf("no %s for the stand-in base images (Debian: busybox-static, ca-certificates, tzdata)", f)
		}
	}
	tl.buildkitd, tl.buildctl = filepath.Join(repoRoot, "bin", "buildkitd"), filepath.Join(repoRoot, "bin", "buildctl")
	for _, f := range []string{tl.buildkitd, tl.buildctl} {
		if _, err := os.Stat(f); err != nil {
			return tl, fmt.Errorf("no %s (built from the moby/buildkit module go.mod pins)", f)
		}
	}
	return tl, nil
}

func lookPath(name string) (string, error) {
	for _, kv := range daemonEnv() {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			for _, dir := range filepath.SplitList(p) {
				f := filepath.Join(dir, name)
				if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
					return f, nil
				}
			}
		}
	}
	return "", exec.ErrNotFound
}

// TestImage builds the Dockerfile, unchanged, with BuildKit and runs the image under the task
// definition's constraints. docs/image.md describes each check.
func TestImage(t *testing.T) {
	tl, err := prerequisites()
	if err != nil {
		why := err.Error() + "; `make image-test` installs and builds what it needs"
		if os.Getenv(requiredEnv) == "required" {
			t.Fatal("image test cannot run, and " + requiredEnv + "=required: " + why)
		}
		t.Skip("image test skipped: " + why)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	// What the program decides: the task's container, the build context, the image tag.
	task := renderTask(t, repoRoot, imageStack, "webstack-api:local")
	if task.Platform != "linux/"+runtime.GOARCH {
		t.Skipf("image test skipped: stack %s builds for %s, this machine runs linux/%s", imageStack, task.Platform, runtime.GOARCH)
	}
	tag, err := components.ImageTag(task.ContextDir, task.Dockerfile, task.Platform)
	if err != nil {
		t.Fatal(err)
	}
	image := "webstack-api:" + tag
	dockerfile := filepath.Join(task.ContextDir, task.Dockerfile)
	b, err := readBases(dockerfile)
	if err != nil {
		t.Fatal(err)
	}

	// The stand-ins, made once per machine (or when what they hold changes).
	start := time.Now()
	builder, runtimeImg := standins(t, b)
	t.Logf("stand-in base images ready in %s: builder %s, runtime %s", time.Since(start).Round(time.Millisecond), builder.Dir, runtimeImg.Dir)

	tmp := t.TempDir()
	bk := startBuildkit(t, filepath.Join(tmp, "bk"), tl.buildkitd, tl.buildctl)
	request := func(contextDir string) buildRequest {
		return buildRequest{
			ContextDir: contextDir, DockerfileDir: contextDir, Platform: task.Platform,
			Bases: b, Builder: builder, Runtime: runtimeImg,
			BuildArgs: map[string]string{"VERSION": tag}, // what ContainerImage passes
		}
	}

	// 1. Cold build of the real Dockerfile from the real context, into a docker-loadable tarball.
	imageTar := filepath.Join(tmp, "image.tar")
	cold := request(task.ContextDir)
	cold.Output = "type=docker,name=" + image + ",dest=" + imageTar
	coldRes, err := bk.build(ctx, cold)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"go mod download", "go build"} {
		if st := coldRes.find(s); len(st) != 1 || st[0].Cached {
			t.Errorf("cold build: want one executed step running %q, got %+v", s, st)
		}
	}

	// 2. The context BuildKit receives is what the tag is computed from; a test file changes
	// neither, a source file changes both, and only the build steps after it run again.
	edited := copyContext(t, task.ContextDir, task.Dockerfile, filepath.Join(tmp, "edited"))
	testFile, srcFile := apiFiles(t, edited)
	checkContextAgrees(t, ctx, bk, task, tag, edited, testFile, srcFile, request)

	// 3. Warm build after a source edit: modules are not downloaded again, the Go build cache
	// mount is reused.
	warmRes, err := bk.build(ctx, request(edited))
	if err != nil {
		t.Fatal(err)
	}
	if st := warmRes.find("go mod download"); len(st) != 1 || !st[0].Cached {
		t.Errorf("after a source edit, want the module download step cached, got %+v", st)
	}
	if st := warmRes.find("go build"); len(st) != 1 || st[0].Cached {
		t.Errorf("after a source edit, want the go build step to run, got %+v", st)
	}

	// 4. Load into the engine and run the container as the task definition says.
	eng := startEngine(t, filepath.Join(tmp, "engine"), tl.docker)
	if _, err := eng.docker(ctx, "load", "--input", imageTar); err != nil {
		t.Fatal(err)
	}
	size := checkImage(t, ctx, eng, image, tag, b)
	t.Logf("IMAGE %s: %.1f MB; build cold %s, warm after a source edit %s (%d steps ran: %s)",
		image, float64(size)/1e6, coldRes.Elapsed.Round(100*time.Millisecond), warmRes.Elapsed.Round(100*time.Millisecond),
		len(warmRes.ran()), strings.Join(warmRes.ran(), "; "))
	runContainer(t, ctx, eng, task, image, tag, b)
}

// standins returns the two stand-in layouts, made under .cache/image if not there yet.
func standins(t *testing.T, b bases) (builder, rt standin) {
	t.Helper()
	cache := filepath.Join(repoRoot, ".cache", "image")
	tc, err := downloadToolchain(b.GoVersion, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := hashFiles(hostBusybox, hostCACerts)
	if err != nil {
		t.Fatal(err)
	}
	builder, err = cachedStandin(cache, "builder", []string{b.GoVersion, tc.Sum, hostKey}, func() (layer, imageConfig, error) {
		l, err := builderLayer(tc)
		return l, builderConfig(b.GoVersion), err
	})
	if err != nil {
		t.Fatal(err)
	}
	rtKey, err := hashFiles(hostCACerts, hostZoneinfo, hostOSRelease)
	if err != nil {
		t.Fatal(err)
	}
	rt, err = cachedStandin(cache, "runtime", []string{rtKey}, func() (layer, imageConfig, error) {
		l, err := runtimeLayer()
		return l, runtimeConfig(), err
	})
	if err != nil {
		t.Fatal(err)
	}
	return builder, rt
}

// copyContext copies the Dockerfile, .dockerignore and the whole api/ directory (tests
// included), modes kept, so the copy can be edited.
func copyContext(t *testing.T, contextDir, dockerfile, dst string) string {
	t.Helper()
	for _, name := range []string{dockerfile, ".dockerignore", "api"} {
		src := filepath.Join(contextDir, name)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(contextDir, p)
			out := filepath.Join(dst, rel)
			info, err := d.Info()
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
				return os.Chmod(out, info.Mode().Perm())
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				return os.Symlink(target, out)
			default:
				if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
					return err
				}
				data, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				if err := os.WriteFile(out, data, info.Mode().Perm()); err != nil {
					return err
				}
				return os.Chmod(out, info.Mode().Perm())
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// apiFiles picks a test file and a source file of the API package in dir.
func apiFiles(t *testing.T, dir string) (testFile, srcFile string) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(dir, "api", "*.go"))
	for _, m := range matches {
		if strings.HasSuffix(m, "_test.go") && testFile == "" {
			testFile = m
		} else if !strings.HasSuffix(m, "_test.go") && srcFile == "" {
			srcFile = m
		}
	}
	if testFile == "" || srcFile == "" {
		t.Fatalf("want a test file and a source file in %s/api", dir)
	}
	return testFile, srcFile
}

func appendLine(t *testing.T, file, line string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(f, "\n%s\n", line); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// receivedContextHash is the content hash of what BuildKit receives as the build context: a
// Dockerfile of its own (FROM scratch, COPY . /) built from the same directory, whose
// .dockerignore BuildKit applies, exported and hashed with the program's ContextHash.
func receivedContextHash(t *testing.T, ctx context.Context, bk *buildkit, contextDir, dockerfile, platform, dst string) string {
	t.Helper()
	probe := filepath.Join(dst, "probe")
	if err := os.MkdirAll(probe, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(probe, "Dockerfile"), []byte("FROM scratch\nCOPY . /\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dst, "received")
	_, err := bk.build(ctx, buildRequest{ContextDir: contextDir, DockerfileDir: probe, Platform: platform, Output: "type=local,dest=" + out})
	if err != nil {
		t.Fatal(err)
	}
	// The Dockerfile is hashed from its own path, as the program does; the received tree holds
	// only what .dockerignore admits.
	h, err := components.ContextHash(out, filepath.Join(contextDir, dockerfile), platform)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// checkContextAgrees compares the program's content hash with the context BuildKit receives,
// before and after edits to a copy of the context; it leaves the copy with both edits made.
func checkContextAgrees(t *testing.T, ctx context.Context, bk *buildkit, task taskSetup, tag, edited, testFile, srcFile string, request func(string) buildRequest) {
	t.Helper()
	hash := func(dir string) string {
		h, err := components.ContextHash(dir, task.Dockerfile, task.Platform)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	received := func(dir, name string) string {
		return receivedContextHash(t, ctx, bk, dir, task.Dockerfile, task.Platform, filepath.Join(filepath.Dir(edited), name))
	}
	repoHash := hash(task.ContextDir)
	if !strings.HasPrefix(repoHash, tag) {
		t.Fatalf("ImageTag %s is not a prefix of ContextHash %s", tag, repoHash)
	}
	if got := received(task.ContextDir, "recv-repo"); got != repoHash {
		t.Errorf("the context BuildKit receives hashes to %s, the program's tag comes from %s: they must be the same files", got, repoHash)
	}
	if got := hash(edited); got != repoHash {
		t.Fatalf("a copy of the context hashes to %s, the original to %s", got, repoHash)
	}

	appendLine(t, testFile, "// imagetest: an edit to a test file")
	if got := hash(edited); got != repoHash {
		t.Errorf("editing %s changed the program's tag", filepath.Base(testFile))
	}
	if got := received(edited, "recv-test-edit"); got != repoHash {
		t.Errorf("editing %s changed the context BuildKit receives", filepath.Base(testFile))
	}
	res, err := bk.build(ctx, request(edited))
	if err != nil {
		t.Fatal(err)
	}
	if ran := res.ran(); len(ran) > 0 {
		t.Errorf("after editing only %s, want every build step cached; these ran: %s", filepath.Base(testFile), strings.Join(ran, "; "))
	}

	appendLine(t, srcFile, "// imagetest: an edit to a source file")
	editedHash := hash(edited)
	if editedHash == repoHash {
		t.Errorf("editing %s left the program's tag as it was", filepath.Base(srcFile))
	}
	if got := received(edited, "recv-src-edit"); got != editedHash {
		t.Errorf("after editing %s the context BuildKit receives hashes to %s, the program's tag comes from %s", filepath.Base(srcFile), got, editedHash)
	}
}

// checkImage reads the loaded image's config and returns its size.
func checkImage(t *testing.T, ctx context.Context, eng *engine, image, tag string, b bases) int64 {
	t.Helper()
	out, err := eng.docker(ctx, "image", "inspect", image)
	if err != nil {
		t.Fatal(err)
	}
	var inspect []struct {
		Size   int64
		Config struct {
			User        string
			Env         []string
			Labels      map[string]string
			Healthcheck struct{ Test []string }
			Entrypoint  []string
		}
	}
	if err := json.Unmarshal([]byte(out), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("docker image inspect: %v %s", err, out)
	}
	c := inspect[0].Config
	if c.User != components.ContainerUser {
		t.Errorf("image USER %q, want %q (components.ContainerUser)", c.User, components.ContainerUser)
	}
	if got := c.Labels["org.opencontainers.image.version"]; got != tag {
		t.Errorf("image version label %q, want the tag %s", got, tag)
	}
	if want := []string{"CMD", "/api", "healthcheck"}; strings.Join(c.Healthcheck.Test, " ") != strings.Join(want, " ") {
		t.Errorf("image HEALTHCHECK %q, want %q", c.Healthcheck.Test, want)
	}
	// The runtime stand-in's config came through (distroless sets SSL_CERT_FILE).
	if !strings.Contains(strings.Join(c.Env, " "), "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt") {
		t.Errorf("image env %q lacks the runtime base's SSL_CERT_FILE: was %s replaced?", c.Env, b.Runtime)
	}
	return inspect[0].Size
}

// runContainer runs the image as the task definition says and checks it end to end.
func runContainer(t *testing.T, ctx context.Context, eng *engine, task taskSetup, image, tag string, b bases) {
	t.Helper()
	def := task.Container
	name := fmt.Sprintf("webstack-imagetest-%d", os.Getpid())
	args, err := dockerRunArgs(def, name, image)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.docker(ctx, args...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.docker(context.Background(), "rm", "--force", name) })
	logs := func() string { out, _ := eng.docker(context.Background(), "logs", "--tail", "40", name); return out }
	port, err := def.port()
	if err != nil {
		t.Fatalf("%v in %s", err, task.Rendered)
	}

	// Healthy by the image's own HEALTHCHECK (the binary checks itself: there is no shell).
	var pid int
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, err := eng.docker(ctx, "inspect", "--format", "{{.State.Status}} {{.State.Pid}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", name)
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(out)
		if len(f) < 2 || f[0] != "running" {
			t.Fatalf("container is %q, not running\n%s", out, logs())
		}
		pid, _ = strconv.Atoi(f[1])
		if len(f) == 3 && f[2] == "healthy" {
			break
		}
		if len(f) == 3 && f[2] == "unhealthy" || time.Now().After(deadline) {
			t.Fatalf("container health %q\n%s", out, logs())
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The process, as the kernel sees it: docker-init (--init) and the API, its child.
	checkProcesses(t, pid, def)
	dialer := nsDialer{nsPath: fmt.Sprintf("/proc/%d/ns/net", pid), addr: "127.0.0.1:" + strconv.Itoa(port)}

	for _, path := range []string{"/healthz", "/readyz", "/version", "/v1/info"} {
		resp, err := dialer.get(path)
		if err != nil || resp.Status != http.StatusOK {
			t.Errorf("GET %s: %d %s %v", path, resp.Status, resp.Body, err)
			continue
		}
		if path == "/version" || path == "/v1/info" {
			var v struct{ Version, GoVersion string }
			if err := json.Unmarshal(resp.Body, &v); err != nil || v.Version != tag {
				t.Errorf("GET %s: version %q, want the tag %s (%s)", path, v.Version, tag, resp.Body)
			}
			if path == "/version" && v.GoVersion != "go"+b.GoVersion {
				t.Errorf("GET /version: built with %q, want go%s (the toolchain %s names)", v.GoVersion, b.GoVersion, b.Builder)
			}
		}
	}

	// No shell in the image.
	if out, err := eng.docker(ctx, "exec", name, "/bin/sh", "-c", "true"); err == nil {
		t.Errorf("docker exec /bin/sh ran (%q): the image must have no shell", out)
	} else if !strings.Contains(err.Error()+out, "no such file or directory") {
		t.Errorf("docker exec /bin/sh failed, but not for want of a shell: %v", err)
	}

	drain(t, ctx, eng, def, name, dialer, logs)
}

// checkProcesses reads /proc for the container's init and its child, the API, and checks each
// runs as the definition's user with no capabilities and no_new_privs, on a read-only root.
// It returns the API's pid.
func checkProcesses(t *testing.T, initPid int, def containerDef) int {
	t.Helper()
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", initPid, initPid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(children))
	if len(f) != 1 {
		t.Fatalf("container init %d has children %q, want one (the API)", initPid, f)
	}
	apiPid, _ := strconv.Atoi(f[0])
	uid, gid, _ := strings.Cut(def.User, ":")
	for _, pid := range []int{initPid, apiPid} {
		st := procStatus(t, pid)
		if pid == apiPid && st["Name"] != "api" {
			t.Errorf("pid %d is %q, want the API", pid, st["Name"])
		}
		checks := []struct{ field, want string }{
			{"Uid", strings.Repeat(uid+"\t", 3) + uid},
			{"Gid", strings.Repeat(gid+"\t", 3) + gid},
			{"CapEff", "0000000000000000"},
			{"CapPrm", "0000000000000000"},
			{"CapBnd", "0000000000000000"},
			{"NoNewPrivs", "1"},
		}
		for _, c := range checks {
			if st[c.field] != c.want {
				t.Errorf("pid %d (%s) %s: %q, want %q", pid, st["Name"], c.field, st[c.field], c.want)
			}
		}
	}
	mounts, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", apiPid))
	if err != nil {
		t.Fatal(err)
	}
	rootRO := false
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[4] == "/" {
			rootRO = strings.Contains(","+f[5]+",", ",ro,")
		}
	}
	if def.ReadonlyRootFilesystem && !rootRO {
		t.Errorf("the API's root filesystem is not mounted read-only:\n%s", mounts)
	}
	return apiPid
}

func procStatus(t *testing.T, pid int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// drain stops the container as ECS does (SIGTERM, then SIGKILL after the definition's
// stopTimeout) while a client that never retries keeps sending requests, and checks that none
// failed, /readyz turned 503, a request in flight when shutdown began was answered, and the
// container exited 0 by itself.
func drain(t *testing.T, ctx context.Context, eng *engine, def containerDef, name string, dialer nsDialer, logs func() string) {
	t.Helper()
	drainDelay, err := time.ParseDuration(def.env("DRAIN_DELAY"))
	if err != nil || def.StopTimeout <= 0 {
		t.Fatalf("DRAIN_DELAY %q, stopTimeout %d: the definition must set both", def.env("DRAIN_DELAY"), def.StopTimeout)
	}
	// The client sends until a second before the drain delay ends: the window in which the
	// load balancer may still route here (after it the listener closes, by design).
	client := &loadClient{dialer: dialer, path: "/v1/info", workers: 4, pause: 10 * time.Millisecond, max: 10000}
	stopClient := make(chan struct{})
	clientDone := make(chan struct{})
	go func() { client.run(stopClient); close(clientDone) }()
	time.Sleep(time.Second) // connections open and reused before the stop

	client.mu.Lock()
	okBefore := client.ok
	client.mu.Unlock()
	sigterm := time.Now()
	time.AfterFunc(drainDelay-time.Second, func() { close(stopClient) })

	// /readyz turns 503 while the rest keeps serving (polled: the signal reaches the process a
	// moment after `docker stop` starts, longer on a loaded machine).
	readyz := make(chan string, 1)
	go func() {
		defer close(readyz)
		var last string
		for time.Since(sigterm) < drainDelay-time.Second {
			resp, err := dialer.get("/readyz")
			if err == nil && resp.Status == http.StatusServiceUnavailable {
				return
			}
			last = fmt.Sprintf("%d %v", resp.Status, err)
			time.Sleep(100 * time.Millisecond)
		}
		readyz <- fmt.Sprintf("GET /readyz never answered 503 during the drain delay (last: %s)", last)
	}()

	// A request still in flight when shutdown begins: headers and half the body before the
	// drain delay ends, the rest after.
	inflight := make(chan string, 1)
	go func() {
		defer close(inflight)
		time.Sleep(time.Until(sigterm.Add(drainDelay - 1500*time.Millisecond)))
		conn, err := dialer.dial()
		if err != nil {
			inflight <- "in-flight request: connect: " + err.Error()
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		body := `{"message":"in flight through the shutdown"}`
		head := fmt.Sprintf("POST /v1/echo HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
		if _, err := io.WriteString(conn, head+body[:10]); err != nil {
			inflight <- "in-flight request: write: " + err.Error()
			return
		}
		time.Sleep(time.Until(sigterm.Add(drainDelay + time.Second)))
		if _, err := io.WriteString(conn, body[10:]); err != nil {
			inflight <- "in-flight request: write after shutdown began: " + err.Error()
			return
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			inflight <- "in-flight request: read: " + err.Error()
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			inflight <- fmt.Sprintf("in-flight request: %s, want 200", resp.Status)
		}
	}()

	_, stopErr := eng.docker(ctx, "stop", "--time", strconv.Itoa(def.StopTimeout), name)
	stopped := time.Since(sigterm)
	<-clientDone
	if msg, ok := <-readyz; ok {
		t.Error(msg)
	}
	if msg, ok := <-inflight; ok {
		t.Error(msg)
	}
	if stopErr != nil {
		t.Fatal(stopErr)
	}
	out, err := eng.docker(ctx, "inspect", "--format", "{{.State.ExitCode}} {{.State.OOMKilled}}", name)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "0 false" {
		t.Errorf("after docker stop: exit code and OOM-killed %q, want 0 false\n%s", out, logs())
	}
	if stopped < drainDelay || stopped >= time.Duration(def.StopTimeout)*time.Second {
		t.Errorf("docker stop took %s: want at least DRAIN_DELAY %s and under the stop timeout %d s", stopped, drainDelay, def.StopTimeout)
	}
	client.mu.Lock()
	defer client.mu.Unlock()
	for _, f := range client.failures {
		t.Errorf("request failed %+.3fs after SIGTERM: %s", f.At.Sub(sigterm).Seconds(), f.Msg)
	}
	if client.ok-okBefore == 0 || client.reused == 0 {
		t.Errorf("the client sent %d requests after SIGTERM (%d on reused connections in all): the stop was not exercised", client.ok-okBefore, client.reused)
	}
	t.Logf("DRAIN docker stop -t %d: exit 0 after %s (DRAIN_DELAY %s); %d requests answered, %d after SIGTERM, %d on reused connections, %d idle connections closed by the server, %d failed",
		def.StopTimeout, stopped.Round(100*time.Millisecond), drainDelay, client.ok, client.ok-okBefore, client.reused, client.idleClosed, len(client.failures))
}
