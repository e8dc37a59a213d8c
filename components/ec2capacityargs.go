package components

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The settings of an EC2Capacity: defaults, the inputs the service supplies (wiring) and the
// checks of every setting, with the instance-type rules they rest on.

var capacityProviderNamePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// instanceTypePattern is family.size, e.g. t3.medium, m7gd.2xlarge, u-6tb1.metal.
var instanceTypePattern = regexp.MustCompile(`^([a-z][a-z0-9-]*?)([0-9]+)([a-z-]*)\.[a-z0-9-]+$`)

// EC2InstanceArchitecture is the CPU architecture of an instance type in ECS runtimePlatform
// terms, "ARM64" or "X86_64", for checking that a task definition's cpuArchitecture matches the
// instances. It follows EC2's naming: a "g" among the attributes after the generation digit
// (t4g, m7gd, c7gn, g5g) marks an AWS Graviton processor; the one family named otherwise is the
// first Graviton generation, a1.
func EC2InstanceArchitecture(instanceType string) string {
	m := instanceTypePattern.FindStringSubmatch(instanceType)
	if m != nil && (strings.Contains(m[3], "g") || m[1] == "a" && m[2] == "1") {
		return CPUArchitectureARM64
	}
	return CPUArchitectureX86
}

// CheckInstanceTypes checks the instance types of EC2 capacity that runs tasks of
// cpuArchitecture: every problem, one each.
func CheckInstanceTypes(types []string, cpuArchitecture string) []*SettingError {
	if len(types) == 0 {
		return []*SettingError{settingErr("empty: the Auto Scaling group needs at least one instance type", "use e.g. [%q]", DefaultInstanceType)}
	}
	var errs []*SettingError
	for i, t := range types {
		switch arch := EC2InstanceArchitecture(t); {
		case !instanceTypePattern.MatchString(t):
			errs = append(errs, settingErr(fmt.Sprintf("%q is not an EC2 instance type", t), "give one like %s", DefaultInstanceType))
		case slices.Index(types, t) != i:
			errs = append(errs, settingErr(fmt.Sprintf("%s is listed twice", t), "keep one entry"))
		case arch != cpuArchitecture:
			errs = append(errs, settingErr(fmt.Sprintf("%s is %s, but the instances must run %s tasks (one launch template, one AMI)", t, arch, cpuArchitecture),
				"list types of the task's one architecture (Graviton types such as t4g and m7g are ARM64), or build the image for the other platform"))
		}
	}
	return errs
}

// EC2Capacity defaults (MaxInstances defaults to DefaultMaxInstances(MinInstances)).
const (
	DefaultInstanceType          = "t3.medium"
	DefaultMinInstances          = 2
	DefaultTargetCapacityPercent = 100
	DefaultRootVolumeSizeGiB     = 30
)

func (a EC2CapacityArgs) withDefaults() EC2CapacityArgs {
	if len(a.InstanceTypes) == 0 {
		a.InstanceTypes = []string{DefaultInstanceType}
	}
	if a.MinInstances == 0 {
		a.MinInstances = DefaultMinInstances
	}
	if a.MaxInstances == 0 {
		a.MaxInstances = DefaultMaxInstances(a.MinInstances)
	}
	if a.TargetCapacityPercent == 0 {
		a.TargetCapacityPercent = DefaultTargetCapacityPercent
	}
	if a.RootVolumeSizeGiB == 0 {
		a.RootVolumeSizeGiB = DefaultRootVolumeSizeGiB
	}
	if a.AMIParameterName == "" {
		a.AMIParameterName = ECSAMIParameterX86
		if EC2InstanceArchitecture(a.InstanceTypes[0]) == CPUArchitectureARM64 {
			a.AMIParameterName = ECSAMIParameterArm64
		}
	}
	if a.ContainerStopTimeoutSeconds == 0 {
		a.ContainerStopTimeoutSeconds = 30
	}
	return a
}

// wiring checks the inputs that come from the service and the network.
func (a EC2CapacityArgs) wiring() error {
	if a.ClusterName == nil || a.VPCID == nil || a.SubnetIDs == nil {
		return errors.New("ClusterName, VPCID and SubnetIDs are required: pass the cluster's name and the network's VPC id and private subnet ids")
	}
	return nil
}

// validate reports every problem of the settings (plain subnet ids included, when given).
func (a EC2CapacityArgs) validate(name string) error {
	var errs []error
	if a.Name == "" {
		errs = append(errs, CheckCapacityProviderName(name).For("EC2Capacity name (the capacity provider's name derives from it)"))
	} else {
		errs = append(errs, CheckCapacityProviderName(a.Name).For("Name"))
	}
	if a.Name != "" && !capacityProviderNamePattern.MatchString(a.Name) {
		//lint:ignore ST1005 the message starts with the field's name, as every args check's does
		errs = append(errs, fmt.Errorf("Name %q is not a capacity provider name: use 1-255 letters, digits, - and _", a.Name))
	}
	// The subnets are wiring (the Network's private subnets, whose ids it checks): only their count
	// is a rule of this component.
	if ids, ok := plainStrings(a.SubnetIDs); ok && len(ids) < MinEC2Instances {
		errs = append(errs, fmt.Errorf("SubnetIDs has %d subnet(s): give at least %d, in different availability zones", len(ids), MinEC2Instances))
	}
	// One launch template has one AMI, so the types share the first one's architecture.
	errs = append(errs, joinFor("InstanceTypes", CheckInstanceTypes(a.InstanceTypes, EC2InstanceArchitecture(a.InstanceTypes[0]))))
	errs = append(errs,
		CheckMinInstances(a.MinInstances).For("MinInstances"),
		CheckMaxInstances(a.MaxInstances, a.MinInstances).For("MaxInstances"),
		CheckTargetCapacityPercent(a.TargetCapacityPercent).For("TargetCapacityPercent"),
		CheckSpotInstancePercent(a.SpotInstancePercent).For("SpotInstancePercent"),
		CheckRootVolumeSize(a.RootVolumeSizeGiB).For("RootVolumeSizeGiB"))
	if strings.HasPrefix(a.AMIParameterName, "resolve:") || strings.HasPrefix(a.AMIParameterName, "ami-") || strings.ContainsAny(a.AMIParameterName, " \t\n") {
		errs = append(errs, fmt.Errorf("AMIParameterName %q is not an SSM parameter name: give one like %s", a.AMIParameterName, ECSAMIParameterX86))
	}
	if a.ContainerStopTimeoutSeconds < 2 || a.ContainerStopTimeoutSeconds > 120 {
		errs = append(errs, fmt.Errorf("ContainerStopTimeoutSeconds is %d: use 2 to 120, the task definition's stopTimeout", a.ContainerStopTimeoutSeconds))
	}
	for i, p := range a.AdditionalCapacityProviders {
		if p == "" || slices.Index(a.AdditionalCapacityProviders, p) != i {
			errs = append(errs, fmt.Errorf("AdditionalCapacityProviders[%d] %q is empty or listed twice", i, p))
		}
	}
	return errors.Join(errs...)
}

// plainStrings returns the values of a pulumi.StringArray of plain strings, the one form of
// StringArrayInput whose length is known before deployment.
func plainStrings(in pulumi.StringArrayInput) ([]string, bool) {
	arr, ok := in.(pulumi.StringArray)
	if !ok {
		return nil, false
	}
	out := make([]string, len(arr))
	for i, v := range arr {
		s, ok := v.(pulumi.String)
		if !ok {
			return nil, false
		}
		out[i] = string(s)
	}
	return out, true
}
