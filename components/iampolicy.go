package components

import "encoding/json"

// The one way this package writes IAM policy documents (trust, role, key and bucket policies):
// typed statements, rendered by policyDocument.JSON. The provider compares policy documents by
// meaning, not text (awspolicyequivalence, on every policy argument used here), so a string
// written as a one-element list, or a key order change, is no diff on the next `pulumi up`.

type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid       string                    `json:"Sid,omitempty"`
	Effect    string                    `json:"Effect"`
	Principal any                       `json:"Principal,omitempty"` // "*", or {"Service"|"AWS": ...}
	Action    []string                  `json:"Action"`
	Resource  []string                  `json:"Resource,omitempty"`
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// policy is a policy document of the current language version.
func policy(statements ...statement) policyDocument {
	return policyDocument{Version: "2012-10-17", Statement: statements}
}

// servicePrincipal is the principal of an AWS service ("ecs-tasks.amazonaws.com").
func servicePrincipal(service string) map[string]string { return map[string]string{"Service": service} }

// assumedBy is the trust policy that lets service assume a role.
func assumedBy(service string) policyDocument {
	return policy(statement{Effect: "Allow", Principal: servicePrincipal(service), Action: []string{"sts:AssumeRole"}})
}

// JSON renders the document.
func (d policyDocument) JSON() (string, error) {
	b, err := json.Marshal(d)
	return string(b), err
}
