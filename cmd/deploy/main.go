// Command deploy releases one stack safely: `pulumi up` with the policy pack, then it follows the
// ECS (rolling) or CodeDeploy (blue-green) rollout, verifies the new version answers from every
// Availability Zone, and rolls back on a failed check or an alarm. It acts in the stack's region
// (aws:region in Pulumi.<stack>.yaml). Exit status: 0 released (or -h), 1 failed (rolled back
// when possible; the summary says to what), 2 bad flags or a region that is not the stack's.
//
//	go run ./cmd/deploy -stack prod [-dry-run] [-timeout 30m] [-verify-samples 20]
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"example.com/webstack/program"
	"example.com/webstack/release"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := release.ParseFlags(args)
	var help *release.HelpRequested
	if errors.As(err, &help) {
		help.Print(stderr) // like the flag package's own -h: usage on stderr, exit 0
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "deploy: %v\n%s\n", err, release.Usage)
		return release.ExitBadFlags
	}
	root, err := filepath.Abs(f.Root)
	if err == nil {
		// The inline program runs in this process, and relative paths in stack config (the
		// Docker build context) resolve against the working directory, as under `pulumi up`
		// in the project directory: run from -root, wherever the command was started.
		err = os.Chdir(root)
	}
	if err != nil {
		fmt.Fprintf(stderr, "deploy: -root %s: %v\n", f.Root, err)
		return 1
	}
	region, err := releaseRegion(root, f.Stack, f.Region, os.Getenv("AWS_REGION"))
	if err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return 2
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return 1
	}
	engine := &autoEngine{stackName: f.Stack, root: root, program: program.Run,
		pulumiCLI: absFrom(root, f.Pulumi), policyPack: absFrom(root, f.PolicyPack)}
	d := &release.Deployer{
		Engine:      engine,
		ECS:         ecs.NewFromConfig(cfg),
		CodeDeploy:  codedeploy.NewFromConfig(cfg),
		CloudWatch:  cloudwatch.NewFromConfig(cfg),
		ELB:         elbv2.NewFromConfig(cfg),
		STS:         sts.NewFromConfig(cfg),
		AutoScaling: applicationautoscaling.NewFromConfig(cfg),
		Sampler:     release.NewHTTPSampler(10 * time.Second),
		Out:         stdout,
		Config:      f.Config,
	}
	if f.Check {
		_, err = d.Check(ctx, engine)
	} else {
		_, err = d.Run(ctx)
	}
	var failed *release.ReleaseFailedError
	var interrupted *release.InterruptedError
	if err != nil && !errors.As(err, &failed) && !errors.As(err, &interrupted) { // those already printed their summary
		fmt.Fprintln(stderr, "deploy:", err)
	}
	return release.ExitCode(err)
}

// releaseRegion is the region the release acts in: the stack's aws:region, the one `pulumi up`
// changes. -region and AWS_REGION may repeat it, never differ: following and rolling back in
// another region would watch the wrong service.
func releaseRegion(root, stack, flagRegion, envRegion string) (string, error) {
	region, err := program.StackRegion(root, stack)
	if err != nil {
		return "", err
	}
	for _, other := range []struct{ name, value string }{{"-region", flagRegion}, {"AWS_REGION", envRegion}} {
		if other.value != "" && other.value != region {
			return "", fmt.Errorf("%s is %s, but stack %s is in %s (aws:region in Pulumi.%s.yaml): the release follows the stack's region; "+
				"unset %s or set it to %s (or change the stack's aws:region)", other.name, other.value, stack, region, stack, other.name, region)
		}
	}
	return region, nil
}

func absFrom(root, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}
