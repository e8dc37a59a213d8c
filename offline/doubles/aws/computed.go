package main

import (
	"fmt"
	"strings"

	"example.com/webstack/offline/doubles/internal/echo"
)

// computed are made-up values for the outputs AWS computes that the program reads.
func computed(typ, name, r string, inputs map[string]any) map[string]any {
	suffix := echo.RandomHex(16)
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, r, accountID, resource)
	}
	switch typ {
	case "aws:lb/loadBalancer:LoadBalancer":
		s := "app/" + name + "/" + suffix
		return map[string]any{"arn": arn("elasticloadbalancing", "loadbalancer/"+s), "arnSuffix": s,
			"dnsName": name + "-" + suffix[:8] + "." + r + ".elb.amazonaws.com", "zoneId": "ZOFFLINEDOUBLE"}
	case "aws:lb/targetGroup:TargetGroup":
		s := "targetgroup/" + name + "/" + suffix
		return map[string]any{"arn": arn("elasticloadbalancing", s), "arnSuffix": s}
	case "aws:lb/listener:Listener":
		return map[string]any{"arn": arn("elasticloadbalancing", "listener/app/"+suffix)}
	case "aws:ecr/repository:Repository":
		return map[string]any{"arn": arn("ecr", "repository/"+name), "registryId": accountID,
			"repositoryUrl": fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", accountID, r, name)}
	case "aws:ecs/cluster:Cluster":
		return map[string]any{"arn": arn("ecs", "cluster/"+name)}
	case "aws:ecs/service:Service":
		cluster, _ := plain(inputs["cluster"]).(string)
		return map[string]any{"arn": arn("ecs", "service/"+cluster[strings.LastIndex(cluster, "/")+1:]+"/"+name)}
	case "aws:ecs/capacityProvider:CapacityProvider":
		return map[string]any{"arn": arn("ecs", "capacity-provider/"+name)}
	case "aws:iam/role:Role":
		return map[string]any{"arn": "arn:aws:iam::" + accountID + ":role/" + name, "uniqueId": "AROAOFFLINE" + suffix[:8]}
	case "aws:iam/instanceProfile:InstanceProfile":
		return map[string]any{"arn": "arn:aws:iam::" + accountID + ":instance-profile/" + name}
	case "aws:iam/rolePolicy:RolePolicy":
		role, _ := plain(inputs["role"]).(string)
		return map[string]any{"id": role + ":" + name}
	case "aws:ec2/securityGroup:SecurityGroup":
		return map[string]any{"id": "sg-" + suffix, "arn": arn("ec2", "security-group/sg-"+suffix)}
	case "aws:ec2/vpc:Vpc":
		return map[string]any{"id": "vpc-" + suffix, "arn": arn("ec2", "vpc/vpc-"+suffix)}
	case "aws:ec2/subnet:Subnet":
		return map[string]any{"id": "subnet-" + suffix, "arn": arn("ec2", "subnet/subnet-"+suffix)}
	case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
		return map[string]any{"id": "sg-" + suffix, "arn": arn("ec2", "security-group/sg-"+suffix)}
	case "aws:ec2/flowLog:FlowLog":
		return map[string]any{"id": "fl-" + suffix, "arn": arn("ec2", "vpc-flow-log/fl-"+suffix)}
	case "aws:ec2/routeTable:RouteTable":
		return map[string]any{"id": "rtb-" + suffix, "arn": arn("ec2", "route-table/rtb-"+suffix)}
	case "aws:ec2/routeTableAssociation:RouteTableAssociation":
		return map[string]any{"id": "rtbassoc-" + suffix}
	case "aws:ec2/vpcEndpoint:VpcEndpoint":
		return map[string]any{"id": "vpce-" + suffix, "arn": arn("ec2", "vpc-endpoint/vpce-"+suffix)}
	case "aws:ec2/launchTemplate:LaunchTemplate":
		return map[string]any{"id": "lt-" + suffix, "arn": arn("ec2", "launch-template/lt-"+suffix), "latestVersion": 1}
	case "aws:autoscaling/group:Group":
		return map[string]any{"arn": arn("autoscaling", "autoScalingGroup:"+suffix+":autoScalingGroupName/"+name)}
	case "aws:cloudwatch/logGroup:LogGroup":
		return map[string]any{"arn": arn("logs", "log-group:"+name)}
	case "aws:s3/bucketV2:BucketV2":
		bucket, _ := plain(inputs["bucket"]).(string)
		return map[string]any{"id": bucket, "arn": "arn:aws:s3:::" + bucket, "region": r}
	case "aws:acm/certificate:Certificate":
		domain, _ := plain(inputs["domainName"]).(string)
		return map[string]any{"arn": arn("acm", "certificate/"+suffix), "domainValidationOptions": []any{map[string]any{
			"domainName": domain, "resourceRecordName": "_" + suffix[:8] + "." + domain + ".",
			"resourceRecordType": "CNAME", "resourceRecordValue": "_" + suffix[8:] + ".acm-validations.aws.",
		}}}
	case "aws:route53/record:Record":
		fqdn, _ := plain(inputs["name"]).(string)
		return map[string]any{"fqdn": strings.TrimSuffix(fqdn, ".")}
	case "aws:sns/topic:Topic":
		return map[string]any{"arn": arn("sns", name)}
	case "aws:kms/key:Key":
		return map[string]any{"id": suffix, "keyId": suffix, "arn": arn("kms", "key/"+suffix)}
	case "aws:wafv2/webAcl:WebAcl":
		return map[string]any{"arn": arn("wafv2", "regional/webacl/"+name+"/"+suffix)}
	case "aws:codedeploy/application:Application":
		return map[string]any{"arn": arn("codedeploy", "application:"+name), "applicationId": suffix}
	case "aws:codedeploy/deploymentGroup:DeploymentGroup":
		return map[string]any{"arn": arn("codedeploy", "deploymentgroup:"+suffix), "deploymentGroupId": suffix}
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		return map[string]any{"arn": arn("cloudwatch", "alarm:"+name)}
	case "aws:cloudwatch/dashboard:Dashboard":
		return map[string]any{"dashboardArn": "arn:aws:cloudwatch::" + accountID + ":dashboard/" + name}
	case "aws:appautoscaling/policy:Policy":
		return map[string]any{"arn": arn("autoscaling", "scalingPolicy:"+suffix)}
	}
	return map[string]any{"id": "sim-" + suffix}
}
