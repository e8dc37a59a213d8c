// Command pulumi-resource-aws here is the offline TEST DOUBLE of the Pulumi aws provider. It is
// built into a private directory and put on PATH only by the offline preview harness (package
// offline); it never talks to AWS and refuses to create, update or delete anything, so it cannot
// be used by a real `pulumi up`.
//
// What it returns: Check echoes the inputs; a preview Create echoes the inputs with `arn` unknown
// (and every other output the inputs do not set resolves unknown in the preview, as the real
// provider's computed outputs do); invokes get fixed, obviously fake answers: account
// 123456789012, the configured region (default us-east-1), that region's zones a, b and c, an
// ECR token that is not a credential, an SSM parameter value naming itself a placeholder, and
// any VPC looked up by id with the CIDR block 10.255.0.0/16. The region is the stack's aws:region
// as the engine configures the provider (default us-east-1).
//
// In the harness's simulated up only (echo.SimulateEnv, a throwaway file backend), it creates,
// updates and deletes in a local store instead, answering as the provider and AWS would by the
// offline model in internal/awsmodel (simulate.go).
package main

import (
	"encoding/base64"
	"fmt"
	"os"

	"example.com/webstack/offline/doubles/internal/echo"
)

const (
	accountID = "123456789012"
	// version is the pulumi-aws release the program's SDK (v6.83.4) asks for.
	version = "6.83.4"
	// offlineVPCCIDR is the CIDR block every looked-up VPC has: a CIDR cannot say it is fake,
	// so this one is documented here and in docs/offline-preview.md.
	offlineVPCCIDR = "10.255.0.0/16"
)

func region(config map[string]string) string {
	if r := config["aws:region"]; r != "" {
		return r
	}
	return "us-east-1"
}

func main() {
	if err := echo.Main(double()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func double() echo.Double {
	return echo.Double{
		Package:    "aws",
		Version:    version,
		Computed:   map[string][]string{"*": {"arn"}},
		Simulation: simulation(),
		Invokes: map[string]echo.InvokeFunc{
			"aws:index/getCallerIdentity:getCallerIdentity": func(map[string]string, map[string]any) (map[string]any, error) {
				return map[string]any{
					"accountId": accountID,
					"arn":       "arn:aws:iam::" + accountID + ":user/offline-double",
					"id":        accountID,
					"userId":    "AIDAOFFLINEDOUBLE",
				}, nil
			},
			"aws:index/getRegion:getRegion": func(config map[string]string, _ map[string]any) (map[string]any, error) {
				r := region(config)
				return map[string]any{
					"name": r, "id": r, "region": r,
					"description": "offline double of " + r,
					"endpoint":    "ec2." + r + ".amazonaws.com",
				}, nil
			},
			"aws:index/getPartition:getPartition": func(map[string]string, map[string]any) (map[string]any, error) {
				return map[string]any{
					"partition": "aws", "id": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws",
				}, nil
			},
			"aws:index/getAvailabilityZones:getAvailabilityZones": func(config map[string]string, _ map[string]any) (map[string]any, error) {
				r := region(config)
				return map[string]any{
					"id":         r,
					"names":      []any{r + "a", r + "b", r + "c"},
					"zoneIds":    []any{r + "-az1", r + "-az2", r + "-az3"},
					"groupNames": []any{r},
				}, nil
			},
			"aws:ecr/getAuthorizationToken:getAuthorizationToken": func(config map[string]string, _ map[string]any) (map[string]any, error) {
				password := "offline-double-not-a-real-token"
				return map[string]any{
					"id":                 region(config),
					"userName":           "AWS",
					"password":           password,
					"authorizationToken": base64.StdEncoding.EncodeToString([]byte("AWS:" + password)),
					"expiresAt":          "2099-01-01T00:00:00Z",
					"proxyEndpoint":      fmt.Sprintf("https://%s.dkr.ecr.%s.amazonaws.com", accountID, region(config)),
				}, nil
			},
			"aws:ec2/getVpc:getVpc": func(config map[string]string, args map[string]any) (map[string]any, error) {
				id, _ := args["id"].(string)
				if id == "" {
					return nil, fmt.Errorf("argument id is required: the offline double answers only a lookup by id")
				}
				return map[string]any{
					"id": id, "cidrBlock": offlineVPCCIDR, "state": "available", "default": false,
					"arn":     fmt.Sprintf("arn:aws:ec2:%s:%s:vpc/%s", region(config), accountID, id),
					"ownerId": accountID, "instanceTenancy": "default",
				}, nil
			},
			"aws:ssm/getParameter:getParameter": func(config map[string]string, args map[string]any) (map[string]any, error) {
				name, _ := args["name"].(string)
				if name == "" {
					return nil, fmt.Errorf("argument name is required")
				}
				value := "offline-double-placeholder-for-" + name
				return map[string]any{
					"id": name, "name": name, "type": "String", "version": 1.0,
					"value": value, "insecureValue": value, "withDecryption": true,
					"arn": fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", region(config), accountID, name),
				}, nil
			},
		},
	}
}
