package components

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"example.com/webstack/internal/clouddouble"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func runImage(t *testing.T, args *ContainerImageArgs) (*clouddouble.Double, *ContainerImage) {
	t.Helper()
	var img *ContainerImage
	d, err := clouddouble.Run(func(ctx *pulumi.Context) (err error) {
		img, err = NewContainerImage(ctx, "img", args)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return d, img
}

func TestContainerImageRepositoryAndPush(t *testing.T) {
	dir := newContext(t)
	d, img := runImage(t, &ContainerImageArgs{RepositoryName: "webstack-test", Context: dir, UntaggedExpiryDays: 3, ImagesToKeep: 10})

	tag := mustHash(t, dir, "linux/amd64")[:32]
	wantRef := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/webstack-test:" + tag
	if img.Ref != wantRef || img.Tag != tag {
		t.Errorf("Ref = %s, want %s", img.Ref, wantRef)
	}
	if img.RepositoryARN != "arn:aws:ecr:eu-west-1:123456789012:repository/webstack-test" {
		t.Errorf("RepositoryARN = %s", img.RepositoryARN)
	}

	repo := d.One(t, "aws:ecr/repository:Repository").Inputs
	if repo["name"].StringValue() != "webstack-test" || repo["imageTagMutability"].StringValue() != "IMMUTABLE" {
		t.Errorf("repository = %v", repo)
	}
	if !repo["imageScanningConfiguration"].ObjectValue()["scanOnPush"].BoolValue() {
		t.Error("scan on push is off")
	}
	if enc := repo["encryptionConfigurations"].ArrayValue()[0].ObjectValue()["encryptionType"].StringValue(); enc != "AES256" {
		t.Errorf("encryption = %s", enc)
	}
	if !repo["forceDelete"].IsBool() || repo["forceDelete"].BoolValue() {
		t.Error("forceDelete must default to false")
	}

	var policy struct {
		Rules []struct {
			RulePriority int
			Selection    map[string]any
			Action       map[string]string
		}
	}
	if err := json.Unmarshal([]byte(d.One(t, "aws:ecr/lifecyclePolicy:LifecyclePolicy").Inputs["policy"].StringValue()), &policy); err != nil {
		t.Fatal(err)
	}
	wantSel := []map[string]any{
		{"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 3.0},
		{"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10.0},
	}
	for i, r := range policy.Rules {
		if r.RulePriority != i+1 || !reflect.DeepEqual(r.Selection, wantSel[i]) || r.Action["type"] != "expire" {
			t.Errorf("lifecycle rule %d = %+v, want selection %v", i, r, wantSel[i])
		}
	}

	im := d.One(t, "docker:index/image:Image")
	in := im.Inputs
	if in["imageName"].StringValue() != wantRef {
		t.Errorf("docker image name = %s", in["imageName"].StringValue())
	}
	build := in["build"].ObjectValue()
	if build["platform"].StringValue() != "linux/amd64" || build["context"].StringValue() != dir || !strings.HasSuffix(build["dockerfile"].StringValue(), "/Dockerfile") {
		t.Errorf("build = %v", build)
	}
	if args := build["args"].ObjectValue(); len(args) != 1 || args["VERSION"].StringValue() != tag {
		t.Errorf("build args = %v, want VERSION = the tag %s", args, tag)
	}
	reg := in["registry"].ObjectValue()
	if reg["server"].StringValue() != "123456789012.dkr.ecr.eu-west-1.amazonaws.com" || reg["username"].StringValue() != "AWS" {
		t.Errorf("registry = %v", reg)
	}
	if pw := reg["password"]; !pw.IsSecret() || pw.SecretValue().Element.StringValue() != "double-password" {
		t.Errorf("registry password must be the invoke's, as a secret: %v", pw)
	}
	if !d.DependsOnType(im, "aws:ecr/repository:Repository") {
		t.Error("the push must wait for the repository")
	}
}

func TestContainerImageSameContextSameTag(t *testing.T) {
	dir := newContext(t)
	_, a := runImage(t, &ContainerImageArgs{RepositoryName: "r1", Context: dir})
	_, b := runImage(t, &ContainerImageArgs{RepositoryName: "r1", Context: dir})
	if a.Ref != b.Ref {
		t.Errorf("unchanged context, different refs: %s %s", a.Ref, b.Ref)
	}
	writeTree(t, dir, map[string]string{"api/main.go": "package main // v2\n"})
	_, c := runImage(t, &ContainerImageArgs{RepositoryName: "r1", Context: dir})
	if c.Ref == a.Ref {
		t.Error("changed source kept the tag: nothing would redeploy")
	}
	_, arm := runImage(t, &ContainerImageArgs{RepositoryName: "r1", Context: dir, Platform: "linux/arm64", Encryption: "KMS"})
	if arm.Ref == c.Ref {
		t.Error("arm64 build reuses the amd64 tag")
	}
}

func TestContainerImageInvalidArgs(t *testing.T) {
	dir := newContext(t)
	cases := []struct {
		args ContainerImageArgs
		want string
	}{
		{ContainerImageArgs{RepositoryName: "Webstack", Context: dir}, `RepositoryName "Webstack"`},
		{ContainerImageArgs{RepositoryName: "w", Context: dir}, `RepositoryName "w"`},
		{ContainerImageArgs{RepositoryName: "web", Context: dir, Platform: "linux/386"}, "use one of linux/amd64, linux/arm64"},
		{ContainerImageArgs{RepositoryName: "web", Context: dir, Encryption: "DES"}, "use one of AES256, KMS"},
		{ContainerImageArgs{RepositoryName: "web", Context: t.TempDir()}, "reading the Dockerfile"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			d, err := clouddouble.Run(func(ctx *pulumi.Context) error {
				_, err := NewContainerImage(ctx, "img", &tc.args)
				return err
			})
			d.AssertRefused(t, err, tc.want)
		})
	}
}
