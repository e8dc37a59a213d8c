package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// HSTSHeaderValue is the Strict-Transport-Security header the HTTPS listener adds to every
// response, the same one the API sends (api/middleware.go): one year, subdomains included.
const HSTSHeaderValue = "max-age=31536000; includeSubDomains"

// productionListeners are the listeners on 80 and 443 that serve the released version.
type productionListeners struct {
	arn            pulumi.StringOutput // the one that forwards: HTTPS, or HTTP without a certificate
	listeners      []pulumi.Resource
	url            pulumi.StringOutput
	certificateARN pulumi.StringOutput // zero without a certificate
}

// newProductionListeners: with a certificate an HTTPS listener that forwards and an HTTP one that
// redirects to it; without one (AllowHTTP) an HTTP listener that forwards.
func newProductionListeners(ctx *pulumi.Context, name string, a LoadBalancerArgs, alb *lb.LoadBalancer, forward lb.ListenerDefaultActionArray, forwardOpts []pulumi.ResourceOption, parent pulumi.ResourceOption) (productionListeners, error) {
	l := productionListeners{url: pulumi.Sprintf("http://%s", alb.DnsName)}
	var err error
	if a.hasCertificate() {
		l.certificateARN = pulumi.String(a.CertificateARN).ToStringOutput()
		if a.CertificateARN == "" {
			if l.certificateARN, err = validatedCertificate(ctx, name, a, parent); err != nil {
				return l, err
			}
		}
		https, err := lb.NewListener(ctx, name+"-https", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(443),
			Protocol:        pulumi.String("HTTPS"),
			SslPolicy:       pulumi.String(a.SSLPolicy),
			CertificateArn:  l.certificateARN,
			DefaultActions:  forward,
			// HSTS belongs to whoever terminates TLS (browsers ignore it over plain HTTP, which
			// is all the targets see), and set here it also covers the load balancer's own
			// answers: 503 with no healthy target, WAF blocks. No "Server: awselb/2.0" either.
			RoutingHttpResponseStrictTransportSecurityHeaderValue: pulumi.String(HSTSHeaderValue),
			RoutingHttpResponseServerEnabled:                      pulumi.Bool(false),
		}, forwardOpts...)
		if err != nil {
			return l, err
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
			return l, err
		}
		l.arn, l.listeners = https.Arn, []pulumi.Resource{https, redirect}
		l.url = pulumi.Sprintf("https://%s", alb.DnsName)
	} else {
		http, err := lb.NewListener(ctx, name+"-http", &lb.ListenerArgs{
			LoadBalancerArn: alb.Arn,
			Port:            pulumi.Int(80),
			Protocol:        pulumi.String("HTTP"),
			DefaultActions:  forward,
		}, forwardOpts...)
		if err != nil {
			return l, err
		}
		l.arn, l.listeners = http.Arn, []pulumi.Resource{http}
	}
	return l, nil
}

// addTestListener adds blue-green's green target group and the test listener that forwards to
// it, open to TestListener.CIDRBlocks only.
func (lbc *LoadBalancer) addTestListener(ctx *pulumi.Context, name string, a LoadBalancerArgs, alb *lb.LoadBalancer, sg *ec2.SecurityGroup, certificateARN pulumi.StringOutput, forwardOpts []pulumi.ResourceOption, parent pulumi.ResourceOrInvokeOption, outputs pulumi.Map) error {
	t := a.TestListener
	green, err := targetGroup(ctx, name, "-tg-green", a, parent)
	if err != nil {
		return err
	}
	if err := allowIngress(ctx, name+"-alb-test", sg.ID(), t.CIDRBlocks, []int{t.Port}, parent); err != nil {
		return err
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
		testArgs.Protocol, testArgs.SslPolicy, testArgs.CertificateArn = pulumi.String("HTTPS"), pulumi.String(a.SSLPolicy), certificateARN
	}
	if a.DomainName != "" {
		host = pulumi.String(a.DomainName).ToStringOutput() // the certificate's name
	}
	test, err := lb.NewListener(ctx, name+"-test", testArgs, forwardOpts...)
	if err != nil {
		return err
	}
	lbc.GreenTargetGroupName = green.Name
	lbc.GreenTargetGroupARNSuffix = green.ArnSuffix
	lbc.TestListenerARN = test.Arn
	lbc.TestListenerURL = pulumi.Sprintf("%s://%s:%d", scheme, host, t.Port)
	outputs["greenTargetGroupName"] = lbc.GreenTargetGroupName
	outputs["greenTargetGroupArnSuffix"] = lbc.GreenTargetGroupARNSuffix
	outputs["testListenerArn"] = lbc.TestListenerARN
	outputs["testListenerUrl"] = lbc.TestListenerURL
	return nil
}
