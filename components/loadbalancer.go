package components

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The target groups' health check. A new target serves after HealthyThreshold passing checks
// HealthCheckIntervalSeconds apart (release.WebstackTiming reads these for its release-time model).
const (
	HealthCheckIntervalSeconds = 10
	HealthCheckTimeoutSeconds  = 5
	HealthyThreshold           = 2
	UnhealthyThreshold         = 3
)

// TestListenerArgs turn on blue-green: a second ("green") target group and a test listener on its
// own port, forwarding to it. CodeDeploy then decides which target group each listener forwards to.
type TestListenerArgs struct {
	// Port of the test listener, 1..65535 but not 80 or 443. Default DefaultTestListenerPort.
	Port int
	// CIDRBlocks may reach Port (the machines that run the release checks); required, and not
	// 0.0.0.0/0: the test listener serves versions before they are released.
	CIDRBlocks []string
}

// LoadBalancerArgs configures a LoadBalancer. Zero values mean the documented default.
type LoadBalancerArgs struct {
	VPCID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput // public subnets, >= 2 AZs
	// IngressCIDRBlocks may reach ports 80 and 443. Default [DefaultIngressCIDR].
	IngressCIDRBlocks []string
	// ContainerPort is the target group port (required; CheckContainerPort). WebService fills it
	// in from Service.ContainerPort.
	ContainerPort int
	// HealthCheckPath of the target group health check. Default DefaultHealthCheckPath.
	HealthCheckPath string
	// CertificateARN of an existing ACM certificate for the HTTPS listener.
	CertificateARN string
	// DomainName and HostedZoneID (together) add a Route 53 alias record for the ALB and,
	// without CertificateARN, a DNS-validated ACM certificate for DomainName.
	DomainName, HostedZoneID string
	// AllowHTTP permits plain HTTP forwarding when there is no certificate (dev stacks).
	// With a certificate the HTTP listener only redirects to HTTPS whatever this says.
	AllowHTTP bool
	// SSLPolicy of the HTTPS listener. Default DefaultSSLPolicy.
	SSLPolicy string
	// IdleTimeoutSeconds 1..MaxIdleTimeoutSeconds. Default DefaultIdleTimeoutSeconds; keep the
	// server's keep-alive timeout longer.
	IdleTimeoutSeconds int
	// DeregistrationDelaySeconds 1..MaxDeregistrationDelaySeconds (default
	// DefaultDeregistrationDelaySeconds): how long draining targets keep in-flight requests,
	// bounded by the task's stop timeout.
	DeregistrationDelaySeconds int
	// DesyncMitigationMode "defensive" (DefaultDesyncMitigationMode) or "strictest".
	DesyncMitigationMode string
	DeletionProtection   bool
	// AccessLogs writes ALB access logs to a new, private, SSE-S3 encrypted bucket.
	AccessLogs bool
	// AccessLogsRetentionDays before log objects expire. Default DefaultAccessLogsRetentionDays.
	AccessLogsRetentionDays int
	// TestListener, when set, prepares the load balancer for CodeDeploy blue-green.
	TestListener *TestListenerArgs
}

// LoadBalancer is an internet-facing ALB with its security group, listeners and an
// `ip` target group for Fargate tasks. Its security group admits 80/443 from
// IngressCIDRBlocks and has no egress of its own: the Service component adds the one
// egress rule to the task security group on the container port.
type LoadBalancer struct {
	pulumi.ResourceState

	LoadBalancerARN       pulumi.StringOutput `pulumi:"loadBalancerArn"`
	ARNSuffix             pulumi.StringOutput `pulumi:"arnSuffix"`
	DNSName               pulumi.StringOutput `pulumi:"dnsName"`
	URL                   pulumi.StringOutput `pulumi:"url"`
	SecurityGroupID       pulumi.StringOutput `pulumi:"securityGroupId"`
	TargetGroupARN        pulumi.StringOutput `pulumi:"targetGroupArn"`
	TargetGroupARNSuffix  pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	ProductionListenerARN pulumi.StringOutput `pulumi:"productionListenerArn"`
	TargetGroupName       pulumi.StringOutput `pulumi:"targetGroupName"`
	// Blue-green only (TestListener set): the green target group and the test listener.
	GreenTargetGroupName      pulumi.StringOutput `pulumi:"greenTargetGroupName"`
	GreenTargetGroupARNSuffix pulumi.StringOutput `pulumi:"greenTargetGroupArnSuffix"`
	TestListenerARN           pulumi.StringOutput `pulumi:"testListenerArn"`
	TestListenerURL           pulumi.StringOutput `pulumi:"testListenerUrl"`
	// Listeners lets an ECS service DependsOn them (a service needs its target group
	// attached to a listener before it registers).
	Listeners []pulumi.Resource
}

func (a LoadBalancerArgs) withDefaults() LoadBalancerArgs {
	if len(a.IngressCIDRBlocks) == 0 {
		a.IngressCIDRBlocks = []string{DefaultIngressCIDR}
	}
	if a.HealthCheckPath == "" {
		a.HealthCheckPath = DefaultHealthCheckPath
	}
	if a.SSLPolicy == "" {
		a.SSLPolicy = DefaultSSLPolicy
	}
	if a.IdleTimeoutSeconds == 0 {
		a.IdleTimeoutSeconds = DefaultIdleTimeoutSeconds
	}
	if a.DeregistrationDelaySeconds == 0 {
		a.DeregistrationDelaySeconds = DefaultDeregistrationDelaySeconds
	}
	if a.DesyncMitigationMode == "" {
		a.DesyncMitigationMode = DefaultDesyncMitigationMode
	}
	if a.AccessLogsRetentionDays == 0 {
		a.AccessLogsRetentionDays = DefaultAccessLogsRetentionDays
	}
	if a.TestListener != nil && a.TestListener.Port == 0 {
		t := *a.TestListener
		t.Port = DefaultTestListenerPort
		a.TestListener = &t
	}
	return a
}

func (a LoadBalancerArgs) hasCertificate() bool { return a.CertificateARN != "" || a.DomainName != "" }

// wiring checks the inputs that come from other components (WebService passes them; the
// container port is the Service's, which checks it in WebService's Validate).
func (a LoadBalancerArgs) wiring() error {
	var errs []error
	if a.VPCID == nil || a.SubnetIDs == nil {
		errs = append(errs, errors.New("VPCID and SubnetIDs are required: pass the Network's vpcId and publicSubnetIds"))
	}
	return errors.Join(append(errs, CheckContainerPort(a.ContainerPort).For("ContainerPort"))...)
}

// validate reports every problem of the settings (not the wiring).
func (a LoadBalancerArgs) validate() error {
	var errs []error
	for i, cidr := range a.IngressCIDRBlocks {
		errs = append(errs, CheckIPv4CIDR(cidr).For(fmt.Sprintf("IngressCIDRBlocks[%d]", i)))
	}
	errs = append(errs,
		CheckHealthCheckPath(a.HealthCheckPath).For("HealthCheckPath"),
		CheckCertificateARN(a.CertificateARN).For("CertificateARN"),
		CheckDomainName(a.DomainName).For("DomainName"),
		CheckHostedZoneID(a.HostedZoneID).For("HostedZoneID"),
		CheckSSLPolicy(a.SSLPolicy).For("SSLPolicy"),
		CheckIdleTimeout(a.IdleTimeoutSeconds).For("IdleTimeoutSeconds"),
		CheckDeregistrationDelay(a.DeregistrationDelaySeconds).For("DeregistrationDelaySeconds"),
		CheckDesyncMitigationMode(a.DesyncMitigationMode).For("DesyncMitigationMode"),
		CheckAccessLogsRetentionDays(a.AccessLogsRetentionDays).For("AccessLogsRetentionDays"),
	)
	errs = append(errs,
		CheckDomainAndZone(a.DomainName, a.HostedZoneID).For("DomainName or HostedZoneID"),
		CheckCertificateOrHTTP(a.hasCertificate(), a.AllowHTTP).For("CertificateARN (or DomainName, or AllowHTTP)"))
	if t := a.TestListener; t != nil {
		errs = append(errs, CheckTestListenerPort(t.Port).For("TestListener.Port"))
		errs = append(errs, joinFor("TestListener.CIDRBlocks", CheckTestListenerCIDRs(t.CIDRBlocks)))
	}
	return errors.Join(errs...)
}

// physicalNamePrefix derives the <= 6 character name prefix AWS allows for ALBs and
// target groups; AWS appends a unique suffix, keeping names within 32 characters and
// letting Pulumi create a replacement before deleting the old one.
func physicalNamePrefix(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if b.Len() == 5 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "web-"
	}
	return b.String() + "-"
}

// NewLoadBalancer creates the ALB. Invalid args fail before anything is registered.
func NewLoadBalancer(ctx *pulumi.Context, name string, args *LoadBalancerArgs, opts ...pulumi.ResourceOption) (*LoadBalancer, error) {
	if args == nil {
		args = &LoadBalancerArgs{}
	}
	a := args.withDefaults()
	if err := errors.Join(a.wiring(), a.validate()); err != nil {
		return nil, fmt.Errorf("load balancer %q: %w", name, err)
	}
	comp := &LoadBalancer{}
	if err := ctx.RegisterComponentResource("webstack:components:LoadBalancer", name, comp, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(comp)

	sg, err := ec2.NewSecurityGroup(ctx, name+"-alb", &ec2.SecurityGroupArgs{
		VpcId:       a.VPCID,
		Description: pulumi.String("ALB: HTTP/HTTPS from the allowed CIDRs; egress only to the tasks (added by the service)"),
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := allowIngress(ctx, name+"-alb", sg.ID(), a.IngressCIDRBlocks, []int{80, 443}, parent); err != nil {
		return nil, err
	}

	albArgs := &lb.LoadBalancerArgs{
		NamePrefix:               pulumi.String(physicalNamePrefix(name)),
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(false),
		SecurityGroups:           pulumi.StringArray{sg.ID()},
		Subnets:                  a.SubnetIDs,
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String(a.DesyncMitigationMode),
		IdleTimeout:              pulumi.Int(a.IdleTimeoutSeconds),
		EnableDeletionProtection: pulumi.Bool(a.DeletionProtection),
	}
	albOpts := []pulumi.ResourceOption{parent}
	if a.AccessLogs {
		bucket, ready, err := accessLogBucket(ctx, name, a, parent)
		if err != nil {
			return nil, err
		}
		albArgs.AccessLogs = lb.LoadBalancerAccessLogsArgs{Bucket: bucket.Bucket, Prefix: pulumi.String(accessLogPrefix), Enabled: pulumi.Bool(true)}
		// ELB checks it can write to the bucket when logging is switched on.
		albOpts = append(albOpts, pulumi.DependsOn(ready))
	}
	alb, err := lb.NewLoadBalancer(ctx, name+"-alb", albArgs, albOpts...)
	if err != nil {
		return nil, err
	}

	tg, err := targetGroup(ctx, name, "-tg", a, parent)
	if err != nil {
		return nil, err
	}
	forward := forwardTo(tg)
	// Under blue-green CodeDeploy switches the listeners between the target groups; `pulumi up`
	// must not switch them back.
	forwardOpts := []pulumi.ResourceOption{parent}
	if a.TestListener != nil {
		forwardOpts = append(forwardOpts, pulumi.IgnoreChanges([]string{"defaultActions"}))
	}

	prod, err := newProductionListeners(ctx, name, a, alb, forward, forwardOpts, parent)
	if err != nil {
		return nil, err
	}
	comp.ProductionListenerARN, comp.Listeners = prod.arn, prod.listeners
	url, certificateARN := prod.url, prod.certificateARN

	if a.DomainName != "" {
		if url, err = aliasRecord(ctx, name, a, alb, parent); err != nil {
			return nil, err
		}
	}

	outputs := pulumi.Map{}
	if a.TestListener != nil {
		if err := comp.addTestListener(ctx, name, a, alb, sg, certificateARN, forwardOpts, parent, outputs); err != nil {
			return nil, err
		}
	}

	comp.LoadBalancerARN = alb.Arn
	comp.ARNSuffix = alb.ArnSuffix
	comp.DNSName = alb.DnsName
	comp.URL = url
	comp.SecurityGroupID = sg.ID().ToStringOutput()
	comp.TargetGroupARN = tg.Arn
	comp.TargetGroupARNSuffix = tg.ArnSuffix
	comp.TargetGroupName = tg.Name
	outputs["loadBalancerArn"] = comp.LoadBalancerARN
	outputs["arnSuffix"] = comp.ARNSuffix
	outputs["dnsName"] = comp.DNSName
	outputs["url"] = comp.URL
	outputs["securityGroupId"] = comp.SecurityGroupID
	outputs["targetGroupArn"] = comp.TargetGroupARN
	outputs["targetGroupArnSuffix"] = comp.TargetGroupARNSuffix
	outputs["targetGroupName"] = comp.TargetGroupName
	outputs["productionListenerArn"] = comp.ProductionListenerARN
	if err := ctx.RegisterResourceOutputs(comp, outputs); err != nil {
		return nil, err
	}
	return comp, nil
}

// targetGroup is an `ip` target group for Fargate tasks on the container port; blue and green
// (blue-green) are two of these.
func targetGroup(ctx *pulumi.Context, name, suffix string, a LoadBalancerArgs, parent pulumi.ResourceOption) (*lb.TargetGroup, error) {
	return lb.NewTargetGroup(ctx, name+suffix, &lb.TargetGroupArgs{
		NamePrefix:          pulumi.String(physicalNamePrefix(name)),
		Port:                pulumi.Int(a.ContainerPort),
		Protocol:            pulumi.String("HTTP"),
		TargetType:          pulumi.String("ip"),
		VpcId:               a.VPCID,
		DeregistrationDelay: pulumi.Int(a.DeregistrationDelaySeconds),
		HealthCheck: lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Path:               pulumi.String(a.HealthCheckPath),
			Protocol:           pulumi.String("HTTP"),
			Port:               pulumi.String("traffic-port"),
			Interval:           pulumi.Int(HealthCheckIntervalSeconds),
			Timeout:            pulumi.Int(HealthCheckTimeoutSeconds),
			HealthyThreshold:   pulumi.Int(HealthyThreshold),
			UnhealthyThreshold: pulumi.Int(UnhealthyThreshold),
			Matcher:            pulumi.String("200"),
		},
	}, parent)
}

func forwardTo(tg *lb.TargetGroup) lb.ListenerDefaultActionArray {
	return lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{Type: pulumi.String("forward"), TargetGroupArn: tg.Arn}}
}
