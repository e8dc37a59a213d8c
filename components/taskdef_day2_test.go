package components

import (
	"testing"

	"example.com/webstack/internal/awsmodel"
)

// TestContainerDefinitionsAreWhatECSReturns (issue 12 item 1): the provider stores the task
// definition as ECS returns it and compares our next rendering with that using its own
// equivalence, which does not look inside nested objects. Anything ECS fills in that we did not
// send (capabilities.add) replaced the task definition on every `pulumi up`. The rendering must
// be equivalent to its own read-back, with and without ECS Exec's mount points.
func TestContainerDefinitionsAreWhatECSReturns(t *testing.T) {
	for _, exec := range []bool{false, true} {
		a := *serviceArgs()
		a.ContainerName, a.ContainerPort, a.EnableExecuteCommand = "api", 8080, exec
		sent, err := ContainerDefinitions("eu-west-1", a)
		if err != nil {
			t.Fatal(err)
		}
		described, err := awsmodel.DescribedContainerDefinitions(sent, "awsvpc")
		if err != nil {
			t.Fatal(err)
		}
		same, err := awsmodel.ContainerDefinitionsEquivalent(described, sent, true)
		if err != nil {
			t.Fatal(err)
		}
		if !same {
			t.Errorf("exec %v: the provider sees a difference between what we send and what ECS returns, so the task definition "+
				"is replaced on every up:\nsent      %s\ndescribed %s", exec, sent, described)
		}
	}
}
