// Command deploy releases one stack safely: `pulumi up` with the policy pack, then it follows the
// ECS (rolling) or CodeDeploy (blue-green) rollout, verifies the new version answers from every
// Availability Zone it runs in, and rolls back on a failed check or an alarm. It acts in the stack's
// region (aws:region in Pulumi.<stack>.yaml). Exit status (the release package's Exit* constants):
// 0 released (or -h), 1 failed and rolled back (the previous version serves again), 2 bad flags or
// a region that is not the stack's, 3 failed and the rollback failed or was impossible or
// unconfirmed (act now), 4 nothing released (refused, or no deployment started), 130 interrupted.
//
// The first Ctrl-C (or SIGTERM) lets `pulumi up` cancel gracefully and stops following without
// rolling back; the second terminates the Pulumi CLI. Either way the command prints what may have
// changed and how to recover.
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

// terminateCLI ends at the second interrupt: the Pulumi CLI is then stopped at once.
var terminateCLI = context.Background()

func main() {
	ctx, interrupt := context.WithCancel(context.Background())
	hard, kill := context.WithCancel(context.Background())
	terminateCLI = hard
	go relaySignals(os.Stderr, interrupt, kill)
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// relaySignals turns the first SIGINT/SIGTERM into a graceful cancel and the second into terminate.
func relaySignals(stderr io.Writer, interrupt, kill func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	<-sigs
	fmt.Fprintln(stderr, "deploy: interrupted: pulumi (if running) cancels gracefully and finishes the operations in flight; "+
		"nothing is rolled back. Interrupt again to terminate pulumi at once (it may leave pending operations).")
	interrupt()
	<-sigs
	fmt.Fprintln(stderr, "deploy: interrupted again: terminating pulumi")
	kill()
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
		return release.ExitNothingReleased
	}
	region, err := releaseRegion(root, f.Stack, f.Region, os.Getenv("AWS_REGION"))
	if err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return release.ExitBadFlags
	}
	// The config `pulumi up` is about to apply, loaded as the program loads it: the release refuses
	// edits of the live stack one update cannot make (release/edits.go) and blue-green releases
	// that would overlap a scheduled scaling action (release/schedule.go).
	next, err := program.StackFileConfig(root, f.Stack)
	if err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return release.ExitNothingReleased
	}
	f.Config.Next = next.NextStack()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return release.ExitNothingReleased
	}
	engine := &autoEngine{stackName: f.Stack, root: root, program: program.Run, terminate: terminateCLI,
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
