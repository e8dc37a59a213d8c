package rules

import (
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// Policy names of the configurable ECS rules.
const (
	PolicyReadOnlyRootFS        = "ecs-read-only-root-fs"
	PolicyNoHostNamespaces      = "ecs-no-host-namespaces"
	PolicyContainerLogging      = "ecs-container-logging"
	PolicyNoSecretsInEnv        = "ecs-no-secrets-in-environment"
	PolicyNoPublicIP            = "ecs-no-public-ip"
	PolicyContainerInsights     = "ecs-cluster-container-insights"
	PolicyServiceCircuitBreaker = "ecs-service-circuit-breaker"
)

const (
	typeCluster = "aws:ecs/cluster:Cluster"
	typeTaskSet = "aws:ecs/taskSet:TaskSet"
)

var ecsRules = []*Rule{
	{
		Name: PolicyReadOnlyRootFS, Description: "ECS containers have a read-only root filesystem.",
		Controls: []string{"ECS.5"}, Level: Mandatory, Types: containerTypes, resource: checkReadOnlyRootFS,
	},
	{
		Name: PolicyNoHostNamespaces, Description: "ECS task definitions use neither the host network mode nor the host PID namespace.",
		Controls: []string{"ECS.1", "ECS.3"}, Level: Mandatory, Types: containerTypes, resource: checkNoHostNamespaces,
	},
	{
		Name: PolicyContainerLogging, Description: "Every container of an ECS task definition has a logConfiguration.",
		Controls: []string{"ECS.9"}, Level: Mandatory, Types: []string{typeTaskDefinition}, resource: checkContainerLogging,
	},
	{
		Name: PolicyNoSecretsInEnv, Description: "ECS container environment variables hold no secret-looking names or values (use secrets), including AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and ECS_ENGINE_AUTH_DATA.",
		Controls: []string{"ECS.8"}, Level: Mandatory, Types: containerTypes, resource: checkNoSecretsInEnv,
	},
	{
		Name: PolicyNoPublicIP, Description: "ECS services and task sets do not assign public IPs to tasks.",
		Controls: []string{"ECS.2", "ECS.16"}, Level: Mandatory, Types: append([]string{typeTaskSet}, serviceTypes...), resource: checkNoPublicIP,
	},
	{
		Name: PolicyContainerInsights, Description: "ECS clusters have Container Insights enabled.",
		Controls: []string{"ECS.12"}, Level: Mandatory, Types: []string{typeCluster}, resource: checkContainerInsights,
	},
	{
		Name: PolicyServiceCircuitBreaker, Description: "ECS services with the ECS deployment controller use the deployment circuit breaker with rollback.",
		Level: Mandatory, Types: serviceTypes, resource: checkCircuitBreaker,
	},
}

func checkReadOnlyRootFS(r *report, res Resource, _ Config) {
	for _, c := range readContainers(r, res) {
		switch ro := c.n.get("readonlyRootFilesystem"); ro.isTrue() {
		case undecided:
			r.needs(res, ro)
		case no:
			r.violation(res, ro.path, "is "+ro.show()+", so the container can write to its root filesystem",
				"set readonlyRootFilesystem to true and mount a volume for paths the app must write")
		}
	}
}

// taskArgs is where task-level settings live: the resource itself, or an awsx service's taskDefinitionArgs.
func taskArgs(res Resource) node {
	if res.Type == typeAwsxFargateService || res.Type == typeAwsxEC2Service {
		return field(res.Props, fieldTaskDefinitionArgs)
	}
	return node{v: property.New(res.Props), st: present}
}

func checkNoHostNamespaces(r *report, res Resource, _ Config) {
	args := taskArgs(res)
	for _, key := range []string{"networkMode", "pidMode"} {
		switch n := args.get(key); n.is("host") {
		case undecided:
			r.needs(res, n)
		case yes:
			control := "ECS.1"
			if key == "pidMode" {
				control = "ECS.3"
			}
			r.violationOf(control, res, n.path, `is "host", which shares the host's namespace with the containers`,
				`use networkMode "awsvpc" and leave pidMode unset (or "task")`)
		}
	}
}

func checkContainerLogging(r *report, res Resource, _ Config) {
	for _, c := range readContainers(r, res) {
		lc := c.n.get("logConfiguration")
		switch lc.get("logDriver").st {
		case unknown:
			r.needs(res, lc)
		case absent:
			r.violation(res, lc.path, "is unset, so the container's output is lost",
				`set logConfiguration {logDriver: "awslogs", options: {awslogs-group, awslogs-region, awslogs-stream-prefix}}`)
		}
	}
}

// secretNameParts and secretNamePairs match environment variable names that announce a secret;
// the name is split on "_", "-" and "." so DB_PASSWORD matches but TOKENIZER does not.
var secretNameParts = map[string]bool{
	"PASSWORD": true, "PASSWD": true, "SECRET": true, "TOKEN": true, "APIKEY": true,
	"CREDENTIAL": true, "CREDENTIALS": true, "PRIVATEKEY": true,
}
var secretNamePairs = []string{"API_KEY", "PRIVATE_KEY", "ACCESS_KEY", "SECRET_KEY", "AUTH_KEY", "CLIENT_SECRET", "AUTH_DATA"}

// secretValue matches well-known credential formats.
var secretValue = regexp.MustCompile(`(?:^|[^A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?:$|[^A-Z0-9])|-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bsk_live_[A-Za-z0-9]{20,}`)

func secretLookingName(name string) bool {
	upper := strings.ToUpper(name)
	parts := strings.FieldsFunc(upper, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	for _, p := range parts {
		if secretNameParts[p] {
			return true
		}
	}
	joined := strings.Join(parts, "_")
	for _, pair := range secretNamePairs {
		if strings.Contains("_"+joined+"_", "_"+pair+"_") {
			return true
		}
	}
	return false
}

const fixSecretEnv = "move it to the container's \"secrets\" (valueFrom a Secrets Manager secret or SSM SecureString parameter)"

func checkNoSecretsInEnv(r *report, res Resource, _ Config) {
	for _, c := range readContainers(r, res) {
		env := c.n.get("environment")
		if env.st == unknown {
			r.needs(res, env)
			continue
		}
		for _, e := range env.items() {
			name, value := e.get("name"), e.get("value")
			n, _ := name.str()
			label := e.path
			if n != "" && !name.secret {
				label = c.n.path + ".environment " + name.show()
			}
			switch {
			case name.st == unknown || value.st == unknown:
				r.needs(res, e)
			case secretLookingName(n):
				r.violation(res, label, "the name says it holds a secret, and environment values are visible to anyone who can describe the task definition", fixSecretEnv)
			case value.v.Secret() || e.v.Secret() || env.v.Secret():
				// Only a secret marked on the environment itself: a secret elsewhere in the
				// container definitions makes the whole JSON string secret, which says nothing here.
				r.violation(res, label, "the value is a Pulumi secret, written in plain text into the task definition", fixSecretEnv)
			default:
				if v, ok := value.str(); ok && secretValue.MatchString(v) {
					r.violation(res, label, "the value looks like a credential (value not shown)", fixSecretEnv)
				}
			}
		}
	}
}

func checkNoPublicIP(r *report, res Resource, _ Config) {
	switch n := field(res.Props, "networkConfiguration").get("assignPublicIp"); n.isTrue() {
	case undecided:
		r.needs(res, n)
	case yes:
		control := "ECS.2"
		if res.Type == typeTaskSet {
			control = "ECS.16"
		}
		r.violationOf(control, res, n.path, "is true, so every task gets a public IP address",
			"set assignPublicIp to false, run tasks in private subnets and reach the internet through NAT or VPC endpoints")
	}
}

func checkContainerInsights(r *report, res Resource, _ Config) {
	settings := field(res.Props, "settings")
	if settings.st == unknown {
		r.needs(res, settings)
		return
	}
	for _, s := range settings.items() {
		if s.get("name").is("containerInsights") != no {
			switch v := s.get("value"); {
			case v.st == unknown:
				r.needs(res, v)
			case v.is("enabled") == yes || v.is("enhanced") == yes:
			default:
				r.violation(res, v.path, "is "+v.show(), `set the containerInsights setting to "enabled" (or "enhanced")`)
			}
			return
		}
	}
	r.violation(res, "settings", "has no containerInsights setting, so Container Insights is off",
		`add settings [{name: "containerInsights", value: "enabled"}]`)
}

func checkCircuitBreaker(r *report, res Resource, _ Config) {
	controller := field(res.Props, "deploymentController").get("type")
	if controller.st == unknown {
		r.needs(res, controller)
		return
	}
	if c, ok := controller.str(); ok && !strings.EqualFold(c, "ECS") {
		return // CodeDeploy (blue/green) and external controllers roll back on their own terms
	}
	cb := field(res.Props, "deploymentCircuitBreaker")
	fix := "set deploymentCircuitBreaker {enable: true, rollback: true}"
	for _, key := range []string{"enable", "rollback"} {
		switch n := cb.get(key); n.isTrue() {
		case undecided:
			r.needs(res, n)
		case no:
			r.violation(res, n.path, "is "+n.show()+", so a failing deployment is not stopped and rolled back", fix)
		}
	}
}
