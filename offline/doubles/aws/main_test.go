package main

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestAnswersEveryContractInvoke keeps the double in step with the invokes the program may make
// (contracts: getCallerIdentity, getRegion, getPartition, ecr getAuthorizationToken, ssm
// getParameter) and the one the awsx double makes (getAvailabilityZones).
func TestAnswersEveryContractInvoke(t *testing.T) {
	config := map[string]string{"aws:region": "eu-west-1"}
	for tok, want := range map[string]map[string]any{
		"aws:index/getCallerIdentity:getCallerIdentity":       {"accountId": "123456789012"},
		"aws:index/getRegion:getRegion":                       {"name": "eu-west-1"},
		"aws:index/getPartition:getPartition":                 {"partition": "aws", "dnsSuffix": "amazonaws.com"},
		"aws:ecr/getAuthorizationToken:getAuthorizationToken": {"userName": "AWS", "proxyEndpoint": "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
		"aws:ssm/getParameter:getParameter":                   {"name": "/aws/service/ecs/ami"},
	} {
		answer, ok := double().Invokes[tok]
		if !ok {
			t.Errorf("%s is not answered", tok)
			continue
		}
		got, err := answer(config, map[string]any{"name": "/aws/service/ecs/ami"})
		if err != nil {
			t.Errorf("%s: %v", tok, err)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v", tok, k, got[k], v)
			}
		}
	}
}

func TestFakeValuesAreConsistentAndObviouslyFake(t *testing.T) {
	d := double()
	zones, err := d.Invokes["aws:index/getAvailabilityZones:getAvailabilityZones"](nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if names := zones["names"].([]any); len(names) != 3 || names[0] != "us-east-1a" {
		t.Errorf("zones without a configured region: %v, want us-east-1a..c", names)
	}
	token, err := d.Invokes["aws:ecr/getAuthorizationToken:getAuthorizationToken"](nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := base64.StdEncoding.DecodeString(token["authorizationToken"].(string))
	if err != nil || string(decoded) != "AWS:"+token["password"].(string) || !strings.Contains(token["password"].(string), "not-a-real") {
		t.Errorf("ECR token %q (%v) must be base64 of AWS:<password> with a password that says it is fake", decoded, err)
	}
	if _, err := d.Invokes["aws:ssm/getParameter:getParameter"](nil, map[string]any{}); err == nil {
		t.Error("getParameter without a name must fail")
	}
}

func TestGetVPCAnswersTheIDAskedFor(t *testing.T) {
	getVPC := double().Invokes["aws:ec2/getVpc:getVpc"]
	vpc, err := getVPC(map[string]string{"aws:region": "eu-west-1"}, map[string]any{"id": "vpc-0aaaaaaaaaaaaaaa0"})
	if err != nil {
		t.Fatal(err)
	}
	if vpc["id"] != "vpc-0aaaaaaaaaaaaaaa0" || vpc["cidrBlock"] != offlineVPCCIDR ||
		vpc["arn"] != "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0aaaaaaaaaaaaaaa0" {
		t.Errorf("getVpc = %v", vpc)
	}
	if _, err := getVPC(nil, map[string]any{"tags": map[string]any{"Name": "x"}}); err == nil || !strings.Contains(err.Error(), "by id") {
		t.Errorf("getVpc without an id: %v, want an error saying only lookups by id are answered", err)
	}
}
