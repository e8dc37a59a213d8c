// Command webstack is the Pulumi program (runtime: go); its body is program.Run.
package main

import (
	"example.com/webstack/program"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(program.Run)
}
