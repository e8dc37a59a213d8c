package components

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The container of the task: the secrets and environment it may take, and its definition in the
// shape of the ECS API.

var (
	envNameRe   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	ecsNameRe   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)
	secretARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:\d{12}:parameter/|secretsmanager:[a-z0-9-]+:\d{12}:secret:).+$`)
	kmsKeyARNRe = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-zA-Z-]+$`)
	// The random suffix Secrets Manager appends to a secret's name in its ARN: "-" and 6 characters.
	secretSuffixRe = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)
)

// ValidKMSKeyARN reports whether arn is a KMS key ARN (not an alias: IAM authorizes kms:Decrypt on
// the key's ARN).
func ValidKMSKeyARN(arn string) bool { return kmsKeyARNRe.MatchString(arn) }

// SecretResourceARN is the IAM resource that covers a container secret's valueFrom. An SSM
// parameter ARN is its own resource. A Secrets Manager valueFrom may carry a JSON key, version
// stage and version id after the secret's ARN ("arn:...:secret:name-AbCdEf:json-key:stage:id", ECS
// developer guide, "Pass Secrets Manager secrets through environment variables"): the resource is
// the first seven fields. A partial ARN (the name without Secrets Manager's "-" and 6 random
// characters) becomes "name-??????", which IAM matches against the full ARN (Secrets Manager user
// guide, "Resource: secret ARN" in its IAM policy examples). As Secrets Manager itself warns, a
// partial ARN whose name happens to end in "-" and six letters or digits reads as a full one: give
// full ARNs for such names.
func SecretResourceARN(valueFrom string) string {
	fields := strings.Split(valueFrom, ":")
	if len(fields) < 7 || fields[2] != "secretsmanager" {
		return valueFrom
	}
	arn := strings.Join(fields[:7], ":")
	if !secretSuffixRe.MatchString(fields[6]) {
		arn += "-??????"
	}
	return arn
}

// secretService is the AWS service that hands a secret's value to ECS: the kms:ViaService of
// its decryption.
func secretService(valueFrom string) (service, region string) {
	fields := strings.Split(valueFrom, ":")
	return fields[2], fields[3]
}

// ValidEnvName reports whether name can be a container environment variable.
func ValidEnvName(name string) bool { return envNameRe.MatchString(name) }

// ValidSecretARN reports whether arn names an SSM parameter or a Secrets Manager secret, the two
// sources ECS injects through a container's secrets.
func ValidSecretARN(arn string) bool { return secretARNRe.MatchString(arn) }

// The container definition, in the shape of the ECS API (RegisterTaskDefinition).
type containerDefinition struct {
	Name                   string           `json:"name"`
	Image                  string           `json:"image"`
	Essential              bool             `json:"essential"`
	User                   string           `json:"user"`
	Privileged             bool             `json:"privileged"`
	ReadonlyRootFilesystem bool             `json:"readonlyRootFilesystem"`
	LinuxParameters        linuxParameters  `json:"linuxParameters"`
	PortMappings           []portMapping    `json:"portMappings"`
	Environment            []nameValue      `json:"environment"`
	Secrets                []nameValueFrom  `json:"secrets,omitempty"`
	HealthCheck            healthCheck      `json:"healthCheck"`
	StopTimeout            int              `json:"stopTimeout"`
	LogConfiguration       logConfiguration `json:"logConfiguration"`
	MountPoints            []mountPoint     `json:"mountPoints,omitempty"`
}

type linuxParameters struct {
	Capabilities       capabilities `json:"capabilities"`
	InitProcessEnabled bool         `json:"initProcessEnabled"`
}

// capabilities is rendered as ECS returns it: with add, even empty. ECS stores {"drop": ["ALL"]}
// as {"add": [], "drop": ["ALL"]}, and the provider's equivalence does not look inside
// linuxParameters, so a missing add replaced the task definition on every up (issue 12 item 1;
// internal/awsmodel DescribedContainerDefinitions has the sources).
type capabilities struct {
	Add  []string `json:"add"`
	Drop []string `json:"drop"`
}

// portMapping: under awsvpc ECS returns hostPort = containerPort; it is sent the same.
type portMapping struct {
	ContainerPort int    `json:"containerPort"`
	HostPort      int    `json:"hostPort"`
	Protocol      string `json:"protocol"`
	Name          string `json:"name"`
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type nameValueFrom struct {
	Name      string `json:"name"`
	ValueFrom string `json:"valueFrom"`
}

type healthCheck struct {
	Command     []string `json:"command"`
	Interval    int      `json:"interval"`
	Timeout     int      `json:"timeout"`
	Retries     int      `json:"retries"`
	StartPeriod int      `json:"startPeriod"`
}

type logConfiguration struct {
	LogDriver string            `json:"logDriver"`
	Options   map[string]string `json:"options"`
}

type mountPoint struct {
	SourceVolume  string `json:"sourceVolume"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

// execMounts: the ECS Exec agent writes under /var/lib/amazon and /var/log/amazon, which a
// read-only root filesystem would refuse; task-scoped volumes keep exec working without making
// the rest of the filesystem writable.
func execMounts(enabled bool) []mountPoint {
	if !enabled {
		return nil
	}
	return []mountPoint{
		{SourceVolume: "ecs-exec-lib", ContainerPath: "/var/lib/amazon"},
		{SourceVolume: "ecs-exec-log", ContainerPath: "/var/log/amazon"},
	}
}

// ReservedEnvironment are the container's variables the component sets itself (see
// componentEnvironment); Environment and Secrets may not name them.
var ReservedEnvironment = []string{"PORT", "DRAIN_DELAY", "SHUTDOWN_TIMEOUT", "IDLE_TIMEOUT"}

// componentEnvironment is the container's environment the component sets: its port and its
// shutdown and keep-alive timing.
func componentEnvironment(a ServiceArgs) map[string]string {
	return map[string]string{
		"PORT":             strconv.Itoa(a.ContainerPort),
		"DRAIN_DELAY":      fmt.Sprintf("%ds", DrainDelaySeconds),
		"SHUTDOWN_TIMEOUT": fmt.Sprintf("%ds", ShutdownTimeoutSeconds),
		"IDLE_TIMEOUT":     fmt.Sprintf("%ds", a.LoadBalancerIdleTimeoutSeconds+KeepAliveMarginSeconds),
	}
}

// ContainerDefinitions renders the task's containerDefinitions JSON. Every value in it is known
// during preview, so policies can read it in `pulumi preview`.
func ContainerDefinitions(region string, a ServiceArgs) (string, error) {
	env := componentEnvironment(a)
	for k, v := range a.Environment {
		if _, reserved := env[k]; reserved {
			return "", fmt.Errorf("Service: environment variable %s is set by the component", k)
		}
		env[k] = v
	}
	def := containerDefinition{
		Name:                   a.ContainerName,
		Image:                  a.Image,
		Essential:              true,
		User:                   ContainerUser,
		Privileged:             false,
		ReadonlyRootFilesystem: true,
		LinuxParameters: linuxParameters{
			Capabilities:       capabilities{Add: []string{}, Drop: []string{"ALL"}},
			InitProcessEnabled: true,
		},
		PortMappings: []portMapping{{ContainerPort: a.ContainerPort, HostPort: a.ContainerPort, Protocol: "tcp", Name: "http"}},
		// The API binary checks itself: no shell in the image.
		HealthCheck: healthCheck{Command: []string{"CMD", "/api", "healthcheck"}, Interval: 10, Timeout: 5, Retries: 3, StartPeriod: 10},
		StopTimeout: StopTimeoutSeconds,
		LogConfiguration: logConfiguration{LogDriver: "awslogs", Options: map[string]string{
			"awslogs-group":         a.LogGroupName,
			"awslogs-region":        region,
			"awslogs-stream-prefix": a.ContainerName,
			"mode":                  "non-blocking",
		}},
		MountPoints: execMounts(a.EnableExecuteCommand),
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		def.Environment = append(def.Environment, nameValue{Name: k, Value: env[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(a.Secrets)) {
		def.Secrets = append(def.Secrets, nameValueFrom{Name: k, ValueFrom: a.Secrets[k]})
	}
	b, err := json.Marshal([]containerDefinition{def})
	return string(b), err
}
