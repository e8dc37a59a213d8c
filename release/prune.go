package release

// Pruning old task definition revisions after a successful release.
//
// The program keeps replaced task definition revisions ACTIVE (pulumi-aws
// ecs.TaskDefinitionArgs.SkipDestroy: "Whether to retain the old revision when the resource is
// destroyed or replacement is necessary"), because ECS refuses an INACTIVE revision to
// UpdateService and CreateTaskSet (DeregisterTaskDefinition API reference), and those are exactly
// the calls a rollback makes. Kept forever they pile up, so the deploy command deregisters the
// ones beyond -keep-revisions after a release succeeded, and never one that serves or may be
// rolled back to.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// DefaultKeepRevisions is how many of the newest ACTIVE task definition revisions a release keeps
// (-keep-revisions).
const DefaultKeepRevisions = 10

// MinKeepRevisions is the smallest non-zero -keep-revisions: the revision serving and the one
// before it (the rollback target) are always kept, so a smaller number would promise less than
// the command does.
const MinKeepRevisions = 2

// TaskDefinitionAPI is the part of *ecs.Client that pruning and the -check mode use.
type TaskDefinitionAPI interface {
	ListTaskDefinitions(context.Context, *ecs.ListTaskDefinitionsInput, ...func(*ecs.Options)) (*ecs.ListTaskDefinitionsOutput, error)
	DeregisterTaskDefinition(context.Context, *ecs.DeregisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DeregisterTaskDefinitionOutput, error)
	DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
}

// revision is one task definition revision named by its ARN
// (arn:aws:ecs:REGION:ACCOUNT:task-definition/FAMILY:REVISION).
type revision struct {
	arn    string
	family string
	number int
}

// parseRevision reads family and revision number from a task definition ARN.
func parseRevision(arn string) (revision, bool) {
	_, rest, ok := strings.Cut(arn, ":task-definition/")
	if !ok {
		return revision{}, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return revision{}, false
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil || n < 1 {
		return revision{}, false
	}
	return revision{arn: arn, family: rest[:i], number: n}, true
}

// activeRevisions lists every ACTIVE revision of exactly family, newest first.
//
// ListTaskDefinitions documents familyPrefix as "the full family name" and getmoto/moto#2602
// reports it matching whole family names only; the exact-family filter below costs nothing and
// keeps a prefix match, should AWS ever make one, from pruning another family ("webstack-worker"
// under "webstack"). status ACTIVE is the default; it is sent anyway so every page uses the same
// one, as the reference asks of paginated calls.
func activeRevisions(ctx context.Context, api TaskDefinitionAPI, family string) ([]revision, error) {
	var revs []revision
	p := ecs.NewListTaskDefinitionsPaginator(api, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family),
		Status: ecstypes.TaskDefinitionStatusActive, Sort: ecstypes.SortOrderDesc})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ecs ListTaskDefinitions %s: %w", family, err)
		}
		for _, arn := range page.TaskDefinitionArns {
			if r, ok := parseRevision(arn); ok && r.family == family {
				revs = append(revs, r)
			}
		}
	}
	// DESC is documented as newest first; sorting here makes "newest" not depend on it.
	slices.SortFunc(revs, func(a, b revision) int { return b.number - a.number })
	return revs, nil
}

// deregisterBeyond deregisters the revisions (newest first) beyond the keep newest, except the
// protected ones. It deregisters all it can and returns what it deregistered and every error.
func deregisterBeyond(ctx context.Context, api TaskDefinitionAPI, revs []revision, keep int, protected map[string]bool) ([]string, error) {
	var done []string
	var errs []error
	for i, r := range revs {
		if i < keep || protected[r.arn] {
			continue
		}
		if _, err := api.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(r.arn)}); err != nil {
			errs = append(errs, fmt.Errorf("ecs DeregisterTaskDefinition %s: %w", r.arn, err))
			continue
		}
		done = append(done, r.arn)
	}
	return done, errors.Join(errs...)
}

// protectedRevisions are the revisions a prune must never deregister: every one the service
// references (its task definition, each deployment's, each task set's: under CodeDeploy the old
// task set still waits for termination and is what a rollback reroutes to), the one the release
// started from, and the newest ACTIVE revision older than the one serving (its rollback target,
// even when this release registered nothing new).
func protectedRevisions(svc ecstypes.Service, serving, previous string, active []revision) map[string]bool {
	p := map[string]bool{serving: true}
	if previous != "" {
		p[previous] = true
	}
	if td := aws.ToString(svc.TaskDefinition); td != "" {
		p[td] = true
	}
	for _, dep := range svc.Deployments {
		p[aws.ToString(dep.TaskDefinition)] = true
	}
	for _, ts := range svc.TaskSets {
		p[aws.ToString(ts.TaskDefinition)] = true
	}
	if cur, ok := parseRevision(serving); ok {
		for _, r := range active { // newest first
			if r.number < cur.number {
				p[r.arn] = true
				break
			}
		}
	}
	delete(p, "")
	return p
}

// pruneAfterRelease runs after a successful release. Its failures are warnings: the release
// itself succeeded, and the revisions left ACTIVE are harmless.
func (d *Deployer) pruneAfterRelease(ctx context.Context, o StackOutputs, previous string) {
	keep := d.Config.KeepRevisions
	if keep <= 0 {
		return
	}
	if _, err := d.pruneRevisions(ctx, o, previous, keep); err != nil {
		d.sayf("warning: pruning old task definition revisions failed (the release itself succeeded; "+
			"the revisions left ACTIVE are harmless and the next release tries again): %v", err)
	}
}

func (d *Deployer) pruneRevisions(ctx context.Context, o StackOutputs, previous string, keep int) ([]string, error) {
	cur, ok := parseRevision(o.TaskDefinitionARN)
	if !ok {
		return nil, fmt.Errorf("stack output taskDefinitionArn %q is not a task definition ARN", o.TaskDefinitionARN)
	}
	svc, err := d.describeService(ctx, o)
	if err != nil {
		return nil, err
	}
	active, err := activeRevisions(ctx, d.ECS, cur.family)
	if err != nil {
		return nil, err
	}
	protected := protectedRevisions(svc, o.TaskDefinitionARN, previous, active)
	done, err := deregisterBeyond(ctx, d.ECS, active, keep, protected)
	if len(done) > 0 {
		d.sayf("==> deregistered %d old revisions of %s (keeping the newest %d and every one in use): %v",
			len(done), cur.family, keep, revisionNumbers(done))
	}
	return done, err
}

func revisionNumbers(arns []string) []int {
	var ns []int
	for _, a := range arns {
		if r, ok := parseRevision(a); ok {
			ns = append(ns, r.number)
		}
	}
	return ns
}
