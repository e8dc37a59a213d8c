package components

import "fmt"

// fargateMemory lists, per task CPU (units), the memory sizes (MiB) Fargate accepts for Linux tasks,
// from "Task CPU and memory" in the Amazon ECS developer guide.
var fargateMemory = map[int][3]int{ // cpu -> {min, max, step}
	256:   {512, 2048, 0}, // 512, 1024, 2048 only
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// IsFargateCPU reports whether cpu is a Fargate task CPU size: when it is not, ValidateFargateSize
// fails because of the cpu, else because of the memory.
func IsFargateCPU(cpu int) bool {
	_, ok := fargateMemory[cpu]
	return ok
}

// ValidateFargateSize reports whether cpu/memory is a task size Fargate runs, and if not, which
// memory values would be valid for that cpu.
func ValidateFargateSize(cpu, memory int) error {
	r, ok := fargateMemory[cpu]
	if !ok {
		return fmt.Errorf("cpu %d is not a Fargate task size: use 256, 512, 1024, 2048, 4096, 8192 or 16384", cpu)
	}
	if cpu == 256 {
		if memory == 512 || memory == 1024 || memory == 2048 {
			return nil
		}
		return fmt.Errorf("memory %d is not valid with cpu 256: use 512, 1024 or 2048", memory)
	}
	if memory < r[0] || memory > r[1] || (memory-r[0])%r[2] != 0 {
		return fmt.Errorf("memory %d is not valid with cpu %d: use %d to %d in steps of %d", memory, cpu, r[0], r[1], r[2])
	}
	return nil
}
