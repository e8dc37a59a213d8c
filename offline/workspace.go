package offline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/offline/doubles/simflag"
)

// workspaceFor makes the stack's workspace under stateDir/<stack>: a file:// backend and a work
// dir holding copies of Pulumi.yaml and Pulumi.<stack>.yaml, refreshed from the repository on
// every run (the repository's files are never written). Creating a stack costs the CLI a
// passphrase key derivation, so the stack is kept between runs, and with it the encryption salt
// the CLI wrote into the work copy when the repository's file has none.
func workspaceFor(root, stackName, stateDir string) (work, backend string, err error) {
	work, backend = filepath.Join(stateDir, stackName, "work"), filepath.Join(stateDir, stackName, "state")
	for _, dir := range []string{work, backend, filepath.Join(stateDir, "home")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", "", err
		}
	}
	for _, name := range []string{"Pulumi.yaml", "Pulumi." + stackName + ".yaml"} {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			return "", "", err
		}
		target := filepath.Join(work, name)
		if previous, err := os.ReadFile(target); err == nil && saltLine(data) == "" && saltLine(previous) != "" {
			data = append(bytes.TrimRight(data, "\n"), []byte("\n"+saltLine(previous)+"\n")...)
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return "", "", err
		}
	}
	return work, backend, nil
}

// saltLine is the top-level encryptionsalt line of a stack file, or "".
func saltLine(stackFile []byte) string {
	for line := range strings.SplitSeq(string(stackFile), "\n") {
		if strings.HasPrefix(line, "encryptionsalt:") {
			return line
		}
	}
	return ""
}

// selectStack selects (or first creates) the stack in its workspace, with the environment that
// keeps the engine offline.
func selectStack(ctx context.Context, root, stackName string, program pulumi.RunFunc, tools Tools, stateDir string,
	simulate bool,
) (auto.Stack, error) {
	work, backend, err := workspaceFor(root, stackName, stateDir)
	if err != nil {
		return auto.Stack{}, err
	}
	passphrase := os.Getenv("PULUMI_CONFIG_PASSPHRASE")
	if passphrase == "" {
		// Only protects the offline stack's own salt; a stack file with secure values needs its
		// real passphrase in PULUMI_CONFIG_PASSPHRASE.
		passphrase = "offline-preview"
	}
	env := map[string]string{
		"PULUMI_BACKEND_URL":                       "file://" + backend,
		"PULUMI_CONFIG_PASSPHRASE":                 passphrase,
		"PULUMI_SKIP_UPDATE_CHECK":                 "1",
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
		// The doubles are found on PATH only while ambient plugins are allowed.
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "false",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PATH": tools.DoublesDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		// Set for every command of this workspace: the CLI logs under $PULUMI_HOME/logs.
		"PULUMI_HOME": filepath.Join(stateDir, "home"),
		// The flag only this harness sets: the doubles simulate only in this file backend,
		// which holds the marker (offline/doubles/simflag).
		simflag.Env: "",
	}
	if simulate {
		if err := os.WriteFile(filepath.Join(backend, simflag.Marker), []byte("offline harness simulation\n"), 0o644); err != nil {
			return auto.Stack{}, err
		}
		env[simflag.Env] = backend
	}
	cmdEnv := make([]string, 0, len(env))
	for k, v := range env {
		cmdEnv = append(cmdEnv, k+"="+v)
	}
	sort.Strings(cmdEnv)
	cli := cli{path: tools.Pulumi, env: cmdEnv}
	stack, err := auto.UpsertStackInlineSource(ctx, stackName, "", program,
		auto.WorkDir(work), auto.Pulumi(cli), auto.PulumiHome(filepath.Join(stateDir, "home")), auto.EnvVars(env))
	if err != nil {
		return stack, fmt.Errorf("offline: selecting stack %s: %w", stackName, err)
	}
	return stack, nil
}
