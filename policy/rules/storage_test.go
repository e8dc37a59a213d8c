package rules

import (
	"encoding/json"
	"testing"
)

func policyJSON(t *testing.T, statements ...map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var denyInsecure = map[string]any{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
	"Resource":  []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"},
	"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}

func TestS3NoCrossAccountAdmin(t *testing.T) {
	pol := func(p string) Resource {
		return res(typeBucketPolicy, "pol", map[string]any{"bucket": "b", "policy": p})
	}
	allow := func(principal, action any) map[string]any {
		return map[string]any{"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "arn:aws:s3:::b/*"}
	}
	elb := map[string]any{"AWS": "arn:aws:iam::127311923021:root"}
	runRuleCases(t, PolicyS3NoCrossAccountAdmin, []ruleCase{
		{"ELB log delivery put", pol(policyJSON(t, allow(elb, "s3:PutObject"), denyInsecure)), nil, nil},
		{"service principal may", pol(policyJSON(t, allow(map[string]any{"Service": "logging.s3.amazonaws.com"}, "s3:*"))), nil, nil},
		{"another account puts ACLs", pol(policyJSON(t, allow(elb, "s3:PutObjectAcl"))), nil, []string{"V policy"}},
		{"wildcard action", pol(policyJSON(t, allow(elb, "s3:Put*"))), nil, []string{"V policy"}},
		{"everyone, all actions", pol(policyJSON(t, allow("*", []string{"s3:GetObject", "*"}))), nil, []string{"V policy"}},
		{"deny is fine", pol(policyJSON(t, map[string]any{"Effect": "Deny", "Principal": "*", "Action": "s3:PutBucketPolicy"})), nil, nil},
		{"unknown (preview)", pol("").withProp("policy", unknownValue), nil, []string{"U policy"}},
		{"not JSON", pol("{"), nil, []string{"V policy"}},
	})
}

// bucketStack is one bucket with the given companions, linked by the bucket's id (after an update)
// or, with preview, through the property dependency on the bucket (first preview).
func bucketStack(preview bool, companions ...Resource) []Resource {
	b := res(typeBucketV2, "b", map[string]any{"id": "b", "bucket": "b"})
	stack := []Resource{b}
	for _, c := range companions {
		if preview {
			c = c.withProp("bucket", unknownValue)
			c.PropertyDependencies = map[string][]string{"bucket": {b.URN}}
		}
		stack = append(stack, c)
	}
	return stack
}

type stackCases = map[string]struct {
	stack []Resource
	want  []string
}

func TestS3PublicAccessBlock(t *testing.T) {
	pab := func(v any) Resource {
		return res(typeBucketPAB, "pab", map[string]any{"bucket": "b", "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": v})
	}
	runStackCases(t, PolicyS3PublicAccessBlock, stackCases{
		"all four":       {bucketStack(false, pab(true)), nil},
		"first preview":  {bucketStack(true, pab(true)), nil},
		"one off":        {bucketStack(false, pab(false)), []string{"V public access block"}},
		"none":           {bucketStack(false), []string{"V public access block"}},
		"another bucket": {bucketStack(false, pab(true).withProp("bucket", "other")), []string{"V public access block"}},
		"unknown flag":   {bucketStack(false, pab(unknownValue)), []string{"U public access block"}},
	})
}

func TestS3TLSOnly(t *testing.T) {
	pol := func(p any) Resource { return res(typeBucketPolicy, "pol", map[string]any{"bucket": "b", "policy": p}) }
	allowOnly := map[string]any{"Effect": "Allow", "Principal": map[string]any{"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject"}
	boolFalse := map[string]any{"Effect": "Deny", "Principal": map[string]any{"AWS": "*"}, "Action": "*",
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": false}}}
	putOnly := map[string]any{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}
	runStackCases(t, PolicyS3TLSOnly, stackCases{
		"denies insecure":               {bucketStack(false, pol(policyJSON(t, allowOnly, denyInsecure))), nil},
		"AWS * and boolean false":       {bucketStack(false, pol(policyJSON(t, boolFalse))), nil},
		"first preview":                 {bucketStack(true, pol(policyJSON(t, denyInsecure))), nil},
		"no deny":                       {bucketStack(false, pol(policyJSON(t, allowOnly))), []string{"V policy"}},
		"deny covers one action":        {bucketStack(false, pol(policyJSON(t, putOnly))), []string{"V policy"}},
		"no policy":                     {bucketStack(false), []string{"V policy"}},
		"policy unknown during preview": {bucketStack(true, pol(unknownValue)), []string{"U policy"}},
	})
}

func TestS3AccessLogging(t *testing.T) {
	logging := res(typeBucketLogging, "log", map[string]any{"bucket": "b", "targetBucket": "logs", "targetPrefix": "s3/"})
	runStackCases(t, PolicyS3AccessLogging, stackCases{
		"logged":                  {bucketStack(false, logging), nil},
		"first preview":           {bucketStack(true, logging), nil},
		"inline (legacy) logging": {[]Resource{res(typeBucketV2, "b", map[string]any{"id": "b", "loggings": []any{map[string]any{"targetBucket": "logs"}}})}, nil},
		"not logged":              {bucketStack(false), []string{"V server access logging"}},
		"logs another bucket":     {bucketStack(false, logging.withProp("bucket", "other")), []string{"V server access logging"}},
		// A first preview: the logging resource's bucket is unknown but depends on another bucket,
		// so it is that one's (how prod's log target bucket looks before it exists).
		"preview, another bucket's": {bucketStack(false, func() Resource {
			l := logging.withProp("bucket", unknownValue)
			l.PropertyDependencies = map[string][]string{"bucket": {"urn:pulumi:dev::webstack::aws:s3/bucketV2:BucketV2::source"}}
			return l
		}()), []string{"V server access logging"}},
		"preview, no dependency recorded": {bucketStack(false, logging.withProp("bucket", unknownValue)), []string{"U server access logging"}},
	})
}

func TestS3OwnerEnforced(t *testing.T) {
	own := func(o any) Resource {
		return res(typeBucketOwnership, "own", map[string]any{"bucket": "b", "rule": map[string]any{"objectOwnership": o}})
	}
	runStackCases(t, PolicyS3OwnerEnforced, stackCases{
		"enforced":       {bucketStack(false, own("BucketOwnerEnforced")), nil},
		"preferred":      {bucketStack(false, own("BucketOwnerPreferred")), []string{"V ownership controls"}},
		"none (ACLs on)": {bucketStack(false), []string{"V ownership controls"}},
		"unknown":        {bucketStack(false, own(unknownValue)), []string{"U ownership controls"}},
		"first preview":  {bucketStack(true, own("BucketOwnerEnforced")), nil},
	})
}

func TestS3Lifecycle(t *testing.T) {
	lc := func(status any) Resource {
		return res(typeBucketLifecycle, "lc", map[string]any{"bucket": "b", "rules": []any{map[string]any{"id": "x", "status": status}}})
	}
	runStackCases(t, PolicyS3Lifecycle, stackCases{
		"enabled rule":   {bucketStack(false, lc("Enabled")), nil},
		"disabled rule":  {bucketStack(false, lc("Disabled")), []string{"V lifecycle"}},
		"none":           {bucketStack(false), []string{"V lifecycle"}},
		"unknown status": {bucketStack(false, lc(unknownValue)), []string{"U lifecycle"}},
	})
}
