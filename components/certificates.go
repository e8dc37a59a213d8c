package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The load balancer's name in DNS: its certificate (issued by ACM, validated in Route 53) and
// its alias record.

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

// aliasRecord points DomainName at the load balancer and returns the URL under that name.
func aliasRecord(ctx *pulumi.Context, name string, a LoadBalancerArgs, alb *lb.LoadBalancer, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	if _, err := route53.NewRecord(ctx, name+"-alias", &route53.RecordArgs{
		ZoneId: pulumi.String(a.HostedZoneID),
		Name:   pulumi.String(a.DomainName),
		Type:   pulumi.String("A"),
		Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
			Name: alb.DnsName, ZoneId: alb.ZoneId, EvaluateTargetHealth: pulumi.Bool(true),
		}},
	}, parent); err != nil {
		return pulumi.StringOutput{}, err
	}
	return pulumi.String("https://" + a.DomainName).ToStringOutput(), nil
}
