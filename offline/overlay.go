package offline

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// CheckOverlay reports, before anything is built, whether file can be a ConfigOverlay: a
// readable YAML document with a top-level config map.
func CheckOverlay(file string) error {
	_, err := readOverlay(file)
	return err
}

// readOverlay is the config map of an overlay file.
func readOverlay(file string) (*yaml.Node, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config overlay: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config overlay %s is not YAML: %w", file, err)
	}
	over := configMap(&doc)
	if over == nil {
		return nil, fmt.Errorf("config overlay %s has no top-level config map (write it as a stack file: config: {webstack:key: value})", file)
	}
	return over, nil
}

// overlayConfig sets each key of the overlay file's config map in the stack file at path, values
// as written (lists and objects included).
func overlayConfig(path, overlayFile string) error {
	over, err := readOverlay(overlayFile)
	if err != nil {
		return fmt.Errorf("offline: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("offline: config overlay: %w", err)
	}
	var stackDoc yaml.Node
	if err := yaml.Unmarshal(data, &stackDoc); err != nil {
		return fmt.Errorf("offline: config overlay: %s: %w", path, err)
	}
	target := configMap(&stackDoc)
	if target == nil {
		return fmt.Errorf("offline: config overlay: %s has no top-level config map", path)
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		key, value := over.Content[i], over.Content[i+1]
		replaced := false
		for j := 0; j+1 < len(target.Content); j += 2 {
			if target.Content[j].Value == key.Value {
				target.Content[j+1], replaced = value, true
			}
		}
		if !replaced {
			target.Content = append(target.Content, key, value)
		}
	}
	if data, err = yaml.Marshal(&stackDoc); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// configMap is the mapping under a document's top-level config key, or nil.
func configMap(doc *yaml.Node) *yaml.Node {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	top := doc.Content[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "config" && top.Content[i+1].Kind == yaml.MappingNode {
			return top.Content[i+1]
		}
	}
	return nil
}
