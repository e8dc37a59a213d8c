package rules

// Policy names of the ECR rules.
const (
	PolicyECRImmutableScan = "ecr-immutable-scan-on-push"
	PolicyECRLifecycle     = "ecr-lifecycle-policy"
)

const (
	typeECRRepository = "aws:ecr/repository:Repository"
	typeECRLifecycle  = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
)

var ecrRules = []*Rule{
	{
		Name: PolicyECRImmutableScan, Description: "ECR repositories have IMMUTABLE tags and scan images on push.",
		Controls: []string{"ECR.1", "ECR.2"}, Level: Mandatory, Types: []string{typeECRRepository}, resource: checkECRRepository,
	},
	{
		Name: PolicyECRLifecycle, Description: "Every ECR repository has a lifecycle policy.",
		Controls: []string{"ECR.3"}, Level: Mandatory, stack: checkECRLifecycle,
	},
}

func checkECRRepository(r *report, res Resource, _ Config) {
	switch n := field(res.Props, "imageTagMutability"); n.is("IMMUTABLE") {
	case undecided:
		r.needs(res, n)
	case no:
		r.violationOf("ECR.2", res, n.path, "is "+n.show()+", so a pushed tag can be overwritten with a different image",
			`set imageTagMutability to "IMMUTABLE" and tag images by content`)
	}
	switch n := field(res.Props, "imageScanningConfiguration").get("scanOnPush"); n.isTrue() {
	case undecided:
		r.needs(res, n)
	case no:
		r.violation(res, n.path, "is "+n.show()+", so pushed images are not scanned for vulnerabilities",
			"set imageScanningConfiguration {scanOnPush: true}")
	}
}

func checkECRLifecycle(r *report, stack []Resource, _ Config) {
	var policies []Resource
	for _, res := range stack {
		if res.Type == typeECRLifecycle {
			policies = append(policies, res)
		}
	}
	for _, repo := range stack {
		if repo.Type != typeECRRepository {
			continue
		}
		name, nameKnown := field(repo.Props, "name").str()
		found := false
		for _, p := range policies {
			target, ok := field(p.Props, "repository").str()
			if (ok && nameKnown && target == name) || dependsOn(p, "repository", repo.URN) {
				found = true
			}
		}
		if !found {
			r.violation(repo, "lifecycle", "no aws:ecr/lifecyclePolicy:LifecyclePolicy applies to this repository, so images accumulate without limit",
				"add an ECR lifecycle policy (expire untagged images, keep the last N tagged)")
		}
	}
}
