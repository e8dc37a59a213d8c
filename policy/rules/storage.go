package rules

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"
)

// Policy names of the S3 rules (Security Hub FSBP S3 controls on the buckets a stack creates).
const (
	PolicyS3NoCrossAccountAdmin = "s3-bucket-no-cross-account-admin"
	PolicyS3PublicAccessBlock   = "s3-bucket-public-access-block"
	PolicyS3TLSOnly             = "s3-bucket-tls-only"
	PolicyS3AccessLogging       = "s3-bucket-access-logging"
	PolicyS3OwnerEnforced       = "s3-bucket-owner-enforced"
	PolicyS3Lifecycle           = "s3-bucket-lifecycle"

	typeBucketV2        = "aws:s3/bucketV2:BucketV2"
	typeBucket          = "aws:s3/bucket:Bucket"
	typeBucketPolicy    = "aws:s3/bucketPolicy:BucketPolicy"
	typeBucketPAB       = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	typeBucketLogging   = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	typeBucketOwnership = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	typeBucketLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
)

// s3Params: the S3 stack rules read their parameters from the bucket policy rule (policyx sends
// no config to stack policies).
const s3Params = PolicyS3NoCrossAccountAdmin

var storageRules = []*Rule{
	{
		Name: PolicyS3NoCrossAccountAdmin, Description: "Bucket policies grant no principal the actions that take over a bucket (s3:DeleteBucketPolicy, s3:PutBucketAcl, s3:PutBucketPolicy, s3:PutEncryptionConfiguration, s3:PutObjectAcl), wildcards included; stricter than the control, which exempts the bucket's own account.",
		Controls: []string{"S3.6"}, Level: Mandatory, Types: []string{typeBucketPolicy}, resource: checkS3NoCrossAccountAdmin,
	},
	{
		Name: PolicyS3PublicAccessBlock, Description: "Every bucket has a public access block with all four settings on, which keeps it from public read and write whatever its ACLs and policy say.",
		Controls: []string{"S3.8", "S3.2", "S3.3"},
		Level:    Mandatory, ParamsFrom: s3Params, stack: checkS3PublicAccessBlock,
	},
	{
		Name: PolicyS3TLSOnly, Description: "Every bucket's policy denies requests made without TLS (aws:SecureTransport false).",
		Controls: []string{"S3.5"},
		Level:    Mandatory, ParamsFrom: s3Params, stack: checkS3TLSOnly,
	},
	{
		Name: PolicyS3AccessLogging, Description: "Every bucket has server access logging to another bucket.",
		Controls: []string{"S3.9"}, Level: Mandatory, ParamsFrom: s3Params, stack: checkS3AccessLogging,
	},
	{
		Name: PolicyS3OwnerEnforced, Description: "Every bucket's ownership controls are BucketOwnerEnforced, which turns ACLs off.",
		Controls: []string{"S3.12"}, Level: Mandatory, ParamsFrom: s3Params, stack: checkS3OwnerEnforced,
	},
	{
		Name: PolicyS3Lifecycle, Description: "Every bucket has a lifecycle configuration with an enabled rule.",
		Controls: []string{"S3.13"}, Level: Mandatory, ParamsFrom: s3Params, stack: checkS3Lifecycle,
	},
}

// takeoverActions are the actions S3.6 (Config rule s3-bucket-blacklisted-actions-prohibited) lists.
var takeoverActions = []string{"s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration", "s3:PutObjectAcl"}

// statement is one IAM policy statement, decoded loosely (strings or lists).
type statement struct {
	Effect    string
	Principal any
	Action    any
	Resource  any
	Condition map[string]map[string]any
}

// policyStatements decodes a policy document: ok is false when it is unknown, and err when it is
// not a JSON policy.
func policyStatements(n node) (stmts []statement, ok bool, err error) {
	if n.st == unknown {
		return nil, false, nil
	}
	s, isStr := n.str()
	if !isStr {
		return nil, true, nil
	}
	var doc struct{ Statement json.RawMessage }
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return nil, true, err
	}
	if err := json.Unmarshal(doc.Statement, &stmts); err != nil {
		var one statement
		if err1 := json.Unmarshal(doc.Statement, &one); err1 != nil {
			return nil, true, err
		}
		stmts = []statement{one}
	}
	return stmts, true, nil
}

// readPolicy decodes res's policy for a resource rule, reporting an unknown policy as unverifiable
// and one that is not JSON as a violation (ok is false for both).
func readPolicy(r *report, res Resource) ([]statement, bool) {
	pol := field(res.Props, "policy")
	stmts, known, err := policyStatements(pol)
	switch {
	case !known:
		r.needs(res, pol)
		return nil, false
	case err != nil:
		r.violation(res, "policy", "is not a JSON policy document", "give the policy as a JSON document")
		return nil, false
	}
	return stmts, true
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// everyone: the principal is "*" or {"AWS": "*"}.
func everyone(p any) bool {
	if s, ok := p.(string); ok {
		return s == "*"
	}
	if m, ok := p.(map[string]any); ok {
		for _, a := range strs(m["AWS"]) {
			if a == "*" {
				return true
			}
		}
	}
	return false
}

// onlyServices: the principal names AWS services and nothing else.
func onlyServices(p any) bool {
	m, ok := p.(map[string]any)
	if !ok {
		return false
	}
	for k := range m {
		if k != "Service" {
			return false
		}
	}
	return len(m) > 0
}

// actionMatches: an IAM action pattern (case-insensitive, * and ? wildcards) covers action.
func actionMatches(pattern, action string) bool {
	ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return ok
}

func checkS3NoCrossAccountAdmin(r *report, res Resource, _ Config) {
	stmts, ok := readPolicy(r, res)
	if !ok {
		return
	}
	for i, st := range stmts {
		if !strings.EqualFold(st.Effect, "Allow") || onlyServices(st.Principal) {
			continue
		}
		for _, a := range strs(st.Action) {
			for _, t := range takeoverActions {
				if actionMatches(a, t) {
					r.violation(res, "policy", "statement "+strconv.Itoa(i)+" lets a principal other than an AWS service call "+t+" (through "+a+")",
						"grant only the object actions the principal needs (e.g. s3:PutObject for log delivery)")
					return
				}
			}
		}
	}
}

// bucketTarget: how resources name a bucket (its id and name) and its URN.
func bucketTarget(b Resource) (urns, ids []string) {
	urns = []string{b.URN}
	for _, k := range []string{"id", "bucket"} {
		if s, ok := field(b.Props, k).str(); ok {
			ids = append(ids, s)
		}
	}
	return urns, ids
}

func isBucket(res Resource) bool { return res.Type == typeBucketV2 || res.Type == typeBucket }

// eachBucketNeeds reports every bucket that no resource of type typ (keyed by "bucket") satisfies.
func eachBucketNeeds(r *report, stack []Resource, typ, what, problem, fix string, ok func(Resource) verdict, inline func(Resource) verdict) {
	for _, b := range stack {
		if !isBucket(b) {
			continue
		}
		if inline != nil && inline(b) == yes {
			continue
		}
		urns, ids := bucketTarget(b)
		switch covered(stack, typ, "bucket", urns, ids, ok) {
		case undecided:
			r.unverifiable(b, what, "a "+typ+"'s bucket or settings are unknown")
		case no:
			r.violation(b, what, problem, fix)
		}
	}
}

func checkS3PublicAccessBlock(r *report, stack []Resource, _ Config) {
	eachBucketNeeds(r, stack, typeBucketPAB, "public access block",
		"no aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock with all four settings true covers this bucket",
		"add a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true",
		func(res Resource) verdict {
			result := yes
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				switch field(res.Props, k).isTrue() {
				case no:
					return no
				case undecided:
					result = undecided
				}
			}
			return result
		}, nil)
}

func checkS3TLSOnly(r *report, stack []Resource, _ Config) {
	eachBucketNeeds(r, stack, typeBucketPolicy, "policy",
		"no bucket policy denies requests made without TLS",
		`add a statement {Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, bucket/*], Condition: {Bool: {"aws:SecureTransport": "false"}}}`,
		func(res Resource) verdict {
			stmts, known, err := policyStatements(field(res.Props, "policy"))
			if !known {
				return undecided
			}
			if err != nil {
				return no
			}
			for _, st := range stmts {
				if !strings.EqualFold(st.Effect, "Deny") || !everyone(st.Principal) {
					continue
				}
				allActions := false
				for _, a := range strs(st.Action) {
					allActions = allActions || a == "*" || strings.EqualFold(a, "s3:*")
				}
				v, has := st.Condition["Bool"]["aws:SecureTransport"]
				if allActions && has && (v == "false" || v == false) {
					return yes
				}
			}
			return no
		}, nil)
}

func checkS3AccessLogging(r *report, stack []Resource, _ Config) {
	eachBucketNeeds(r, stack, typeBucketLogging, "server access logging",
		"no aws:s3/bucketLoggingV2:BucketLoggingV2 sends this bucket's server access logs anywhere",
		"add a BucketLoggingV2 {bucket: this bucket, targetBucket: a log bucket}; a log bucket itself is a documented suppression",
		func(res Resource) verdict {
			if field(res.Props, "targetBucket").st == absent {
				return no
			}
			return yes
		},
		func(b Resource) verdict { return nonEmptyList(field(b.Props, "loggings")) })
}

func checkS3OwnerEnforced(r *report, stack []Resource, _ Config) {
	eachBucketNeeds(r, stack, typeBucketOwnership, "ownership controls",
		"no aws:s3/bucketOwnershipControls:BucketOwnershipControls sets BucketOwnerEnforced on this bucket, so ACLs still apply",
		`add BucketOwnershipControls {rule: {objectOwnership: "BucketOwnerEnforced"}}`,
		func(res Resource) verdict {
			n := field(res.Props, "rule").get("objectOwnership")
			return n.is("BucketOwnerEnforced")
		}, nil)
}

func checkS3Lifecycle(r *report, stack []Resource, _ Config) {
	eachBucketNeeds(r, stack, typeBucketLifecycle, "lifecycle",
		"no aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2 with an enabled rule covers this bucket, so objects are kept forever",
		`add a BucketLifecycleConfigurationV2 with a rule {status: "Enabled", expiration: {days: N}}`,
		func(res Resource) verdict {
			rules := field(res.Props, "rules")
			if rules.st == unknown {
				return undecided
			}
			result := no
			for _, rule := range rules.items() {
				switch rule.get("status").is("Enabled") {
				case yes:
					return yes
				case undecided:
					result = undecided
				}
			}
			return result
		},
		func(b Resource) verdict { return nonEmptyList(field(b.Props, "lifecycleRules")) })
}

func nonEmptyList(n node) verdict {
	if n.st == unknown {
		return undecided
	}
	if n.isArray() && len(n.items()) > 0 {
		return yes
	}
	return no
}
