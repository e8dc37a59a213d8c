package components

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi-docker/sdk/v4/go/docker"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ContainerImageArgs configures an ECR repository and the image built into it.
type ContainerImageArgs struct {
	RepositoryName     string // explicit ECR repository name (lowercase), so the image reference is known at preview
	Context            string // build context directory, default "." (the project directory)
	Dockerfile         string // relative to Context, default "Dockerfile"
	Platform           string // "linux/amd64" (default) or "linux/arm64"
	Encryption         string // "AES256" (default) or "KMS" (the AWS-managed ECR key)
	UntaggedExpiryDays int    // untagged images expire after this many days, default 7
	ImagesToKeep       int    // keep at most this many images, default 30
	ForceDelete        bool   // let `pulumi destroy` delete the repository while it still holds images
}

// ContainerImage is an ECR repository (immutable tags, scan on push, encrypted, lifecycle policy)
// and an image built from a local Dockerfile and pushed to it, tagged with the build context's hash
// and built with that tag as its VERSION build argument.
type ContainerImage struct {
	pulumi.ResourceState

	RepositoryURL pulumi.StringOutput `pulumi:"repositoryUrl"`
	ImageRef      pulumi.StringOutput `pulumi:"imageRef"`

	// Ref is ImageRef as a plain value, known during preview: a task definition built from it
	// stays readable by policies in `pulumi preview` (the pushed image's digest would be unknown).
	Ref string
	// Tag is the content hash of the build context.
	Tag string
	// RepositoryARN, known during preview, scopes the task execution role's pull permission.
	RepositoryARN string
	// Image is the push; whatever runs Ref must depend on it.
	Image *docker.Image
}

var ecrNameRe = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$`)

// ValidRepositoryName reports whether name is a valid ECR repository name.
func ValidRepositoryName(name string) bool {
	return len(name) >= 2 && len(name) <= 256 && ecrNameRe.MatchString(name)
}

// ContainerImage defaults.
const (
	DefaultBuildContext       = "."
	DefaultDockerfile         = "Dockerfile"
	DefaultImagePlatform      = ImagePlatformAMD64
	DefaultECREncryption      = "AES256"
	DefaultUntaggedExpiryDays = 7
	DefaultImagesToKeep       = 30
)

func (a *ContainerImageArgs) withDefaults() ContainerImageArgs {
	d := *a
	if d.Context == "" {
		d.Context = DefaultBuildContext
	}
	if d.Dockerfile == "" {
		d.Dockerfile = DefaultDockerfile
	}
	if d.Platform == "" {
		d.Platform = DefaultImagePlatform
	}
	if d.Encryption == "" {
		d.Encryption = DefaultECREncryption
	}
	if d.UntaggedExpiryDays == 0 {
		d.UntaggedExpiryDays = DefaultUntaggedExpiryDays
	}
	if d.ImagesToKeep == 0 {
		d.ImagesToKeep = DefaultImagesToKeep
	}
	return d
}

// validate reports every problem of the settings.
func (d ContainerImageArgs) validate() error {
	var errs []error
	if !ValidRepositoryName(d.RepositoryName) {
		errs = append(errs, fmt.Errorf("ContainerImage: RepositoryName %q must be 2-256 lowercase letters, digits and . _ - /", d.RepositoryName))
	}
	for _, err := range []error{
		CheckImagePlatform(d.Platform).For("Platform"),
		CheckECREncryption(d.Encryption).For("Encryption"),
		CheckUntaggedExpiryDays(d.UntaggedExpiryDays).For("UntaggedExpiryDays"),
		CheckImagesToKeep(d.ImagesToKeep).For("ImagesToKeep"),
	} {
		if err != nil {
			errs = append(errs, fmt.Errorf("ContainerImage: %w", err))
		}
	}
	return errors.Join(errs...)
}

// NewContainerImage creates the repository, hashes the build context and pushes the image.
func NewContainerImage(ctx *pulumi.Context, name string, args *ContainerImageArgs, opts ...pulumi.ResourceOption) (*ContainerImage, error) {
	if args == nil {
		args = &ContainerImageArgs{}
	}
	a := args.withDefaults()
	if err := a.validate(); err != nil {
		return nil, err
	}
	tag, err := ImageTag(a.Context, a.Dockerfile, a.Platform)
	if err != nil {
		return nil, err
	}

	c := &ContainerImage{Tag: tag}
	if err := ctx.RegisterComponentResource("webstack:components:ContainerImage", name, c, opts...); err != nil {
		return nil, err
	}
	acct, err := lookupAccount(ctx, c)
	if err != nil {
		return nil, err
	}
	registry := fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com", acct.ID, acct.Region)
	repoName := a.repositoryName()
	c.Ref = fmt.Sprintf("%s/%s:%s", registry, repoName, tag)
	c.RepositoryARN = acct.arn("ecr", "repository/"+repoName)

	repo, err := ecr.NewRepository(ctx, name+"-repo", &ecr.RepositoryArgs{
		Name:               pulumi.String(repoName),
		ImageTagMutability: pulumi.String("IMMUTABLE"),
		ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
			ScanOnPush: pulumi.Bool(true),
		},
		EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
			&ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String(a.Encryption)},
		},
		ForceDelete: pulumi.Bool(a.ForceDelete),
	}, pulumi.Parent(c), createFirst)
	if err != nil {
		return nil, err
	}
	policy, err := lifecyclePolicy(a.UntaggedExpiryDays, a.ImagesToKeep)
	if err != nil {
		return nil, err
	}
	if _, err := ecr.NewLifecyclePolicy(ctx, name+"-lifecycle", &ecr.LifecyclePolicyArgs{
		Repository: repo.Name,
		Policy:     pulumi.String(policy),
	}, pulumi.Parent(c)); err != nil {
		return nil, err
	}

	token, err := ecr.GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenArgs{}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("getting ECR credentials: %w", err)
	}
	c.Image, err = docker.NewImage(ctx, name+"-image", &docker.ImageArgs{
		ImageName: pulumi.String(c.Ref),
		Build: &docker.DockerBuildArgs{
			Context:        pulumi.String(a.Context),
			Dockerfile:     pulumi.String(filepath.Join(a.Context, a.Dockerfile)),
			Platform:       pulumi.String(a.Platform),
			BuilderVersion: docker.BuilderVersionBuilderBuildKit,
			// The image's version is its tag: /version and /v1/info then name the build
			// a deploy check sees behind the load balancer, and the OCI version label
			// matches the tag. Derived from the content, so an unchanged context still
			// builds the same image (an IMMUTABLE repository refuses a second push of a tag).
			Args: pulumi.StringMap{"VERSION": pulumi.String(tag)},
		},
		Registry: &docker.RegistryArgs{
			Server:   pulumi.String(registry),
			Username: pulumi.String(token.UserName),
			Password: pulumi.ToSecret(pulumi.String(token.Password)).(pulumi.StringOutput),
		},
	}, pulumi.Parent(c), pulumi.DependsOn([]pulumi.Resource{repo}))
	if err != nil {
		return nil, err
	}

	c.RepositoryURL = repo.RepositoryUrl
	c.ImageRef = pulumi.String(c.Ref).ToStringOutput()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"repositoryUrl": c.RepositoryURL,
		"imageRef":      c.ImageRef,
	})
}

// lifecyclePolicy expires untagged images (left behind by failed pushes) after a while and caps
// the repository at the newest imagesToKeep images, which still allows rolling back a few releases.
func lifecyclePolicy(untaggedDays, imagesToKeep int) (string, error) {
	type selection struct {
		TagStatus   string `json:"tagStatus"`
		CountType   string `json:"countType"`
		CountUnit   string `json:"countUnit,omitempty"`
		CountNumber int    `json:"countNumber"`
	}
	type rule struct {
		RulePriority int               `json:"rulePriority"`
		Description  string            `json:"description"`
		Selection    selection         `json:"selection"`
		Action       map[string]string `json:"action"`
	}
	expire := map[string]string{"type": "expire"}
	b, err := json.Marshal(map[string][]rule{"rules": {
		{1, fmt.Sprintf("expire untagged images after %d days", untaggedDays),
			selection{"untagged", "sinceImagePushed", "days", untaggedDays}, expire},
		// tagStatus "any" must have the lowest priority (highest number).
		{2, fmt.Sprintf("keep the newest %d images", imagesToKeep),
			selection{"any", "imageCountMoreThan", "", imagesToKeep}, expire},
	}})
	return string(b), err
}

// repositoryName is the repository's physical name. Its encryption cannot change in place (the
// provider's encryption_configuration is ForceNew), so a KMS repository gets its own name: a switch
// creates the new repository (and pushes the image there) before the old one is deleted.
func (a ContainerImageArgs) repositoryName() string {
	if a.Encryption == "KMS" {
		return a.RepositoryName + "-kms"
	}
	return a.RepositoryName
}
