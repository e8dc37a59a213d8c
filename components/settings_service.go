package components

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// The limits and defaults of the service's settings (task, variables, Fargate, autoscaling, image),
// in the shape of settings.go: one home each, used by the components' checks and by program's.

// MaxWebServiceNameLength keeps every name a WebService derives from its name within AWS limits;
// the tightest are IAM role names (64 characters), e.g. "<name>-app-exec-command" plus Pulumi's
// 8-character random suffix. (The ALB and target group use a 6-character name prefix.)
const MaxWebServiceNameLength = 24

var webServiceNameRe = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

// CheckWebServiceName checks the name a WebService derives its parts' names from.
func CheckWebServiceName(name string) *SettingError {
	if len(name) > MaxWebServiceNameLength || !webServiceNameRe.MatchString(name) {
		return settingErr(fmt.Sprintf("%q is not a valid name", name),
			"use 2 to %d lowercase letters, digits and hyphens, starting with a letter (it prefixes AWS names with tight length limits)", MaxWebServiceNameLength)
	}
	return nil
}

// Service defaults and limits.
const (
	// DefaultContainerPort is the port the container listens on.
	DefaultContainerPort = 8080
	// MinContainerPort: ports below 1024 need CAP_NET_BIND_SERVICE, which the container drops
	// with all other capabilities.
	MinContainerPort        = 1024
	DefaultContainerName    = "api"
	DefaultCPU              = 256
	DefaultMemory           = 512
	DefaultDesiredCount     = 2
	DefaultLogRetentionDays = 30
	// DefaultHealthCheckGracePeriodSeconds is how long ECS ignores a new task's failing ALB
	// health checks; MaxHealthCheckGracePeriodSeconds bounds it at two hours.
	DefaultHealthCheckGracePeriodSeconds = 30
	MaxHealthCheckGracePeriodSeconds     = 7200
	// MinTaskCount: one task per Availability Zone in two zones, so a deploy or the loss of a zone
	// leaves one serving. MaxTaskCount bounds the desired, maximum and scheduled counts.
	MinTaskCount = 2
	MaxTaskCount = 1000
	// DefaultFargateWeight is on-demand Fargate's weight in the default capacity provider
	// strategy; MaxFargateWeight and MaxFargateBase are ECS's limits on a strategy item
	// (CapacityProviderStrategyItem: weight 0-1000, base 0-100000).
	DefaultFargateWeight = 1
	MaxFargateWeight     = 1000
	MaxFargateBase       = 100000
)

// CheckContainerPort checks the port the container listens on (and the target group sends to).
func CheckContainerPort(port int) *SettingError {
	return CheckIntRange(port, MinContainerPort, MaxPort)
}

// CheckHealthCheckGracePeriod checks the service's health-check grace period.
func CheckHealthCheckGracePeriod(seconds int) *SettingError {
	return CheckIntRange(seconds, 0, MaxHealthCheckGracePeriodSeconds)
}

// CheckExecuteCommand refuses ECS Exec under blue-green releases: UpdateService refuses
// enableExecuteCommand on a CodeDeploy service, so it could never be switched off or on.
func CheckExecuteCommand(enabled, blueGreen bool) *SettingError {
	if enabled && blueGreen {
		return settingErr("ECS Exec cannot be used with blue-green releases: a CodeDeploy service refuses to switch it (UpdateService), so it could never be turned off or on",
			"turn it off, or use rolling releases on the stack you debug")
	}
	return nil
}

// checkFewest is the shape of a lower bound on a count of things (tasks, instances), with why.
func checkFewest(n, lo, hi int, unit, why string) *SettingError {
	if n < lo {
		return settingErr(fmt.Sprintf("%d %s(s): %s", n, unit, why), "use %d or more", lo)
	}
	return CheckIntRange(n, lo, hi)
}

// checkMost is the shape of an upper bound on a count, which is not below the lower.
func checkMost(most, fewest, lo, hi int, unit string) *SettingError {
	if most < fewest {
		return settingErr(fmt.Sprintf("%d is below the minimum of %d %s(s)", most, fewest, unit), "raise it to the minimum or more")
	}
	return CheckIntRange(most, lo, hi)
}

// secretLikeRe matches variable names that hold secrets, which belong in Secrets: environment
// values are stored in plain text in the task definition.
var secretLikeRe = regexp.MustCompile(`(?i)(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)`)

// checkVariableName refuses a container variable name that is invalid or the component's own.
func checkVariableName(name string) *SettingError {
	switch {
	case !ValidEnvName(name):
		return settingErr(fmt.Sprintf("%q is not a variable name", name), "use letters, digits and _, not starting with a digit")
	case slices.Contains(ReservedEnvironment, name):
		return settingErr(fmt.Sprintf("%s is set by the stack itself", name), "remove it (the container port sets PORT)")
	}
	return nil
}

// CheckEnvironmentName checks the name of a plain environment variable of the container.
func CheckEnvironmentName(name string) *SettingError {
	if err := checkVariableName(name); err != nil {
		return err
	}
	if secretLikeRe.MatchString(name) {
		return settingErr(fmt.Sprintf("%s looks like a secret; environment values are stored in plain text in the task definition", name),
			"store it in SSM Parameter Store or Secrets Manager and pass it as a secret (NAME=<arn>)")
	}
	return nil
}

// CheckSecret checks a secret variable: its name and the SSM parameter or Secrets Manager secret
// it is read from.
func CheckSecret(name, arn string) *SettingError {
	if err := checkVariableName(name); err != nil {
		return err
	}
	if !ValidSecretARN(arn) {
		return settingErr(fmt.Sprintf("%s: %q is not an SSM parameter or Secrets Manager secret ARN", name, arn),
			"use the full ARN (arn:aws:ssm:<region>:<account>:parameter/<name> or arn:aws:secretsmanager:<region>:<account>:secret:<name>)")
	}
	return nil
}

// CheckSecretKMSKey checks the customer managed key a secret is encrypted with.
func CheckSecretKMSKey(name, key string) *SettingError {
	if !ValidKMSKeyARN(key) {
		return settingErr(fmt.Sprintf("%s: %q is not a KMS key ARN", name, key),
			"give the key's ARN, arn:aws:kms:<region>:<account>:key/<key id> (an alias will not do), or none for a secret under the AWS managed key")
	}
	return nil
}

// CheckMinCount checks the fewest tasks the service runs.
func CheckMinCount(n int) *SettingError {
	return checkFewest(n, MinTaskCount, MaxTaskCount, "task", "one task is one Availability Zone, and a deploy or an AZ loss takes it down")
}

// CheckMaxCount checks the most tasks the service runs against the fewest.
func CheckMaxCount(maxCount, minCount int) *SettingError {
	return checkMost(maxCount, minCount, MinTaskCount, MaxTaskCount, "task")
}

// CheckDesiredCount checks the service's desired task count.
func CheckDesiredCount(n int) *SettingError { return CheckMinCount(n) }

// CheckFargateBase checks a capacity provider's base.
func CheckFargateBase(n int) *SettingError { return CheckIntRange(n, 0, MaxFargateBase) }

// CheckFargateWeight checks a capacity provider's weight.
func CheckFargateWeight(n int) *SettingError { return CheckIntRange(n, 0, MaxFargateWeight) }

// CheckFargateWeights checks that a strategy places tasks somewhere: ECS places none when every
// weight is 0.
func CheckFargateWeights(weights ...int) *SettingError {
	for _, w := range weights {
		if w > 0 {
			return nil
		}
	}
	return settingErr("every capacity provider weight is 0: ECS would place no tasks", "give at least one of them a weight of 1 or more")
}

// LogRetentionDays are the only retention periods CloudWatch Logs accepts (PutRetentionPolicy,
// retentionInDays, in the CloudWatch Logs API reference).
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// CheckLogRetentionDays checks a CloudWatch Logs retention period.
func CheckLogRetentionDays(days int) *SettingError {
	if !slices.Contains(LogRetentionDays, days) {
		list := make([]string, len(LogRetentionDays))
		for i, d := range LogRetentionDays {
			list[i] = fmt.Sprint(d)
		}
		return settingErr(fmt.Sprintf("%d is not a CloudWatch Logs retention period", days), "use one of %s", strings.Join(list, ", "))
	}
	return nil
}

// Autoscaling limits: target tracking between 10 and 95 percent (below, the service would scale
// out on noise; above, no headroom is left for a spike), cooldowns of at most an hour.
const (
	MinTargetPercent        = 10
	MaxTargetPercent        = 95
	MaxRequestsPerTarget    = 1_000_000
	MaxScaleCooldownSeconds = 3600
)

// CheckTargetPercent checks a CPU or memory target-tracking target.
func CheckTargetPercent(p int) *SettingError {
	return CheckIntRange(p, MinTargetPercent, MaxTargetPercent)
}

// CheckRequestsPerTarget checks the ALB requests per task per minute target.
func CheckRequestsPerTarget(n int) *SettingError { return CheckIntRange(n, 1, MaxRequestsPerTarget) }

// CheckScaleCooldown checks a scale-in or scale-out cooldown.
func CheckScaleCooldown(seconds int) *SettingError {
	return CheckIntRange(seconds, 0, MaxScaleCooldownSeconds)
}

var scheduleNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// CheckScaleSchedule checks one scheduled change of the scaling bounds.
func CheckScaleSchedule(s ScaleSchedule) *SettingError {
	expr := s.Schedule
	switch {
	case !scheduleNameRe.MatchString(s.Name):
		return settingErr(fmt.Sprintf("schedule name %q is not 1-200 letters, digits, _ and -", s.Name), "rename it")
	case !(strings.HasPrefix(expr, "cron(") || strings.HasPrefix(expr, "rate(") || strings.HasPrefix(expr, "at(")) || !strings.HasSuffix(expr, ")"):
		return settingErr(fmt.Sprintf("schedule %s: %q is not cron(...), rate(...) or at(...)", s.Name, expr), "write an EventBridge schedule expression, e.g. cron(0 8 ? * MON-FRI *)")
	case s.MinCount < MinTaskCount || s.MaxCount < s.MinCount || s.MaxCount > MaxTaskCount:
		return settingErr(fmt.Sprintf("schedule %s: min %d and max %d", s.Name, s.MinCount, s.MaxCount), "use %d <= min <= max <= %d", MinTaskCount, MaxTaskCount)
	}
	return nil
}

// The image platforms and the ECS CPU architectures (runtimePlatform.cpuArchitecture) they run as.
const (
	ImagePlatformAMD64   = "linux/amd64"
	ImagePlatformARM64   = "linux/arm64"
	CPUArchitectureX86   = "X86_64"
	CPUArchitectureARM64 = "ARM64"
)

// CPUArchitecture is an image platform in ECS runtimePlatform terms.
func CPUArchitecture(imagePlatform string) string {
	if imagePlatform == ImagePlatformARM64 {
		return CPUArchitectureARM64
	}
	return CPUArchitectureX86
}

// CheckFargateSpotArchitecture refuses Fargate Spot for ARM64 tasks: "Linux tasks with the ARM64
// architecture don't support the Fargate Spot capacity provider" (Amazon ECS developer guide,
// AWS Fargate capacity providers, considerations).
func CheckFargateSpotArchitecture(cpuArchitecture string, spotWeight int) *SettingError {
	if cpuArchitecture == CPUArchitectureARM64 && spotWeight > 0 {
		return settingErr("Fargate Spot does not run ARM64 (linux/arm64) tasks", "give Fargate Spot a weight of 0, or build the image for linux/amd64")
	}
	return nil
}

// Container image limits.
const (
	MaxUntaggedExpiryDays = 3650
	MaxImagesToKeep       = 10000
)

// CheckImagePlatform checks the image and task platform.
func CheckImagePlatform(p string) *SettingError {
	return CheckOneOf(p, ImagePlatformAMD64, ImagePlatformARM64)
}

// CheckECREncryption checks the ECR repository's encryption.
func CheckECREncryption(e string) *SettingError { return CheckOneOf(e, "AES256", "KMS") }

// CheckUntaggedExpiryDays checks after how many days untagged images expire.
func CheckUntaggedExpiryDays(days int) *SettingError {
	return CheckIntRange(days, 1, MaxUntaggedExpiryDays)
}

// CheckImagesToKeep checks how many images the repository keeps.
func CheckImagesToKeep(n int) *SettingError { return CheckIntRange(n, 1, MaxImagesToKeep) }
