package components

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// HSTSHeaderValue is the Strict-Transport-Security header the HTTPS listener adds to every
// response, the same one the API sends (api/middleware.go): one year, subdomains included.
const HSTSHeaderValue = "max-age=31536000; includeSubDomains"

// accessLogPrefix is where the ALB writes inside the access-log bucket; serverAccessLogPrefix is
// where S3 writes the access-log bucket's own server access logs, inside a second bucket.
const (
	accessLogPrefix       = "alb"
	serverAccessLogPrefix = "s3/"
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
	// Port of the test listener, 1..65535 but not 80 or 443.
	Port int
	// CidrBlocks may reach Port (the machines that run the release checks); required, and not
	// 0.0.0.0/0: the test listener serves versions before they are released.
	CidrBlocks []string
}

// LoadBalancerArgs configures a LoadBalancer. Zero values mean the documented default.
type LoadBalancerArgs struct {
	VpcID     pulumi.StringInput
	SubnetIDs pulumi.StringArrayInput // public subnets, >= 2 AZs
	// IngressCidrBlocks may reach ports 80 and 443. Default ["0.0.0.0/0"].
	IngressCidrBlocks []string
	// ContainerPort is the target group port (required; CheckContainerPort).
	ContainerPort int
	// HealthCheckPath of the target group health check. Default DefaultHealthCheckPath.
	HealthCheckPath string
	// CertificateArn of an existing ACM certificate for the HTTPS listener.
	CertificateArn string
	// DomainName and HostedZoneID (together) add a Route 53 alias record for the ALB and,
	// without CertificateArn, a DNS-validated ACM certificate for DomainName.
	DomainName, HostedZoneID string
	// AllowHTTP permits plain HTTP forwarding when there is no certificate (dev stacks).
	// With a certificate the HTTP listener only redirects to HTTPS whatever this says.
	AllowHTTP bool
	// SslPolicy of the HTTPS listener. Default DefaultSslPolicy.
	SslPolicy string
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
// IngressCidrBlocks and has no egress of its own: the Service component adds the one
// egress rule to the task security group on the container port.
type LoadBalancer struct {
	pulumi.ResourceState

	LoadBalancerArn       pulumi.StringOutput `pulumi:"loadBalancerArn"`
	ArnSuffix             pulumi.StringOutput `pulumi:"arnSuffix"`
	DNSName               pulumi.StringOutput `pulumi:"dnsName"`
	URL                   pulumi.StringOutput `pulumi:"url"`
	SecurityGroupID       pulumi.StringOutput `pulumi:"securityGroupId"`
	TargetGroupArn        pulumi.StringOutput `pulumi:"targetGroupArn"`
	TargetGroupArnSuffix  pulumi.StringOutput `pulumi:"targetGroupArnSuffix"`
	ProductionListenerArn pulumi.StringOutput `pulumi:"productionListenerArn"`
	TargetGroupName       pulumi.StringOutput `pulumi:"targetGroupName"`
	// Blue-green only (TestListener set): the green target group and the test listener.
	GreenTargetGroupName      pulumi.StringOutput `pulumi:"greenTargetGroupName"`
	GreenTargetGroupArnSuffix pulumi.StringOutput `pulumi:"greenTargetGroupArnSuffix"`
	TestListenerArn           pulumi.StringOutput `pulumi:"testListenerArn"`
	TestListenerURL           pulumi.StringOutput `pulumi:"testListenerUrl"`
	// Listeners lets an ECS service DependsOn them (a service needs its target group
	// attached to a listener before it registers).
	Listeners []pulumi.Resource
}

func (a LoadBalancerArgs) withDefaults() LoadBalancerArgs {
	if len(a.IngressCidrBlocks) == 0 {
		a.IngressCidrBlocks = []string{anywhere}
	}
	if a.HealthCheckPath == "" {
		a.HealthCheckPath = DefaultHealthCheckPath
	}
	if a.SslPolicy == "" {
		a.SslPolicy = DefaultSslPolicy
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
	return a
}

func (a LoadBalancerArgs) hasCertificate() bool { return a.CertificateArn != "" || a.DomainName != "" }

// wiring checks the inputs that come from other components (WebService passes them).
func (a LoadBalancerArgs) wiring() error {
	if a.VpcID == nil || a.SubnetIDs == nil {
		return errors.New("VpcID and SubnetIDs are required: pass the Network's vpcId and publicSubnetIds")
	}
	return nil
}

// validate reports every problem of the settings (not the wiring).
func (a LoadBalancerArgs) validate() error {
	var errs []error
	add := func(format string, v ...any) { errs = append(errs, fmt.Errorf(format, v...)) }
	for i, cidr := range a.IngressCidrBlocks {
		if err := validateIPv4CIDR(fmt.Sprintf("IngressCidrBlocks[%d]", i), cidr); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs,
		CheckContainerPort(a.ContainerPort).For("ContainerPort"),
		CheckHealthCheckPath(a.HealthCheckPath).For("HealthCheckPath"),
		CheckCertificateArn(a.CertificateArn).For("CertificateArn"),
		CheckDomainName(a.DomainName).For("DomainName"),
		CheckHostedZoneID(a.HostedZoneID).For("HostedZoneID"),
		CheckSslPolicy(a.SslPolicy).For("SslPolicy"),
		CheckIdleTimeout(a.IdleTimeoutSeconds).For("IdleTimeoutSeconds"),
		CheckDeregistrationDelay(a.DeregistrationDelaySeconds).For("DeregistrationDelaySeconds"),
		CheckDesyncMitigationMode(a.DesyncMitigationMode).For("DesyncMitigationMode"),
		CheckAccessLogsRetentionDays(a.AccessLogsRetentionDays).For("AccessLogsRetentionDays"),
	)
	if (a.DomainName == "") != (a.HostedZoneID == "") {
		add("DomainName and HostedZoneID go together: set both for a Route 53 alias (and a DNS-validated certificate), or neither")
	}
	if !a.hasCertificate() && !a.AllowHTTP {
		add("no certificate: set CertificateArn, or DomainName and HostedZoneID for a DNS-validated certificate; or set AllowHTTP for a non-production stack that may serve plain HTTP")
	}
	if t := a.TestListener; t != nil {
		if t.Port < 1 || t.Port > 65535 || t.Port == 80 || t.Port == 443 {
			add("TestListener.Port %d: use a free TCP port other than 80 and 443 (the production listeners), such as 8443", t.Port)
		}
		if len(t.CidrBlocks) == 0 {
			add("TestListener.CidrBlocks is empty: list the CIDRs of the machines that run the release checks")
		}
		for i, cidr := range t.CidrBlocks {
			if err := validateIPv4CIDR(fmt.Sprintf("TestListener.CidrBlocks[%d]", i), cidr); err != nil {
				errs = append(errs, err)
			} else if cidr == anywhere {
				add("TestListener.CidrBlocks[%d] is 0.0.0.0/0: the test listener serves unreleased versions, so open it only to the release checkers' CIDRs", i)
			}
		}
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
		VpcId:       a.VpcID,
		Description: pulumi.String("ALB: HTTP/HTTPS from the allowed CIDRs; egress only to the tasks (added by the service)"),
	}, parent)
	if err != nil {
		return nil, err
	}
	if err := allowIngress(ctx, name+"-alb", sg.ID(), a.IngressCidrBlocks, []int{80, 443}, parent); err != nil {
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

	url := pulumi.Sprintf("http://%s", alb.DnsName)
	var certificateArn pulumi.StringOutput
	if a.hasCertificate() {
		certificateArn = pulumi.String(a.CertificateArn).ToStringOutput()
		if a.CertificateArn == "" {
			if certificateArn, err = validatedCertificate(ctx, name, a, parent); err != nil {
				return nil, err
			}
		}
		https, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(443),
			Protocol:        pulumi.String("HTTPS"),
			SslPolicy:       pulumi.String(a.SslPolicy),
			CertificateArn:  certificateArn,
			DefaultActions:  forward,
			// HSTS belongs to whoever terminates TLS (browsers ignore it over plain HTTP, which
			// is all the targets see), and set here it also covers the load balancer's own
			// answers: 503 with no healthy target, WAF blocks. No "Server: awselb/2.0" either.
			RoutingHttpResponseStrictTransportSecurityHeaderValue: pulumi.String(HSTSHeaderValue),
			RoutingHttpResponseServerEnabled:                      pulumi.Bool(false),
		}, forwardOpts...)
		if err != nil {
			return nil, err
		}
		redirect, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions: lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
				Type:     pulumi.String("redirect"),
				Redirect: lb.ListenerDefaultActionRedirectArgs{Protocol: pulumi.String("HTTPS"), Port: pulumi.String("443"), StatusCode: pulumi.String("HTTP_301")},
			}},
		}, parent)
		if err != nil {
			return nil, err
		}
		comp.ProductionListenerArn = https.Arn
		comp.Listeners = []pulumi.Resource{https, redirect}
		url = pulumi.Sprintf("https://%s", alb.DnsName)
	} else {
		http, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forward,
		}, forwardOpts...)
		if err != nil {
			return nil, err
		}
		comp.ProductionListenerArn = http.Arn
		comp.Listeners = []pulumi.Resource{http}
	}

	if a.DomainName != "" {
		if _, err := route53.NewRecord(ctx, name+"-alias", &route53.RecordArgs{
			ZoneId: pulumi.String(a.HostedZoneID),
			Name:   pulumi.String(a.DomainName),
			Type:   pulumi.String("A"),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name: alb.DnsName, ZoneId: alb.ZoneId, EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, parent); err != nil {
			return nil, err
		}
		url = pulumi.String("https://" + a.DomainName).ToStringOutput()
	}

	outputs := pulumi.Map{}
	if t := a.TestListener; t != nil {
		green, err := targetGroup(ctx, name, "-tg-green", a, parent)
		if err != nil {
			return nil, err
		}
		if err := allowIngress(ctx, name+"-alb-test", sg.ID(), t.CidrBlocks, []int{t.Port}, parent); err != nil {
			return nil, err
		}
		testArgs := &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(t.Port),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forwardTo(green),
		}
		scheme, host := "http", alb.DnsName
		if a.hasCertificate() {
			scheme = "https"
			testArgs.Protocol, testArgs.SslPolicy, testArgs.CertificateArn = pulumi.String("HTTPS"), pulumi.String(a.SslPolicy), certificateArn
		}
		if a.DomainName != "" {
			host = pulumi.String(a.DomainName).ToStringOutput() // the certificate's name
		}
		test, err := lb.NewListener(ctx, name+"-test", testArgs, forwardOpts...)
		if err != nil {
			return nil, err
		}
		comp.GreenTargetGroupName = green.Name
		comp.GreenTargetGroupArnSuffix = green.ArnSuffix
		comp.TestListenerArn = test.Arn
		comp.TestListenerURL = pulumi.Sprintf("%s://%s:%d", scheme, host, t.Port)
		outputs["greenTargetGroupName"] = comp.GreenTargetGroupName
		outputs["greenTargetGroupArnSuffix"] = comp.GreenTargetGroupArnSuffix
		outputs["testListenerArn"] = comp.TestListenerArn
		outputs["testListenerUrl"] = comp.TestListenerURL
	}

	comp.LoadBalancerArn = alb.Arn
	comp.ArnSuffix = alb.ArnSuffix
	comp.DNSName = alb.DnsName
	comp.URL = url
	comp.SecurityGroupID = sg.ID().ToStringOutput()
	comp.TargetGroupArn = tg.Arn
	comp.TargetGroupArnSuffix = tg.ArnSuffix
	comp.TargetGroupName = tg.Name
	outputs["loadBalancerArn"] = comp.LoadBalancerArn
	outputs["arnSuffix"] = comp.ArnSuffix
	outputs["dnsName"] = comp.DNSName
	outputs["url"] = comp.URL
	outputs["securityGroupId"] = comp.SecurityGroupID
	outputs["targetGroupArn"] = comp.TargetGroupArn
	outputs["targetGroupArnSuffix"] = comp.TargetGroupArnSuffix
	outputs["targetGroupName"] = comp.TargetGroupName
	outputs["productionListenerArn"] = comp.ProductionListenerArn
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
		VpcId:               a.VpcID,
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

// validatedCertificate requests an ACM certificate for DomainName, publishes its DNS
// validation record in the hosted zone and returns the ARN once ACM has issued it.
func validatedCertificate(ctx *pulumi.Context, name string, a LoadBalancerArgs, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	cert, err := acm.NewCertificate(ctx, name+"-cert", &acm.CertificateArgs{
		DomainName:       pulumi.String(a.DomainName),
		ValidationMethod: pulumi.String("DNS"),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	option := cert.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(ctx, name+"-cert-validation", &route53.RecordArgs{
		ZoneId:         pulumi.String(a.HostedZoneID),
		Name:           option.ResourceRecordName().Elem(),
		Type:           option.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{option.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(60),
		AllowOverwrite: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	validation, err := acm.NewCertificateValidation(ctx, name+"-cert", &acm.CertificateValidationArgs{
		CertificateArn:        cert.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return validation.CertificateArn, nil
}

// accessLogBucket creates the private, encrypted, expiring bucket the ALB logs to and
// returns it with the resources that must exist before the ALB writes to it. S3 records who reads
// or changes those logs (server access logging, Security Hub S3.9) in a second bucket of the same
// kind; that bucket logs nowhere, since logging it would need a third (docs/fsbp.md, S3.9).
func accessLogBucket(ctx *pulumi.Context, name string, a LoadBalancerArgs, parent pulumi.ResourceOption) (*s3.BucketV2, []pulumi.Resource, error) {
	bucket, block, encryption, err := privateLogBucket(ctx, name+"-logs", a, "expire-access-logs", parent)
	if err != nil {
		return nil, nil, err
	}
	policy, err := s3.NewBucketPolicy(ctx, name+"-logs", &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: pulumi.All(bucket.Arn, bucket.Region).ApplyT(func(v []any) (string, error) {
			return accessLogBucketPolicy(v[0].(string), v[1].(string))
		}),
	}, parent, pulumi.DependsOn([]pulumi.Resource{block}))
	if err != nil {
		return nil, nil, err
	}

	target, targetBlock, _, err := privateLogBucket(ctx, name+"-logs-access", a, "expire-server-access-logs", parent)
	if err != nil {
		return nil, nil, err
	}
	targetPolicy, err := s3.NewBucketPolicy(ctx, name+"-logs-access", &s3.BucketPolicyArgs{
		Bucket: target.ID(),
		Policy: pulumi.All(target.Arn, bucket.Arn).ApplyT(func(v []any) (string, error) {
			return serverAccessLogBucketPolicy(v[0].(string), v[1].(string))
		}),
	}, parent, pulumi.DependsOn([]pulumi.Resource{targetBlock}))
	if err != nil {
		return nil, nil, err
	}
	if _, err := s3.NewBucketLoggingV2(ctx, name+"-logs", &s3.BucketLoggingV2Args{
		Bucket:       bucket.ID(),
		TargetBucket: target.ID(),
		TargetPrefix: pulumi.String(serverAccessLogPrefix),
	}, parent, pulumi.DependsOn([]pulumi.Resource{targetPolicy})); err != nil {
		return nil, nil, err
	}
	return bucket, []pulumi.Resource{policy, encryption}, nil
}

// privateLogBucket is a log bucket: owner-enforced objects (no ACLs), all public access blocked,
// SSE-S3 (ALB access logs support SSE-S3 only, not SSE-KMS), objects expiring after
// AccessLogsRetentionDays. It returns the bucket, its public access block and its encryption.
func privateLogBucket(ctx *pulumi.Context, name string, a LoadBalancerArgs, ruleID string, parent pulumi.ResourceOption) (*s3.BucketV2, pulumi.Resource, pulumi.Resource, error) {
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{
		// Without deletion protection (dev) the stack can be torn down with its logs.
		ForceDestroy: pulumi.Bool(!a.DeletionProtection),
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, nil, nil, err
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	encryption, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}, parent)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketLifecycleConfigurationV2RuleArray{s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String(ruleID),
			Status:     pulumi.String("Enabled"),
			Filter:     s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.AccessLogsRetentionDays)},
			AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(1),
			},
		}},
	}, parent); err != nil {
		return nil, nil, nil, err
	}
	return bucket, block, encryption, nil
}

// serverAccessLogBucketPolicy lets the S3 logging service write the source bucket's server access
// logs under serverAccessLogPrefix, and refuses requests made without TLS. With BucketOwnerEnforced
// a bucket policy (not the log-delivery ACL) is how the permission is given. Source: S3 User
// Guide, "Permissions for log delivery" (principal logging.s3.amazonaws.com, aws:SourceArn).
func serverAccessLogBucketPolicy(targetArn, sourceArn string) (string, error) {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{
				"Sid":       "AllowS3ServerAccessLogDelivery",
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
				"Action":    "s3:PutObject",
				"Resource":  targetArn + "/" + serverAccessLogPrefix + "*",
				"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": sourceArn}},
			},
			denyInsecureTransport(targetArn),
		},
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// denyInsecureTransport refuses any request to the bucket made without TLS (Security Hub S3.5).
func denyInsecureTransport(bucketArn string) map[string]any {
	return map[string]any{
		"Sid":       "DenyInsecureTransport",
		"Effect":    "Deny",
		"Principal": "*",
		"Action":    "s3:*",
		"Resource":  []string{bucketArn, bucketArn + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}
}

// elbLogDeliveryAccounts are the ELB accounts that deliver access logs in the regions
// opened before August 2022; there AWS documents the account as the bucket policy
// principal, elsewhere the logdelivery.elasticloadbalancing.amazonaws.com service.
// Source: ELB user guide, "Enable access logs for your Application Load Balancer".
var elbLogDeliveryAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-south-1": "718504428378",
	"ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887", "ap-northeast-3": "383597477331",
	"ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266", "ap-southeast-3": "589379963580",
	"ca-central-1": "985666609251", "eu-central-1": "054676820928", "eu-west-1": "156460612806",
	"eu-west-2": "652711504416", "eu-west-3": "009996457667", "eu-south-1": "635631232127",
	"eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
	"us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
	"cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}

// accessLogBucketPolicy lets ELB log delivery write under the log prefix and refuses
// any request made without TLS. The bucket's region (an output, so no invoke) picks
// the principal; its ARN gives the partition.
func accessLogBucketPolicy(bucketArn, region string) (string, error) {
	principal := map[string]any{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
	if account, ok := elbLogDeliveryAccounts[region]; ok {
		partition := strings.Split(bucketArn, ":")[1]
		principal = map[string]any{"AWS": "arn:" + partition + ":iam::" + account + ":root"}
	}
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{
				"Sid":       "AllowElbLogDelivery",
				"Effect":    "Allow",
				"Principal": principal,
				"Action":    "s3:PutObject",
				"Resource":  bucketArn + "/" + accessLogPrefix + "/AWSLogs/*",
			},
			denyInsecureTransport(bucketArn),
		},
	}
	b, err := json.Marshal(doc)
	return string(b), err
}
