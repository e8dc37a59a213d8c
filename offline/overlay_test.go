package offline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestOverlayConfigReplacesAndAddsKeys(t *testing.T) {
	dir := t.TempDir()
	stackFile, overlay := filepath.Join(dir, "Pulumi.dev.yaml"), filepath.Join(dir, "overlay.yaml")
	if err := os.WriteFile(stackFile, []byte("config:\n  webstack:cpu: 256\n  webstack:fargateSpotWeight: 3\nencryptionsalt: v1:offline\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(overlay, []byte("config:\n  webstack:fargateSpotWeight: 0\n  webstack:instanceTypes:\n    - t3.large\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := overlayConfig(stackFile, overlay); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(stackFile)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Config         map[string]any
		EncryptionSalt string `yaml:"encryptionsalt"`
	}
	if err := yaml.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Config["webstack:cpu"] != 256 || got.Config["webstack:fargateSpotWeight"] != 0 || got.EncryptionSalt != "v1:offline" {
		t.Errorf("overlaid file %s", data)
	}
	if types, ok := got.Config["webstack:instanceTypes"].([]any); !ok || len(types) != 1 || types[0] != "t3.large" {
		t.Errorf("instanceTypes %v: want the overlay's list as a list", got.Config["webstack:instanceTypes"])
	}

	if err := os.WriteFile(overlay, []byte("webstack:cpu: 512\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := overlayConfig(stackFile, overlay); err == nil || !strings.Contains(err.Error(), "has no top-level config map") {
		t.Errorf("overlay without config: %v", err)
	}
}
