package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WebServiceArgs holds each part's own args; WebService fills in the fields that connect the
// parts (VPC and subnet ids, the load balancer's security group, target group and listeners, the
// image reference, the cluster and service names), so leave those empty.
type WebServiceArgs struct {
	Network      NetworkArgs
	Image        ContainerImageArgs
	LoadBalancer LoadBalancerArgs // ContainerPort comes from Service.ContainerPort
	Firewall     *FirewallArgs    // nil: no WAF
	Service      ServiceArgs
	Autoscaling  *AutoscalingArgs // nil: a fixed Service.DesiredCount
}

// WebService is a container image built and pushed to ECR, run on ECS Fargate in private subnets
// behind an internet-facing ALB (optionally behind WAF), with autoscaling: the whole stack in one
// call, as CDK's ApplicationLoadBalancedFargateService does.
type WebService struct {
	pulumi.ResourceState

	URL                  pulumi.StringOutput `pulumi:"url"`
	AlbDNSName           pulumi.StringOutput `pulumi:"albDnsName"`
	RepositoryURL        pulumi.StringOutput `pulumi:"repositoryUrl"`
	ImageRef             pulumi.StringOutput `pulumi:"imageRef"`
	ClusterName          pulumi.StringOutput `pulumi:"clusterName"`
	ServiceName          pulumi.StringOutput `pulumi:"serviceName"`
	LogGroupName         pulumi.StringOutput `pulumi:"logGroupName"`
	VpcID                pulumi.StringOutput `pulumi:"vpcId"`
	TaskDefinitionArn    pulumi.StringOutput `pulumi:"taskDefinitionArn"`
	TaskDefinitionFamily pulumi.StringOutput `pulumi:"taskDefinitionFamily"`

	// The parts, for callers that add to them (alarms, blue/green).
	Network      *Network
	Image        *ContainerImage
	LoadBalancer *LoadBalancer
	Firewall     *Firewall
	Service      *Service
	Autoscaling  *Autoscaling
}

// validate checks the plain values of every part up front: a part failing its own checks after
// earlier parts were registered would leave a half-created stack. The connecting fields are
// filled with stand-ins here because WebService supplies them.
func (a *WebServiceArgs) validate() error {
	stand := pulumi.String("")
	lb := a.LoadBalancer
	lb.VpcID, lb.SubnetIDs, lb.ContainerPort = stand, pulumi.StringArray{}, a.Service.containerPort()
	errs := []error{a.Network.withDefaults().validate(), lb.withDefaults().validate()}
	if _, err := a.Image.withDefaults(); err != nil {
		errs = append(errs, err)
	}
	svc := a.Service
	svc.VpcID, svc.SubnetIDs, svc.LoadBalancerSecurityGroupID, svc.TargetGroupArn, svc.Image = stand, pulumi.StringArray{}, stand, stand, "stand-in"
	if _, err := svc.withDefaults("stand-in"); err != nil {
		errs = append(errs, err)
	}
	if a.Firewall != nil {
		fw := *a.Firewall
		fw.LoadBalancerArn = stand
		errs = append(errs, fw.withDefaults().validate())
	}
	if a.Autoscaling != nil {
		as := *a.Autoscaling
		as.ClusterName, as.ServiceName, as.LoadBalancerArnSuffix, as.TargetGroupArnSuffix = stand, stand, stand, stand
		if _, err := as.withDefaults(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// NewWebService creates the parts in dependency order.
func NewWebService(ctx *pulumi.Context, name string, args *WebServiceArgs, opts ...pulumi.ResourceOption) (*WebService, error) {
	if args == nil {
		return nil, fmt.Errorf("WebService: args are required (at least Image.RepositoryName and a certificate or LoadBalancer.AllowHTTP)")
	}
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("WebService %q: %w", name, err)
	}

	w := &WebService{}
	if err := ctx.RegisterComponentResource("webstack:components:WebService", name, w, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(w)
	var err error

	if w.Network, err = NewNetwork(ctx, name+"-net", &args.Network, parent); err != nil {
		return nil, err
	}
	if w.Image, err = NewContainerImage(ctx, name+"-image", &args.Image, parent); err != nil {
		return nil, err
	}

	lbArgs := args.LoadBalancer
	lbArgs.VpcID = w.Network.VpcID
	lbArgs.SubnetIDs = w.Network.PublicSubnetIDs
	lbArgs.ContainerPort = args.Service.containerPort()
	if w.LoadBalancer, err = NewLoadBalancer(ctx, name+"-lb", &lbArgs, parent); err != nil {
		return nil, err
	}

	if args.Firewall != nil {
		fwArgs := *args.Firewall
		fwArgs.LoadBalancerArn = w.LoadBalancer.LoadBalancerArn
		if w.Firewall, err = NewFirewall(ctx, name+"-waf", &fwArgs, parent); err != nil {
			return nil, err
		}
	}

	svcArgs := args.Service
	svcArgs.VpcID = w.Network.VpcID
	svcArgs.SubnetIDs = w.Network.PrivateSubnetIDs
	svcArgs.LoadBalancerSecurityGroupID = w.LoadBalancer.SecurityGroupID
	svcArgs.TargetGroupArn = w.LoadBalancer.TargetGroupArn
	svcArgs.Listeners = w.LoadBalancer.Listeners
	svcArgs.Image = w.Image.Ref
	svcArgs.ImageRepositoryArn = w.Image.RepositoryArn
	svcArgs.ImageDependsOn = []pulumi.Resource{w.Image.Image}
	svcArgs.Autoscaling = args.Autoscaling != nil
	if w.Service, err = NewService(ctx, name+"-app", &svcArgs, parent); err != nil {
		return nil, err
	}

	if args.Autoscaling != nil {
		asArgs := *args.Autoscaling
		asArgs.ClusterName = w.Service.ClusterName
		asArgs.ServiceName = w.Service.ServiceName
		asArgs.LoadBalancerArnSuffix = w.LoadBalancer.ArnSuffix
		asArgs.TargetGroupArnSuffix = w.LoadBalancer.TargetGroupArnSuffix
		if w.Autoscaling, err = NewAutoscaling(ctx, name+"-scaling", &asArgs, parent); err != nil {
			return nil, err
		}
	}

	w.URL = w.LoadBalancer.URL
	w.AlbDNSName = w.LoadBalancer.DNSName
	w.RepositoryURL = w.Image.RepositoryURL
	w.ImageRef = w.Image.ImageRef
	w.ClusterName = w.Service.ClusterName
	w.ServiceName = w.Service.ServiceName
	w.LogGroupName = w.Service.LogGroupName
	w.VpcID = w.Network.VpcID
	w.TaskDefinitionArn = w.Service.TaskDefinitionArn
	w.TaskDefinitionFamily = w.Service.TaskDefinitionFamily
	return w, ctx.RegisterResourceOutputs(w, pulumi.Map{
		"url":                  w.URL,
		"albDnsName":           w.AlbDNSName,
		"repositoryUrl":        w.RepositoryURL,
		"imageRef":             w.ImageRef,
		"clusterName":          w.ClusterName,
		"serviceName":          w.ServiceName,
		"logGroupName":         w.LogGroupName,
		"vpcId":                w.VpcID,
		"taskDefinitionArn":    w.TaskDefinitionArn,
		"taskDefinitionFamily": w.TaskDefinitionFamily,
	})
}
