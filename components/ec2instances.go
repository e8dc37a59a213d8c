package components

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ec2InstanceSize is what ECS can place on one instance of a type: vCPUs, nominal memory and
// network interfaces (from the EC2 instance type specifications).
type ec2InstanceSize struct {
	VCPU, MemoryGiB, ENIs int
}

// ec2InstanceSizes are the instance types the program can size tasks for. Types not listed are
// refused rather than guessed: a task larger than every instance stays in PROVISIONING forever.
var ec2InstanceSizes = map[string]ec2InstanceSize{
	"t3.medium": {2, 4, 3}, "t3.large": {2, 8, 3}, "t3.xlarge": {4, 16, 4}, "t3.2xlarge": {8, 32, 4},
	"t3a.medium": {2, 4, 3}, "t3a.large": {2, 8, 3}, "t3a.xlarge": {4, 16, 4}, "t3a.2xlarge": {8, 32, 4},
	"t4g.medium": {2, 4, 3}, "t4g.large": {2, 8, 3}, "t4g.xlarge": {4, 16, 4}, "t4g.2xlarge": {8, 32, 4},
	"m6i.large": {2, 8, 3}, "m6i.xlarge": {4, 16, 4}, "m6i.2xlarge": {8, 32, 4}, "m6i.4xlarge": {16, 64, 8},
	"m7i.large": {2, 8, 3}, "m7i.xlarge": {4, 16, 4}, "m7i.2xlarge": {8, 32, 4}, "m7i.4xlarge": {16, 64, 8},
	"m6g.large": {2, 8, 3}, "m6g.xlarge": {4, 16, 4}, "m6g.2xlarge": {8, 32, 4}, "m6g.4xlarge": {16, 64, 8},
	"m7g.large": {2, 8, 3}, "m7g.xlarge": {4, 16, 4}, "m7g.2xlarge": {8, 32, 4}, "m7g.4xlarge": {16, 64, 8},
	"c6i.large": {2, 4, 3}, "c6i.xlarge": {4, 8, 4}, "c6i.2xlarge": {8, 16, 4}, "c6i.4xlarge": {16, 32, 8},
	"c7g.large": {2, 4, 3}, "c7g.xlarge": {4, 8, 4}, "c7g.2xlarge": {8, 16, 4}, "c7g.4xlarge": {16, 32, 8},
	"r6i.large": {2, 16, 3}, "r6i.xlarge": {4, 32, 4}, "r6i.2xlarge": {8, 64, 4},
	"r7g.large": {2, 16, 3}, "r7g.xlarge": {4, 32, 4}, "r7g.2xlarge": {8, 64, 4},
}

// ec2UsableMemoryPercent: the agent registers the memory the kernel reports, less than the
// nominal size (an m4.large registers 7985 of 8192 MiB), and the agent and Docker need some of
// that; a task may claim at most this share of the nominal memory.
const ec2UsableMemoryPercent = 90

// EC2SupportedInstanceTypes lists the instance types EC2TasksPerInstance knows, sorted.
func EC2SupportedInstanceTypes() []string {
	return slices.Sorted(maps.Keys(ec2InstanceSizes))
}

// EC2TasksPerInstance is how many awsvpc tasks of cpu units and memory MiB one instance of the
// smallest listed type holds (each task takes one of its network interfaces, the instance keeps
// the primary one; no ENI trunking). An error names an unknown type or a task that fits none.
func EC2TasksPerInstance(instanceTypes []string, cpu, memory int) (int, error) {
	if cpu < 128 || memory < 128 {
		return 0, fmt.Errorf("task size %d CPU units / %d MiB is below the ECS minimum of 128 / 128", cpu, memory)
	}
	fewest := -1
	for _, t := range instanceTypes {
		size, ok := ec2InstanceSizes[t]
		if !ok {
			return 0, fmt.Errorf("instance type %q has no sizing entry: use one of %s", t, strings.Join(EC2SupportedInstanceTypes(), ", "))
		}
		usable := size.MemoryGiB * 1024 * ec2UsableMemoryPercent / 100
		if cpu > size.VCPU*1024 || memory > usable {
			return 0, fmt.Errorf("a task of %d CPU units / %d MiB does not fit a %s (%d CPU units, %d MiB usable of %d GiB): use a smaller task or a larger instance type",
				cpu, memory, t, size.VCPU*1024, usable, size.MemoryGiB)
		}
		n := min(size.ENIs-1, size.VCPU*1024/cpu, usable/memory)
		if fewest < 0 || n < fewest {
			fewest = n
		}
	}
	if fewest < 0 {
		return 0, fmt.Errorf("no instance types given")
	}
	return fewest, nil
}
