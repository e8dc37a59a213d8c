package components

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"example.com/webstack/contract"
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
	// Monitoring (nil: none) also rolls back deployments: its rollback alarms go to the ECS
	// service (rolling) or to the deployment group (blue-green).
	Monitoring *MonitoringArgs
	// BlueGreen (nil: rolling) hands releases to CodeDeploy; it needs LoadBalancer.TestListener
	// and Monitoring.
	BlueGreen *BlueGreenArgs
}

// The deployment strategies: who moves traffic to a new task definition (values: package
// contract, which the deploy command reads too).
const (
	StrategyRolling   = string(contract.Rolling)
	StrategyBlueGreen = string(contract.BlueGreen)
)

// Strategy is the deployment strategy these args ask for.
func (a *WebServiceArgs) Strategy() string {
	if a.BlueGreen != nil {
		return StrategyBlueGreen
	}
	return StrategyRolling
}

// WebService is a container image built and pushed to ECR, run on ECS Fargate in private subnets
// behind an internet-facing ALB (optionally behind WAF), with autoscaling: the whole stack in one
// call, as CDK's ApplicationLoadBalancedFargateService does.
type WebService struct {
	pulumi.ResourceState

	URL                  pulumi.StringOutput `pulumi:"url"`
	ALBDNSName           pulumi.StringOutput `pulumi:"albDnsName"`
	RepositoryURL        pulumi.StringOutput `pulumi:"repositoryUrl"`
	ImageRef             pulumi.StringOutput `pulumi:"imageRef"`
	ClusterName          pulumi.StringOutput `pulumi:"clusterName"`
	ServiceName          pulumi.StringOutput `pulumi:"serviceName"`
	LogGroupName         pulumi.StringOutput `pulumi:"logGroupName"`
	VPCID                pulumi.StringOutput `pulumi:"vpcId"`
	TaskDefinitionARN    pulumi.StringOutput `pulumi:"taskDefinitionArn"`
	TaskDefinitionFamily pulumi.StringOutput `pulumi:"taskDefinitionFamily"`
	// With Monitoring: the alarms that stop a release, the dashboard and the alarm topic.
	AlarmNames    pulumi.StringArrayOutput `pulumi:"alarmNames"`
	DashboardName pulumi.StringOutput      `pulumi:"dashboardName"`
	AlarmTopicARN pulumi.StringOutput      `pulumi:"alarmTopicArn"`
	// Blue-green only.
	CodeDeployApplicationName     pulumi.StringOutput `pulumi:"codeDeployApplicationName"`
	CodeDeployDeploymentGroupName pulumi.StringOutput `pulumi:"codeDeployDeploymentGroupName"`
	TestListenerURL               pulumi.StringOutput `pulumi:"testListenerUrl"`

	// The parts, for callers that add to them (alarms, blue/green).
	Network      *Network
	Image        *ContainerImage
	LoadBalancer *LoadBalancer
	Firewall     *Firewall
	Service      *Service
	Autoscaling  *Autoscaling
	Monitoring   *Monitoring
	BlueGreen    *BlueGreen
}

// Validate reports every problem of every part's settings up front (name is the WebService's: its
// parts' names derive from it): a part failing its own checks after earlier parts were registered
// would leave a half-created stack. The wiring between the parts (ids, ARNs, names) is not
// checked here: WebService supplies it when it creates them.
func (a *WebServiceArgs) Validate(name string) error {
	// The load balancer's container port is the service's (WebService wires it): the service
	// reports a bad one, once.
	errs := []error{CheckWebServiceName(name).For("WebService name"), a.Network.withDefaults().validate(), a.LoadBalancer.withDefaults().validate()}
	errs = append(errs, a.Image.withDefaults().validate())
	svc := a.Service
	if a.BlueGreen != nil {
		svc.DeploymentController = ControllerCodeDeploy
	}
	errs = append(errs, svc.withDefaults(name+"-app").validate(name+"-app"))
	if a.Firewall != nil {
		errs = append(errs, a.Firewall.withDefaults().validate())
	}
	if a.Autoscaling != nil {
		errs = append(errs, a.Autoscaling.withDefaults().validate())
	}
	if a.Monitoring != nil {
		errs = append(errs, a.Monitoring.withDefaults().validate())
	}
	if a.Service.EC2 != nil {
		errs = append(errs, a.checkEC2())
	}
	if (a.BlueGreen == nil) != (a.LoadBalancer.TestListener == nil) {
		errs = append(errs, errors.New("BlueGreen and LoadBalancer.TestListener go together: set both for blue-green, neither for rolling"))
	}
	if a.BlueGreen != nil {
		if a.Monitoring == nil {
			errs = append(errs, errors.New("BlueGreen needs Monitoring: its alarms roll deployments back"))
		}
		errs = append(errs, a.BlueGreen.withDefaults().validate())
	}
	return errors.Join(errs...)
}

// checkEC2 checks what EC2 capacity asks of the other parts: a way out of a new VPC, and room
// on the instances for every task the service may run (the service checks that one task fits).
func (a *WebServiceArgs) checkEC2() error {
	var errs []error
	if a.Network.ExistingVPCID == "" {
		errs = append(errs, CheckEC2NATGateways(a.Network.withDefaults().NATGateways).For("Network.NATGateways"))
	}
	svc := a.Service.withDefaults("")
	e := a.Service.EC2.withDefaults()
	tasks := svc.DesiredCount
	if a.Autoscaling != nil {
		tasks = a.Autoscaling.withDefaults().MaxCount
	}
	if perInstance, err := EC2TasksPerInstance(e.InstanceTypes, svc.CPU, svc.Memory); err == nil {
		errs = append(errs, CheckEC2Room(perInstance, e.MaxInstances, tasks).For("Service.EC2.MaxInstances"))
	}
	return errors.Join(errs...)
}

// ecsNameChars are the characters ECS cluster and service names may not contain.
var ecsNameChars = regexp.MustCompile(`[^a-z0-9_-]`)

// ecsPhysicalNames are the cluster and service names of a WebService: fixed and known before the
// service exists, so the alarms can name it and the service can name the alarms. The service name
// carries the strategy: switching strategies replaces the service (the deployment controller
// cannot change), and a new name lets the new service start before the old one is deleted.
func ecsPhysicalNames(ctx *pulumi.Context, name, strategy string) (cluster, service string) {
	cluster = ecsNameChars.ReplaceAllString(strings.ToLower(name+"-"+ctx.Stack()), "-")
	cluster = cluster[:min(len(cluster), 255-len("-"+StrategyBlueGreen))] // ECS allows 255
	return cluster, cluster + "-" + strategy
}

// NewWebService creates the parts in dependency order.
func NewWebService(ctx *pulumi.Context, name string, args *WebServiceArgs, opts ...pulumi.ResourceOption) (*WebService, error) {
	if args == nil {
		return nil, fmt.Errorf("WebService: args are required (at least Image.RepositoryName and a certificate or LoadBalancer.AllowHTTP)")
	}
	if err := args.Validate(name); err != nil {
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
	lbArgs.VPCID = w.Network.VPCID
	lbArgs.SubnetIDs = w.Network.PublicSubnetIDs
	lbArgs.ContainerPort = args.Service.containerPort()
	if w.LoadBalancer, err = NewLoadBalancer(ctx, name+"-lb", &lbArgs, parent); err != nil {
		return nil, err
	}

	if args.Firewall != nil {
		fwArgs := *args.Firewall
		fwArgs.LoadBalancerARN = w.LoadBalancer.LoadBalancerARN
		if w.Firewall, err = NewFirewall(ctx, name+"-waf", &fwArgs, parent); err != nil {
			return nil, err
		}
	}

	// Monitoring comes before the service: a rolling service rolls back on its alarms.
	clusterName, serviceName := ecsPhysicalNames(ctx, name, args.Strategy())
	if args.Monitoring != nil {
		monArgs := *args.Monitoring
		monArgs.LoadBalancerARNSuffix = w.LoadBalancer.ARNSuffix
		monArgs.TargetGroupARNSuffixes = []pulumi.StringInput{w.LoadBalancer.TargetGroupARNSuffix}
		if args.BlueGreen != nil {
			monArgs.TargetGroupARNSuffixes = append(monArgs.TargetGroupARNSuffixes, w.LoadBalancer.GreenTargetGroupARNSuffix)
		}
		monArgs.ClusterName, monArgs.ServiceName = pulumi.String(clusterName), pulumi.String(serviceName)
		if w.Monitoring, err = NewMonitoring(ctx, name+"-monitoring", &monArgs, parent); err != nil {
			return nil, err
		}
	}

	svcArgs := args.Service
	svcArgs.ClusterName, svcArgs.ServiceName = clusterName, serviceName
	if args.BlueGreen != nil {
		svcArgs.DeploymentController = ControllerCodeDeploy
	} else if w.Monitoring != nil {
		svcArgs.DeploymentAlarmNames = w.Monitoring.RollbackAlarmNames
	}
	svcArgs.VPCID = w.Network.VPCID
	svcArgs.SubnetIDs = w.Network.PrivateSubnetIDs
	svcArgs.LoadBalancerSecurityGroupID = w.LoadBalancer.SecurityGroupID
	svcArgs.TargetGroupARN = w.LoadBalancer.TargetGroupARN
	svcArgs.Listeners = w.LoadBalancer.Listeners
	svcArgs.Image = w.Image.Ref
	svcArgs.ImageRepositoryARN = w.Image.RepositoryARN
	svcArgs.ImageDependsOn = []pulumi.Resource{w.Image.Image}
	svcArgs.Autoscaling = args.Autoscaling != nil
	svcArgs.LoadBalancerIdleTimeoutSeconds = lbArgs.withDefaults().IdleTimeoutSeconds
	if w.Service, err = NewService(ctx, name+"-app", &svcArgs, parent); err != nil {
		return nil, err
	}

	if args.Autoscaling != nil {
		asArgs := *args.Autoscaling
		asArgs.ClusterName = w.Service.ClusterName
		asArgs.ServiceName = w.Service.ServiceName
		asArgs.LoadBalancerARNSuffix = w.LoadBalancer.ARNSuffix
		asArgs.TargetGroupARNSuffix = w.LoadBalancer.TargetGroupARNSuffix
		asArgs.BlueGreen = args.BlueGreen != nil
		if w.Autoscaling, err = NewAutoscaling(ctx, name+"-scaling", &asArgs, parent); err != nil {
			return nil, err
		}
	}

	outputs := pulumi.Map{}
	if w.Monitoring != nil {
		w.AlarmNames = w.Monitoring.RollbackAlarmNames
		w.DashboardName = w.Monitoring.DashboardName
		w.AlarmTopicARN = w.Monitoring.TopicARN
		outputs["alarmNames"], outputs["dashboardName"], outputs["alarmTopicArn"] = w.AlarmNames, w.DashboardName, w.AlarmTopicARN
	}
	if args.BlueGreen != nil {
		bgArgs := *args.BlueGreen
		// The service's outputs make the deployment group wait for the service.
		bgArgs.ClusterName, bgArgs.ServiceName = w.Service.ClusterName, w.Service.ServiceName
		bgArgs.BlueTargetGroupName, bgArgs.GreenTargetGroupName = w.LoadBalancer.TargetGroupName, w.LoadBalancer.GreenTargetGroupName
		bgArgs.ProductionListenerARN, bgArgs.TestListenerARN = w.LoadBalancer.ProductionListenerARN, w.LoadBalancer.TestListenerARN
		bgArgs.AlarmNames = w.Monitoring.RollbackAlarmNames
		if w.BlueGreen, err = NewBlueGreen(ctx, name+"-deploy", &bgArgs, parent, pulumi.DependsOn([]pulumi.Resource{w.Service})); err != nil {
			return nil, err
		}
		w.CodeDeployApplicationName = w.BlueGreen.ApplicationName
		w.CodeDeployDeploymentGroupName = w.BlueGreen.DeploymentGroupName
		w.TestListenerURL = w.LoadBalancer.TestListenerURL
		outputs["codeDeployApplicationName"], outputs["codeDeployDeploymentGroupName"] = w.CodeDeployApplicationName, w.CodeDeployDeploymentGroupName
		outputs["testListenerUrl"] = w.TestListenerURL
	}

	w.URL = w.LoadBalancer.URL
	w.ALBDNSName = w.LoadBalancer.DNSName
	w.RepositoryURL = w.Image.RepositoryURL
	w.ImageRef = w.Image.ImageRef
	w.ClusterName = w.Service.ClusterName
	w.ServiceName = w.Service.ServiceName
	w.LogGroupName = w.Service.LogGroupName
	w.VPCID = w.Network.VPCID
	w.TaskDefinitionARN = w.Service.TaskDefinitionARN
	w.TaskDefinitionFamily = w.Service.TaskDefinitionFamily
	outputs["url"] = w.URL
	outputs["albDnsName"] = w.ALBDNSName
	outputs["repositoryUrl"] = w.RepositoryURL
	outputs["imageRef"] = w.ImageRef
	outputs["clusterName"] = w.ClusterName
	outputs["serviceName"] = w.ServiceName
	outputs["logGroupName"] = w.LogGroupName
	outputs["vpcId"] = w.VPCID
	outputs["taskDefinitionArn"] = w.TaskDefinitionARN
	outputs["taskDefinitionFamily"] = w.TaskDefinitionFamily
	return w, ctx.RegisterResourceOutputs(w, outputs)
}
