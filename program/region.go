package program

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/hashicorp/aws-sdk-go-base/v2/endpoints"
	"gopkg.in/yaml.v3"
)

// RegionKey is the AWS provider's region setting. A stack names its region in its own file, so
// `pulumi up`, the deploy command and the release checks all act on that one region, whatever
// AWS_REGION says.
const RegionKey = "aws:region"

// awsRegions are the Region ids of every AWS partition, from the AWS SDK for Go v2's endpoints
// model as HashiCorp's aws-sdk-go-base publishes it (the v2 SDK keeps its own copy internal; the v1
// SDK that exported it is out of support). A Region AWS opens after the pinned version is refused
// until that module is updated.
var awsRegions = sync.OnceValue(func() []string {
	var ids []string
	for _, p := range endpoints.DefaultPartitions() {
		for id := range p.Regions() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
})

// validateRegion is the problem with a stack's aws:region, if any.
func validateRegion(stack, region string) Problems {
	var p Problems
	switch {
	case region == "":
		p.add(RegionKey, "not set: the AWS provider would take the region from the environment, so two runs of one stack could act in two regions",
			fmt.Sprintf("name the stack's region in its file: pulumi config set %s us-east-1 -s %s", RegionKey, stack))
	case !slices.Contains(awsRegions(), region):
		p.add(RegionKey, fmt.Sprintf("%q is not an AWS Region (none of the AWS SDK's partitions has it)", region),
			fmt.Sprintf("use a Region id such as %s (`aws ec2 describe-regions --all-regions` lists them)", nearest(region, awsRegions())))
	}
	return p
}

// StackRegion is the aws:region that Pulumi.<stack>.yaml in root sets, checked as Load checks it.
func StackRegion(root, stack string) (string, error) {
	file, config, err := readStackFile(root, stack)
	if err != nil {
		return "", err
	}
	region, ok := config[RegionKey].(string)
	if _, set := config[RegionKey]; set && !ok {
		return "", fmt.Errorf("%s: %s must be a plain string such as us-east-1", file, RegionKey)
	}
	if probs := validateRegion(stack, region); len(probs) > 0 {
		return "", fmt.Errorf("%s: %s: %s; fix: %s", file, RegionKey, probs[0].Message, probs[0].Fix)
	}
	return region, nil
}

// readStackFile reads the config section of Pulumi.<stack>.yaml in root.
func readStackFile(root, stack string) (string, map[string]any, error) {
	file := filepath.Join(root, "Pulumi."+stack+".yaml")
	data, err := os.ReadFile(file)
	if err != nil {
		return file, nil, fmt.Errorf("the stack's region and config are read from its file: %w", err)
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return file, nil, fmt.Errorf("%s: %w", file, err)
	}
	return file, doc.Config, nil
}

// StackFileConfig is the stack config that Pulumi.<stack>.yaml in root sets, loaded and validated
// by Load as `pulumi up` will (the deploy command compares it with the live stack before the
// update). Values reach Load as the Pulumi CLI passes them to the program: strings as they are,
// lists as JSON, numbers and booleans as text. Secret values ({secure: ...}) cannot be read
// without the stack's key and are left to their defaults; none of the keys the deploy command
// compares is a secret.
func StackFileConfig(root, stack string) (Config, error) {
	file, config, err := readStackFile(root, stack)
	if err != nil {
		return Config{}, err
	}
	values := map[string]string{}
	for k, v := range config {
		switch x := v.(type) {
		case string:
			values[k] = x
		case []any:
			b, err := json.Marshal(x)
			if err != nil {
				return Config{}, fmt.Errorf("%s: %s: %w", file, k, err)
			}
			values[k] = string(b)
		case map[string]any: // {secure: ...}
		default:
			values[k] = fmt.Sprint(x)
		}
	}
	get := func(key string) (string, bool) { v, ok := values[key]; return v, ok }
	c, err := Load(stack, get)
	if err != nil {
		return c, fmt.Errorf("%s: %w", file, err)
	}
	return c, nil
}
