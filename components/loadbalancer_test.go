package components

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"example.com/webstack/internal/clouddouble"
)

const (
	netTypeLoadBalancer = "aws:lb/loadBalancer:LoadBalancer"
	netTypeTargetGroup  = "aws:lb/targetGroup:TargetGroup"
	netTypeListener     = "aws:lb/listener:Listener"
	netTypeRecord       = "aws:route53/record:Record"
	netTestCertARN      = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
)

// lbOutputs are the resolved component outputs plus the listener count.
type lbOutputs struct {
	url, dnsName, productionListenerARN, securityGroupID, targetGroupARN string
	listeners                                                            int
}

func runLoadBalancer(t *testing.T, args LoadBalancerArgs) (*clouddouble.Double, lbOutputs) {
	t.Helper()
	args.VPCID = pulumi.String("vpc-double")
	args.SubnetIDs = pulumi.ToStringArray([]string{"subnet-public-1", "subnet-public-2"})
	var out lbOutputs
	d, err := runNetDouble(func(ctx *pulumi.Context) error {
		l, err := NewLoadBalancer(ctx, "web", &args)
		if err != nil {
			return err
		}
		out.listeners = len(l.Listeners)
		clouddouble.Await(ctx, "lb", func(v []any) {
			out.url, out.dnsName, out.productionListenerARN = v[0].(string), v[1].(string), v[2].(string)
			out.securityGroupID, out.targetGroupARN = v[3].(string), v[4].(string)
		}, l.URL, l.DNSName, l.ProductionListenerARN, l.SecurityGroupID, l.TargetGroupARN)
		return nil
	})
	if err != nil {
		t.Fatalf("NewLoadBalancer: %v", err)
	}
	return d, out
}

func netWant(t *testing.T, r clouddouble.Recorded, want map[string]any) {
	t.Helper()
	for path, w := range want {
		if got := clouddouble.DottedPath(r.Inputs, path).V; got != w {
			t.Errorf("%s %s: %s = %v, want %v", r.Type, r.Name, path, got, w)
		}
	}
}

// listenerActions returns a listener's default actions as plain maps.
func listenerActions(r clouddouble.Recorded) []map[string]any {
	var out []map[string]any
	for _, a := range clouddouble.DottedPath(r.Inputs, "defaultActions").ArrayValue() {
		out = append(out, a.ObjectValue().Mappable())
	}
	return out
}

func TestLoadBalancerWithCertificateARN(t *testing.T) {
	cidrs := []string{"203.0.113.0/24", "198.51.100.0/24"}
	d, out := runLoadBalancer(t, LoadBalancerArgs{
		CertificateARN: netTestCertARN, IngressCIDRBlocks: cidrs, ContainerPort: 8080,
		DeletionProtection: true, AccessLogs: true, AccessLogsRetentionDays: 30,
		// AllowHTTP must not turn the redirect into forwarding when a certificate exists.
		AllowHTTP: true,
	})

	t.Run("security group: 80/443 from the CIDRs, no egress", func(t *testing.T) {
		sg := d.Named(t, netTypeSecGroup, "web-alb")
		for _, dir := range []string{"ingress", "egress"} {
			if v := clouddouble.DottedPath(sg.Inputs, dir); v.IsArray() && len(v.ArrayValue()) > 0 {
				t.Errorf("ALB security group has inline %s %v", dir, v)
			}
		}
		for _, typ := range []string{"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"} {
			if n := len(d.OfType(typ)); n != 0 {
				t.Errorf("the load balancer registered %d %s; its egress belongs to the Service", n, typ)
			}
		}
		var got []string
		for _, r := range d.OfType(netTypeIngressRule) {
			netWant(t, r, map[string]any{"securityGroupId": "web-alb-id", "ipProtocol": "tcp"})
			if clouddouble.DottedPath(r.Inputs, "fromPort").V != clouddouble.DottedPath(r.Inputs, "toPort").V {
				t.Errorf("%s opens a port range", r.Name)
			}
			got = append(got, fmt.Sprintf("%s:%v", clouddouble.DottedPath(r.Inputs, "cidrIpv4").StringValue(), clouddouble.DottedPath(r.Inputs, "fromPort").NumberValue()))
		}
		slices.Sort(got)
		want := []string{"198.51.100.0/24:443", "198.51.100.0/24:80", "203.0.113.0/24:443", "203.0.113.0/24:80"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ingress rules = %v, want %v", got, want)
		}
		if out.securityGroupID != "web-alb-id" {
			t.Errorf("securityGroupId = %q", out.securityGroupID)
		}
	})

	t.Run("ALB hardening", func(t *testing.T) {
		alb := d.Named(t, netTypeLoadBalancer, "web-alb")
		netWant(t, alb, map[string]any{
			"loadBalancerType": "application", "internal": false, "dropInvalidHeaderFields": true,
			"desyncMitigationMode": "defensive", "idleTimeout": 60.0, "enableDeletionProtection": true,
			"accessLogs.bucket": "web-logs-bucket", "accessLogs.prefix": "alb", "accessLogs.enabled": true,
			"namePrefix": "web-",
		})
		if got := clouddouble.Strings(clouddouble.DottedPath(alb.Inputs, "securityGroups")); !reflect.DeepEqual(got, []string{"web-alb-id"}) {
			t.Errorf("ALB security groups = %v", got)
		}
		if got := clouddouble.Strings(clouddouble.DottedPath(alb.Inputs, "subnets")); !reflect.DeepEqual(got, []string{"subnet-public-1", "subnet-public-2"}) {
			t.Errorf("ALB subnets = %v", got)
		}
		if !strings.Contains(alb.Parent, "webstack:components:LoadBalancer") {
			t.Errorf("ALB parent = %q", alb.Parent)
		}
	})

	t.Run("target group", func(t *testing.T) {
		tg := d.Named(t, netTypeTargetGroup, "web-tg")
		netWant(t, tg, map[string]any{
			"port": 8080.0, "protocol": "HTTP", "targetType": "ip", "vpcId": "vpc-double", "deregistrationDelay": 30.0,
			"namePrefix":       "web-",
			"healthCheck.path": "/healthz", "healthCheck.interval": 10.0, "healthCheck.healthyThreshold": 2.0,
			"healthCheck.unhealthyThreshold": 3.0, "healthCheck.timeout": 5.0, "healthCheck.matcher": "200",
		})
	})

	t.Run("HTTPS forwards with TLS 1.3 policy, HTTP only redirects", func(t *testing.T) {
		https := d.Named(t, netTypeListener, "web-https")
		netWant(t, https, map[string]any{"port": 443.0, "protocol": "HTTPS", "sslPolicy": DefaultSSLPolicy, "certificateArn": netTestCertARN,
			"routingHttpResponseStrictTransportSecurityHeaderValue": "max-age=31536000; includeSubDomains",
			"routingHttpResponseServerEnabled":                      false})
		wantForward := []map[string]any{{"type": "forward", "targetGroupArn": out.targetGroupARN}}
		if got := listenerActions(https); !reflect.DeepEqual(got, wantForward) {
			t.Errorf("HTTPS actions = %v, want %v", got, wantForward)
		}
		http := d.Named(t, netTypeListener, "web-http")
		netWant(t, http, map[string]any{"port": 80.0, "protocol": "HTTP"})
		wantRedirect := []map[string]any{{"type": "redirect", "redirect": map[string]any{"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}}
		if got := listenerActions(http); !reflect.DeepEqual(got, wantRedirect) {
			t.Errorf("HTTP actions = %v, want only %v", got, wantRedirect)
		}
		if len(d.OfType(netTypeListener)) != 2 || out.listeners != 2 {
			t.Errorf("want 2 listeners registered and exposed, got %d and %d", len(d.OfType(netTypeListener)), out.listeners)
		}
		if !strings.HasSuffix(out.productionListenerARN, ":web-https") {
			t.Errorf("productionListenerArn = %q, want the HTTPS listener", out.productionListenerARN)
		}
		if want := "https://" + out.dnsName; out.url != want {
			t.Errorf("url = %q, want %q", out.url, want)
		}
	})

	t.Run("access log bucket", func(t *testing.T) {
		netWant(t, d.Named(t, "aws:s3/bucketV2:BucketV2", "web-logs"), map[string]any{"forceDestroy": false})
		netWant(t, d.Named(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "web-logs"), map[string]any{
			"bucket": "web-logs-bucket", "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true,
		})
		netWant(t, d.Named(t, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "web-logs"), map[string]any{"rule.objectOwnership": "BucketOwnerEnforced"})
		sse := d.Named(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "web-logs")
		if got := clouddouble.DottedPath(sse.Inputs, "rules").ArrayValue()[0].ObjectValue()["applyServerSideEncryptionByDefault"].ObjectValue()["sseAlgorithm"].StringValue(); got != "AES256" {
			t.Errorf("SSE algorithm = %q, want AES256 (the only one ALB logs support)", got)
		}
		lc := d.Named(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "web-logs")
		rule := clouddouble.DottedPath(lc.Inputs, "rules").ArrayValue()[0].ObjectValue()
		if rule["status"].StringValue() != "Enabled" || rule["expiration"].ObjectValue()["days"].NumberValue() != 30 {
			t.Errorf("lifecycle rule = %v, want enabled expiry after 30 days", rule)
		}

		pol := d.Named(t, "aws:s3/bucketPolicy:BucketPolicy", "web-logs")
		var doc struct {
			Statement []struct {
				Effect    string
				Principal any
				Action    any
				Resource  any
			}
		}
		if err := json.Unmarshal([]byte(clouddouble.DottedPath(pol.Inputs, "policy").StringValue()), &doc); err != nil {
			t.Fatalf("bucket policy is not JSON: %v", err)
		}
		allow := doc.Statement[0]
		// us-east-1 predates the log-delivery service principal: its ELB account is the principal.
		if allow.Effect != "Allow" || !reflect.DeepEqual(allow.Principal, map[string]any{"AWS": "arn:aws:iam::127311923021:root"}) ||
			!reflect.DeepEqual(allow.Action, []any{"s3:PutObject"}) || !reflect.DeepEqual(allow.Resource, []any{"arn:aws:s3:::web-logs-bucket/alb/AWSLogs/*"}) {
			t.Errorf("log delivery statement = %+v", allow)
		}
		for _, s := range doc.Statement[1:] {
			if s.Effect != "Deny" {
				t.Errorf("extra statement %+v grants access", s)
			}
		}
	})

	// Security Hub S3.9: the access-log bucket's own server access logs go to a second bucket of
	// the same kind, which only the S3 logging service may write to, for this source bucket.
	t.Run("server access logs", func(t *testing.T) {
		netWant(t, d.Named(t, "aws:s3/bucketLoggingV2:BucketLoggingV2", "web-logs"), map[string]any{
			"bucket": "web-logs-bucket", "targetBucket": "web-logs-access-bucket", "targetPrefix": "s3/",
		})
		netWant(t, d.Named(t, "aws:s3/bucketV2:BucketV2", "web-logs-access"), map[string]any{"forceDestroy": false})
		netWant(t, d.Named(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "web-logs-access"), map[string]any{
			"bucket": "web-logs-access-bucket", "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true,
		})
		netWant(t, d.Named(t, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "web-logs-access"), map[string]any{"rule.objectOwnership": "BucketOwnerEnforced"})
		d.Named(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "web-logs-access")
		lc := d.Named(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "web-logs-access")
		if rule := clouddouble.DottedPath(lc.Inputs, "rules").ArrayValue()[0].ObjectValue(); rule["expiration"].ObjectValue()["days"].NumberValue() != 30 {
			t.Errorf("server access log lifecycle rule = %v, want expiry after 30 days", rule)
		}
		var doc struct {
			Statement []struct {
				Effect    string
				Principal any
				Action    any
				Resource  any
				Condition map[string]map[string]any
			}
		}
		pol := d.Named(t, "aws:s3/bucketPolicy:BucketPolicy", "web-logs-access")
		if err := json.Unmarshal([]byte(clouddouble.DottedPath(pol.Inputs, "policy").StringValue()), &doc); err != nil {
			t.Fatalf("bucket policy is not JSON: %v", err)
		}
		allow := doc.Statement[0]
		if allow.Effect != "Allow" || !reflect.DeepEqual(allow.Principal, map[string]any{"Service": "logging.s3.amazonaws.com"}) ||
			!reflect.DeepEqual(allow.Action, []any{"s3:PutObject"}) || !reflect.DeepEqual(allow.Resource, []any{"arn:aws:s3:::web-logs-access-bucket/s3/*"}) ||
			allow.Condition["ArnLike"]["aws:SourceArn"] != "arn:aws:s3:::web-logs-bucket" {
			t.Errorf("server access log delivery statement = %+v", allow)
		}
		if len(doc.Statement) != 2 || doc.Statement[1].Effect != "Deny" || doc.Statement[1].Condition["Bool"]["aws:SecureTransport"] != "false" {
			t.Errorf("want exactly one more statement, denying requests without TLS: %+v", doc.Statement[1:])
		}
		if n := len(d.OfType("aws:s3/bucketLoggingV2:BucketLoggingV2")); n != 1 {
			t.Errorf("%d bucket logging resources, want 1 (the log target bucket logs nowhere)", n)
		}
	})
}

func TestAccessLogBucketPolicyPrincipalByRegion(t *testing.T) {
	for _, tc := range []struct{ arn, region, want string }{
		{"arn:aws:s3:::logs", "us-east-1", `{"AWS":"arn:aws:iam::127311923021:root"}`},
		{"arn:aws:s3:::logs", "eu-west-1", `{"AWS":"arn:aws:iam::156460612806:root"}`},
		{"arn:aws-us-gov:s3:::logs", "us-gov-west-1", `{"AWS":"arn:aws-us-gov:iam::048591011584:root"}`},
		// Regions opened since August 2022 only accept the service principal.
		{"arn:aws:s3:::logs", "eu-central-2", `{"Service":"logdelivery.elasticloadbalancing.amazonaws.com"}`},
		{"arn:aws:s3:::logs", "ap-southeast-4", `{"Service":"logdelivery.elasticloadbalancing.amazonaws.com"}`},
	} {
		policy, err := accessLogBucketPolicy(tc.arn, tc.region)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Statement []struct{ Principal json.RawMessage }
		}
		if err := json.Unmarshal([]byte(policy), &doc); err != nil {
			t.Fatal(err)
		}
		if got := string(doc.Statement[0].Principal); got != tc.want {
			t.Errorf("%s: principal = %s, want %s", tc.region, got, tc.want)
		}
	}
}

func TestLoadBalancerHTTPOnlyWhenAllowed(t *testing.T) {
	d, out := runLoadBalancer(t, LoadBalancerArgs{AllowHTTP: true, ContainerPort: 8080})
	listeners := d.OfType(netTypeListener)
	if len(listeners) != 1 || listeners[0].Name != "web-http" {
		t.Fatalf("want only the HTTP listener, got %v", d.Names())
	}
	netWant(t, listeners[0], map[string]any{"port": 80.0, "protocol": "HTTP"})
	wantForward := []map[string]any{{"type": "forward", "targetGroupArn": out.targetGroupARN}}
	if got := listenerActions(listeners[0]); !reflect.DeepEqual(got, wantForward) {
		t.Errorf("HTTP actions = %v, want %v", got, wantForward)
	}
	if want := "http://" + out.dnsName; out.url != want {
		t.Errorf("url = %q, want %q", out.url, want)
	}
	if !strings.HasSuffix(out.productionListenerARN, ":web-http") {
		t.Errorf("productionListenerArn = %q, want the HTTP forwarder", out.productionListenerARN)
	}
	alb := d.Named(t, netTypeLoadBalancer, "web-alb")
	netWant(t, alb, map[string]any{"enableDeletionProtection": false})
	if v := clouddouble.DottedPath(alb.Inputs, "accessLogs"); !v.IsNull() {
		t.Errorf("access logs off, yet ALB accessLogs = %v", v)
	}
	if n := len(d.OfType("aws:s3/bucketV2:BucketV2")); n != 0 {
		t.Errorf("access logs off, yet %d buckets", n)
	}
}

func TestLoadBalancerDomainGetsValidatedCertificateAndAlias(t *testing.T) {
	d, out := runLoadBalancer(t, LoadBalancerArgs{DomainName: "api.example.com", HostedZoneID: "Z0123", ContainerPort: 8080, SSLPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06"})

	netWant(t, d.Named(t, "aws:acm/certificate:Certificate", "web-cert"), map[string]any{"domainName": "api.example.com", "validationMethod": "DNS"})
	validation := d.Named(t, netTypeRecord, "web-cert-validation")
	netWant(t, validation, map[string]any{"zoneId": "Z0123", "name": "_x1.api.example.com.", "type": "CNAME"})
	if got := clouddouble.Strings(clouddouble.DottedPath(validation.Inputs, "records")); !reflect.DeepEqual(got, []string{"_x2.acm-validations.aws."}) {
		t.Errorf("validation record values = %v", got)
	}
	cv := d.Named(t, "aws:acm/certificateValidation:CertificateValidation", "web-cert")
	if got := clouddouble.Strings(clouddouble.DottedPath(cv.Inputs, "validationRecordFqdns")); !reflect.DeepEqual(got, []string{"_x1.api.example.com"}) {
		t.Errorf("validation fqdns = %v", got)
	}
	https := d.Named(t, netTypeListener, "web-https")
	netWant(t, https, map[string]any{"certificateArn": "arn:aws:double:us-east-1:123456789012:web-cert", "sslPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06"})

	alias := d.Named(t, netTypeRecord, "web-alias")
	netWant(t, alias, map[string]any{"zoneId": "Z0123", "name": "api.example.com", "type": "A"})
	wantAlias := []any{map[string]any{"name": out.dnsName, "zoneId": "Z35SXDOTRQ7X7K", "evaluateTargetHealth": true}}
	if got := clouddouble.DottedPath(alias.Inputs, "aliases").Mappable(); !reflect.DeepEqual(got, wantAlias) {
		t.Errorf("alias = %v, want %v", got, wantAlias)
	}
	if out.url != "https://api.example.com" {
		t.Errorf("url = %q", out.url)
	}
}

func TestLoadBalancerInvalidArgs(t *testing.T) {
	ok := LoadBalancerArgs{CertificateARN: netTestCertARN, ContainerPort: 8080,
		VPCID: pulumi.String("vpc-double"), SubnetIDs: pulumi.ToStringArray([]string{"subnet-1", "subnet-2"})}
	with := func(f func(*LoadBalancerArgs)) LoadBalancerArgs { a := ok; f(&a); return a }
	for _, tc := range []struct {
		name string
		args LoadBalancerArgs
		want string
	}{
		{"no certificate", with(func(a *LoadBalancerArgs) { a.CertificateARN = "" }),
			"no certificate and no domain: the load balancer would serve plain HTTP"},
		{"bad CIDR", with(func(a *LoadBalancerArgs) { a.IngressCIDRBlocks = []string{"0.0.0.0/0", "10.1.2.3/8"} }), `IngressCIDRBlocks[1] "10.1.2.3/8" has host bits set`},
		{"not a CIDR", with(func(a *LoadBalancerArgs) { a.IngressCIDRBlocks = []string{"everyone"} }), `IngressCIDRBlocks[0] "everyone" is not an IPv4 CIDR block`},
		{"no port", with(func(a *LoadBalancerArgs) { a.ContainerPort = 0 }), "ContainerPort 0 is out of range: use a value from 1024 to 65535"},
		{"port too big", with(func(a *LoadBalancerArgs) { a.ContainerPort = 70000 }), "ContainerPort 70000 is out of range"},
		{"health path", with(func(a *LoadBalancerArgs) { a.HealthCheckPath = "healthz" }), `HealthCheckPath "healthz" is not a valid target group health-check path`},
		{"cert ARN", with(func(a *LoadBalancerArgs) { a.CertificateARN = "arn:aws:iam::1:server-certificate/x" }), "is not an ACM certificate ARN"},
		{"domain without zone", with(func(a *LoadBalancerArgs) { a.DomainName = "api.example.com" }), "the domain name and its Route 53 hosted zone id go together"},
		{"domain with scheme", with(func(a *LoadBalancerArgs) { a.DomainName, a.HostedZoneID = "https://api.example.com", "Z1" }), "is not a lowercase DNS name"},
		{"ssl policy", with(func(a *LoadBalancerArgs) { a.SSLPolicy = "TLS13" }), `SSLPolicy "TLS13" is not an ELB security policy`},
		{"idle timeout", with(func(a *LoadBalancerArgs) { a.IdleTimeoutSeconds = 4001 }), "IdleTimeoutSeconds 4001 is out of range: use a value from 1 to 4000"},
		{"negative idle", with(func(a *LoadBalancerArgs) { a.IdleTimeoutSeconds = -1 }), "IdleTimeoutSeconds -1 is out of range"},
		{"deregistration", with(func(a *LoadBalancerArgs) { a.DeregistrationDelaySeconds = 3601 }), "DeregistrationDelaySeconds 3601: draining must end before the task's stop timeout"},
		{"desync monitor", with(func(a *LoadBalancerArgs) { a.DesyncMitigationMode = "monitor" }), `DesyncMitigationMode "monitor" is not supported: use one of defensive, strictest`},
		{"retention", with(func(a *LoadBalancerArgs) { a.AccessLogs, a.AccessLogsRetentionDays = true, -5 }), "AccessLogsRetentionDays -5 is out of range: use a value from 1 to 3650"},
		{"no VPC", with(func(a *LoadBalancerArgs) { a.VPCID = nil }), "VPCID and SubnetIDs are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			d, err := runNetDouble(func(ctx *pulumi.Context) error {
				_, err := NewLoadBalancer(ctx, "web", &args)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if names := d.Names(); len(names) != 0 {
				t.Errorf("invalid args registered %v, want nothing", names)
			}
		})
	}
}

func TestPhysicalNamePrefixFitsAWSLimit(t *testing.T) {
	for name, want := range map[string]string{"web": "web-", "My_Service.Prod": "myser-", "---": "web-", "a1": "a1-"} {
		if got := physicalNamePrefix(name); got != want || len(got) > 6 {
			t.Errorf("physicalNamePrefix(%q) = %q, want %q (<= 6 chars)", name, got, want)
		}
	}
}

// TestHSTSMatchesTheAPI: the listener and the API send one Strict-Transport-Security value, so a
// browser never sees two policies depending on who answered.
func TestHSTSMatchesTheAPI(t *testing.T) {
	src, err := os.ReadFile("../api/middleware.go")
	if err != nil {
		t.Fatal(err)
	}
	sends := regexp.MustCompile(`hdrHSTS\s*=\s*\[\]string\{"` + regexp.QuoteMeta(HSTSHeaderValue) + `"\}`)
	if !sends.Match(src) {
		t.Errorf("api/middleware.go does not send Strict-Transport-Security %q", HSTSHeaderValue)
	}
}
