package imagetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"example.com/webstack/components"
	"example.com/webstack/program"
	"gopkg.in/yaml.v3"
)

// The container runs the way the program's task definition says, read from the definition the
// program renders for a stack (components.ContainerDefinitions), not copied into this test.

// imageStack is the stack whose task definition the container imitates: the production one.
const imageStack = "prod"

// stackConfig is what the Pulumi CLI hands the program for stack: Pulumi.yaml's declared defaults
// overlaid with Pulumi.<stack>.yaml, scalars as text and the rest as JSON text.
func stackConfig(repo, stack string) (map[string]string, error) {
	var project struct {
		Config map[string]struct {
			Default any `yaml:"default"`
		}
	}
	var stackFile struct{ Config map[string]any }
	for file, v := range map[string]any{"Pulumi.yaml": &project, "Pulumi." + stack + ".yaml": &stackFile} {
		b, err := os.ReadFile(filepath.Join(repo, file))
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(b, v); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	out := map[string]string{}
	set := func(k string, v any) error {
		switch v := v.(type) {
		case string:
			out[k] = v
		case int, bool, float64:
			out[k] = fmt.Sprint(v)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			out[k] = string(b)
		}
		return nil
	}
	for k, decl := range project.Config {
		if decl.Default != nil {
			if err := set(k, decl.Default); err != nil {
				return nil, err
			}
		}
	}
	for k, v := range stackFile.Config {
		if err := set(k, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// containerDef is the part of an ECS container definition that says how to run the container.
// Field names match the JSON case-insensitively (encoding/json).
type containerDef struct {
	User                   string
	ReadonlyRootFilesystem bool
	Privileged             bool
	LinuxParameters        struct {
		Capabilities       struct{ Add, Drop []string }
		InitProcessEnabled bool
	}
	Environment           []struct{ Name, Value string }
	Secrets               []struct{ Name, ValueFrom string }
	PortMappings          []struct{ ContainerPort int }
	MountPoints           []struct{ SourceVolume, ContainerPath string }
	DockerSecurityOptions []string
	StopTimeout           int
}

func (d containerDef) env(name string) string {
	for _, e := range d.Environment {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// taskSetup is what the program decides about the image and its container for a stack.
type taskSetup struct {
	ContextDir, Dockerfile, Platform string
	Container                        containerDef
	Rendered                         string // the containerDefinitions JSON, for failure messages
}

// renderTask loads the stack's config as the program does (program.Load) and renders its
// container definition for image.
func renderTask(t *testing.T, repo, stack, image string) taskSetup {
	t.Helper()
	raw, err := stackConfig(repo, stack)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := program.Load(stack, func(k string) (string, bool) { v, ok := raw[k]; return v, ok })
	if err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	svc := cfg.WebServiceArgs(stack).Service
	svc.Image = image
	rendered, err := components.ContainerDefinitions(raw["aws:region"], svc)
	if err != nil {
		t.Fatal(err)
	}
	var defs []containerDef
	if err := json.Unmarshal([]byte(rendered), &defs); err != nil || len(defs) != 1 {
		t.Fatalf("containerDefinitions: want one container, got %s (%v)", rendered, err)
	}
	return taskSetup{
		ContextDir: filepath.Join(repo, cfg.BuildContext),
		Dockerfile: cfg.Dockerfile,
		Platform:   cfg.ImagePlatform,
		Container:  defs[0],
		Rendered:   rendered,
	}
}

// dockerRunArgs turns the container definition into `docker run` flags, each the Docker
// equivalent of what the ECS agent does with the field. The container gets no network but its
// own loopback: the test reaches it from inside its network namespace.
func dockerRunArgs(d containerDef, name, image string) ([]string, error) {
	if len(d.Secrets) > 0 {
		return nil, fmt.Errorf("the task definition has secrets (%d): the image test cannot resolve them; test a stack without", len(d.Secrets))
	}
	if d.Privileged {
		return nil, fmt.Errorf("the task definition asks for a privileged container")
	}
	a := []string{"run", "--detach", "--name", name, "--network", "none",
		// No process gains privileges through a setuid binary. The ECS field for it,
		// dockerSecurityOptions, is not supported on Fargate (ECS API reference,
		// ContainerDefinition) and the program sets none: the test applies it regardless,
		// so the image is shown to need nothing it would take away.
		"--security-opt", "no-new-privileges"}
	if d.User != "" {
		a = append(a, "--user", d.User)
	}
	if d.ReadonlyRootFilesystem {
		a = append(a, "--read-only")
	}
	for _, c := range d.LinuxParameters.Capabilities.Drop {
		a = append(a, "--cap-drop", c)
	}
	for _, c := range d.LinuxParameters.Capabilities.Add {
		a = append(a, "--cap-add", c)
	}
	if d.LinuxParameters.InitProcessEnabled {
		a = append(a, "--init")
	}
	for _, o := range d.DockerSecurityOptions {
		a = append(a, "--security-opt", o)
	}
	for _, e := range d.Environment {
		a = append(a, "--env", e.Name+"="+e.Value)
	}
	// A task volume with no host path is an empty, writable, task-scoped directory: a tmpfs.
	for _, m := range d.MountPoints {
		a = append(a, "--mount", "type=tmpfs,destination="+m.ContainerPath)
	}
	if d.StopTimeout > 0 {
		a = append(a, "--stop-timeout", strconv.Itoa(d.StopTimeout))
	}
	return append(a, image), nil
}

// port is the container port the service listens on, as the definition maps it.
func (d containerDef) port() (int, error) {
	if len(d.PortMappings) != 1 {
		return 0, fmt.Errorf("want one port mapping, have %d", len(d.PortMappings))
	}
	p := d.PortMappings[0].ContainerPort
	if env := d.env("PORT"); env != strconv.Itoa(p) {
		return 0, fmt.Errorf("PORT=%q but the port mapping says %d", env, p)
	}
	return p, nil
}
