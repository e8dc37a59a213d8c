// Command deploy releases one stack safely: `pulumi up` with the policy pack, then it follows the
// ECS (rolling) or CodeDeploy (blue-green) rollout, verifies the new version answers from every
// Availability Zone, and rolls back on a failed check or an alarm. Exit status: 0 released,
// 1 failed (rolled back when possible; the summary says to what), 2 bad flags.
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
	var opts []func(*config.LoadOptions) error
	if f.Region != "" {
		opts = append(opts, config.WithRegion(f.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err == nil && cfg.Region == "" {
		err = errors.New("no AWS region: pass -region or set AWS_REGION")
	}
	if err != nil {
		fmt.Fprintln(stderr, "deploy:", err)
		return 1
	}
	d := &release.Deployer{
		Engine: &autoEngine{stackName: f.Stack, root: root, program: program.Run,
			pulumiCLI: absFrom(root, f.Pulumi), policyPack: absFrom(root, f.PolicyPack)},
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
	_, err = d.Run(ctx)
	var failed *release.ReleaseFailedError
	var interrupted *release.InterruptedError
	if err != nil && !errors.As(err, &failed) && !errors.As(err, &interrupted) { // those already printed their summary
		fmt.Fprintln(stderr, "deploy:", err)
	}
	return release.ExitCode(err)
}

func absFrom(root, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}
