package imagetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test runs its own daemons, each with private state, sockets and config under the test's
// temporary directory, so it neither needs nor disturbs a daemon the machine may already run, and
// leaves none behind: every one is stopped by a cleanup, and the kernel sends it SIGTERM if the
// test process dies first (Pdeathsig).

// daemon is one background process the test started.
type daemon struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// startDaemon starts a daemon whose output goes to logPath, stopped with SIGTERM (then SIGKILL
// after grace) when the test ends.
func startDaemon(t *testing.T, name, logPath string, grace time.Duration, argv ...string) *daemon {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = daemonEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	d := &daemon{name: name, cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() {
		cmd.Wait()
		logFile.Close()
		close(d.done)
	}()
	t.Cleanup(func() { d.stop(t, grace) })
	return d
}

// stop ends the daemon: SIGTERM, and SIGKILL if it is still there after grace.
func (d *daemon) stop(t *testing.T, grace time.Duration) {
	select {
	case <-d.done:
		return
	default:
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(grace):
		t.Errorf("%s did not stop within %s of SIGTERM: killed (log %s)", d.name, grace, d.log)
		d.cmd.Process.Kill()
		<-d.done
	}
}

// exited reports whether the daemon is gone, with the end of its log.
func (d *daemon) exited() error {
	select {
	case <-d.done:
		return fmt.Errorf("%s exited: %s\n%s", d.name, d.cmd.ProcessState, tail(d.log, 2000))
	default:
		return nil
	}
}

// daemonEnv is the test's environment with the sbin directories on PATH (dockerd, runc and
// containerd live there in Debian, and the daemons look each other up on PATH).
func daemonEnv() []string {
	env := os.Environ()
	for i, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			env[i] = kv + ":/usr/local/sbin:/usr/sbin:/sbin"
			return env
		}
	}
	return append(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}

// waitUntil polls ready until it succeeds, the daemon exits or timeout passes.
func waitUntil(t *testing.T, what string, timeout time.Duration, d *daemon, ready func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return
		}
		if derr := d.exited(); derr != nil {
			t.Fatalf("waiting for %s: %v", what, derr)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after %s: %v\n%s", what, timeout, err, tail(d.log, 2000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// engine is a running containerd + dockerd pair.
type engine struct {
	dockerHost string
	dockerBin  string
	configDir  string // DOCKER_CONFIG: the client reads no user config
}

// startEngine starts containerd and dockerd. Containers get no bridge network (no iptables
// rules, nothing on the host's interfaces): the test runs them with --network none.
func startEngine(t *testing.T, dir, dockerBin string) *engine {
	t.Helper()
	for _, d := range []string{"containerd", "containerd-state", "docker", "docker-exec", "docker-config"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	ctrdSock := filepath.Join(dir, "containerd.sock")
	ctrdConfig := filepath.Join(dir, "containerd.toml")
	// Version 2 config: no CRI plugin (nothing here is Kubernetes), no debug or metrics sockets.
	if err := os.WriteFile(ctrdConfig, []byte("version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctrd := startDaemon(t, "containerd", filepath.Join(dir, "containerd.log"), 20*time.Second,
		"containerd", "--config", ctrdConfig, "--address", ctrdSock,
		"--root", filepath.Join(dir, "containerd"), "--state", filepath.Join(dir, "containerd-state"), "--log-level", "warn")
	waitUntil(t, "containerd", 30*time.Second, ctrd, func() error {
		_, err := os.Stat(ctrdSock)
		return err
	})

	dockerConfig := filepath.Join(dir, "daemon.json")
	if err := os.WriteFile(dockerConfig, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &engine{
		dockerHost: "unix://" + filepath.Join(dir, "docker.sock"),
		dockerBin:  dockerBin,
		configDir:  filepath.Join(dir, "docker-config"),
	}
	dockerd := startDaemon(t, "dockerd", filepath.Join(dir, "dockerd.log"), 30*time.Second,
		"dockerd", "--config-file", dockerConfig, "--containerd", ctrdSock,
		"--data-root", filepath.Join(dir, "docker"), "--exec-root", filepath.Join(dir, "docker-exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"), "-H", e.dockerHost,
		"--bridge", "none", "--iptables=false", "--ip-masq=false", "--userland-proxy=false",
		"--storage-driver", "overlay2", "--log-level", "warn")
	waitUntil(t, "dockerd", 60*time.Second, dockerd, func() error {
		_, err := e.docker(context.Background(), "version", "--format", "{{.Server.Version}}")
		return err
	})
	return e
}

// docker runs the docker client against the test's engine and returns its standard output.
func (e *engine) docker(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, e.dockerBin, args...)
	cmd.Env = append(daemonEnv(), "DOCKER_HOST="+e.dockerHost, "DOCKER_CONFIG="+e.configDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// buildkit is a running buildkitd and the buildctl that talks to it.
type buildkit struct {
	addr     string
	buildctl string
	daemon   *daemon
}

// startBuildkit starts buildkitd with the OCI (runc) worker and an empty state directory: the
// first build is cold. RUN steps share the host's network namespace (no CNI here); the
// Dockerfile's build needs no network, since the API has no module dependencies.
func startBuildkit(t *testing.T, dir, buildkitd, buildctl string) *buildkit {
	t.Helper()
	config := filepath.Join(dir, "buildkitd.toml")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b := &buildkit{addr: "unix://" + filepath.Join(dir, "buildkitd.sock"), buildctl: buildctl}
	d := startDaemon(t, "buildkitd", filepath.Join(dir, "buildkitd.log"), 30*time.Second,
		buildkitd, "--config", config, "--root", filepath.Join(dir, "buildkit"), "--addr", b.addr,
		"--oci-worker=true", "--containerd-worker=false", "--oci-worker-net=host", "--oci-worker-gc=false",
		"--otel-socket-path", filepath.Join(dir, "otel.sock"))
	waitUntil(t, "buildkitd", 60*time.Second, d, func() error {
		out, err := exec.Command(buildctl, "--addr", b.addr, "debug", "workers").CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	})
	b.daemon = d
	return b
}
