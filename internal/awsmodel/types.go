package awsmodel

// Equivalence names how the provider compares a property's old state with its new input.
type Equivalence int

const (
	// Exact: equal values (numbers compare as numbers).
	Exact Equivalence = iota
	// ContainerDefinitions: ContainerDefinitionsEquivalent (awsvpc from the networkMode input).
	ContainerDefinitions
	// PolicyDocument: PolicyDocumentsEquivalent.
	PolicyDocument
	// JSONDocument: JSONEquivalent.
	JSONDocument
)

// TypeModel is what the model knows of one resource type. Property names are the Pulumi ones
// (pulumi-aws renames, e.g. capacity_provider_strategy -> capacityProviderStrategies); a nested
// path is written a.b (a MaxItems-1 block is an object in Pulumi).
type TypeModel struct {
	// ForceNew lists the properties whose change replaces the resource (the Terraform schema's
	// ForceNew, or a CustomizeDiff that forces new).
	ForceNew []string
	// InPlace, when set, inverts ForceNew: every property but these replaces (resources whose
	// provider has no update beyond them, e.g. task definitions).
	InPlace []string
	// Equivalences names the properties the provider compares with a diff-suppress function.
	Equivalences map[string]Equivalence
	// AutoName is the auto-nameable name property (the bridge's autonaming: every resource whose
	// Terraform schema has a string input `name`, pulumi-terraform-bridge pkg/tfbridge/info/
	// autonaming.go SetAutonaming, which pulumi-aws calls; or a property pulumi-aws maps to
	// AutoName explicitly). Set explicitly by the program, it makes every replacement
	// delete-before-replace (nameRequiresDeleteBeforeReplace).
	AutoName string
	// UniqueName: AWS refuses to create a second resource with the name of a live one (the
	// error named in UniqueError), so a create-before-delete replacement that keeps the name
	// fails. UniqueScope is a property that scopes the name (a service's cluster).
	UniqueName  bool
	UniqueScope string
	UniqueError string
	// Source is where the ForceNew list comes from: the Terraform AWS provider file whose schema
	// was read (internal/service/...), Read true when it was read for this model, false when the
	// entry is the provider documentation's "Forces new resource" list as recalled and still to
	// be checked against the file (docs/day2.md says which).
	Source string
	Read   bool
}

// cdSource is the provider's container definitions equivalence.
const cdSource = "internal/service/ecs/container_definitions.go"

// Types is the model, per resource type token of the program (and of the awsx double's
// children). A type missing here is not modelled: the doubles refuse to simulate it, naming it.
var Types = map[string]TypeModel{
	"aws:ecs/service:Service": {
		// cluster, name, launch_type, iam_role, scheduling_strategy and
		// deployment_controller.type are ForceNew; capacity_provider_strategy forces new in
		// capacityProviderStrategyCustomizeDiff unless force_new_deployment is true (and never
		// between none and some blocks): see ServiceCapacityProviderRule.
		ForceNew: []string{"cluster", "name", "launchType", "iamRole", "schedulingStrategy", "deploymentController.type"},
		AutoName: "name", UniqueName: true, UniqueScope: "cluster",
		UniqueError: "InvalidParameterException: Creation of service was not idempotent (hashicorp/terraform-provider-aws #2283, #14489)",
		Source:      "internal/service/ecs/service.go", Read: true,
	},
	"aws:ecs/taskDefinition:TaskDefinition": {
		// Every argument is ForceNew but tags, skip_destroy and track_latest: the resource's
		// update changes only those (a new revision is a new resource).
		InPlace:      []string{"tags", "skipDestroy", "trackLatest"},
		Equivalences: map[string]Equivalence{"containerDefinitions": ContainerDefinitions},
		Source:       "internal/service/ecs/task_definition.go; " + cdSource, Read: true,
	},
	"aws:ecs/cluster:Cluster": {
		ForceNew: []string{"name"}, AutoName: "name",
		Source: "internal/service/ecs/cluster.go",
	},
	"aws:ecs/capacityProvider:CapacityProvider": {
		// auto_scaling_group_provider is ForceNew as a block (adding or removing it); inside it
		// only auto_scaling_group_arn is, managed scaling updates in place.
		ForceNew: []string{"name", "autoScalingGroupProvider.autoScalingGroupArn"}, AutoName: "name",
		Source: "internal/service/ecs/capacity_provider.go", Read: true,
	},
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {
		ForceNew: []string{"clusterName"},
		Source:   "internal/service/ecs/cluster_capacity_providers.go",
	},
	"aws:lb/loadBalancer:LoadBalancer": {
		// subnets and security_groups force new only for network load balancers (customizeDiff).
		ForceNew: []string{"name", "namePrefix", "internal", "loadBalancerType"}, AutoName: "name",
		UniqueName: true, UniqueError: "DuplicateLoadBalancerName (ELBv2 API reference, CreateLoadBalancer errors)",
		Source: "internal/service/elbv2/load_balancer.go",
	},
	"aws:lb/targetGroup:TargetGroup": {
		ForceNew: []string{"name", "namePrefix", "port", "protocol", "protocolVersion", "vpcId", "targetType", "ipAddressType"},
		AutoName: "name", UniqueName: true,
		UniqueError: "DuplicateTargetGroupName (ELBv2 API reference, CreateTargetGroup errors; the provider's create also " +
			"fails \"ELBv2 Target Group (name) already exists\")",
		Source: "internal/service/elbv2/target_group.go", Read: true,
	},
	"aws:lb/listener:Listener": {
		ForceNew: []string{"loadBalancerArn"},
		Source:   "internal/service/elbv2/listener.go",
	},
	"aws:ec2/securityGroup:SecurityGroup": {
		ForceNew: []string{"name", "namePrefix", "description", "vpcId"}, AutoName: "name",
		UniqueName: true, UniqueScope: "vpcId", UniqueError: "InvalidGroup.Duplicate (EC2 API reference, CreateSecurityGroup)",
		Source: "internal/service/ec2/vpc_security_group.go",
	},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
		ForceNew: []string{"securityGroupId"}, Source: "internal/service/ec2/vpc_security_group_ingress_rule.go (RequiresReplace)",
	},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
		ForceNew: []string{"securityGroupId"}, Source: "internal/service/ec2/vpc_security_group_egress_rule.go (RequiresReplace)",
	},
	"aws:cloudwatch/logGroup:LogGroup": {
		ForceNew: []string{"name", "namePrefix", "logGroupClass"}, AutoName: "name",
		UniqueName: true, UniqueError: "ResourceAlreadyExistsException (CloudWatch Logs API reference, CreateLogGroup)",
		Source: "internal/service/logs/group.go",
	},
	"aws:ecr/repository:Repository": {
		ForceNew: []string{"name", "encryptionConfigurations"}, AutoName: "name",
		UniqueName: true, UniqueError: "RepositoryAlreadyExistsException (ECR API reference, CreateRepository)",
		Source: "internal/service/ecr/repository.go",
	},
	"aws:ecr/lifecyclePolicy:LifecyclePolicy": {
		ForceNew: []string{"repository", "policy"}, Equivalences: map[string]Equivalence{"policy": JSONDocument},
		Source: "internal/service/ecr/lifecycle_policy.go",
	},
	"aws:iam/role:Role": {
		ForceNew: []string{"name", "namePrefix", "path"}, AutoName: "name",
		Equivalences: map[string]Equivalence{"assumeRolePolicy": PolicyDocument},
		UniqueName:   true, UniqueError: "EntityAlreadyExists (IAM API reference, CreateRole)",
		Source: "internal/service/iam/role.go",
	},
	"aws:iam/rolePolicy:RolePolicy": {
		ForceNew: []string{"name", "namePrefix", "role"}, AutoName: "name",
		Equivalences: map[string]Equivalence{"policy": PolicyDocument},
		Source:       "internal/service/iam/role_policy.go",
	},
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
		ForceNew: []string{"role", "policyArn"}, Source: "internal/service/iam/role_policy_attachment.go",
	},
	"aws:iam/instanceProfile:InstanceProfile": {
		ForceNew: []string{"name", "namePrefix", "path"}, AutoName: "name",
		Source: "internal/service/iam/instance_profile.go",
	},
	"aws:appautoscaling/target:Target": {
		ForceNew: []string{"resourceId", "scalableDimension", "serviceNamespace"},
		Source:   "internal/service/appautoscaling/target.go",
	},
	"aws:appautoscaling/policy:Policy": {
		ForceNew: []string{"name", "resourceId", "scalableDimension", "serviceNamespace"}, AutoName: "name",
		Source: "internal/service/appautoscaling/policy.go",
	},
	"aws:appautoscaling/scheduledAction:ScheduledAction": {
		ForceNew: []string{"name", "serviceNamespace", "resourceId", "scalableDimension"}, AutoName: "name",
		Source: "internal/service/appautoscaling/scheduled_action.go",
	},
	"aws:cloudwatch/metricAlarm:MetricAlarm": {
		// pulumi-aws maps alarm_name to name, auto-named.
		ForceNew: []string{"name"}, AutoName: "name",
		Source: "internal/service/cloudwatch/metric_alarm.go",
	},
	"aws:cloudwatch/dashboard:Dashboard": {
		ForceNew: []string{"dashboardName"}, Equivalences: map[string]Equivalence{"dashboardBody": JSONDocument},
		Source: "internal/service/cloudwatch/dashboard.go",
	},
	"aws:codedeploy/application:Application": {
		ForceNew: []string{"computePlatform"}, AutoName: "name",
		Source: "internal/service/deploy/app.go",
	},
	"aws:codedeploy/deploymentGroup:DeploymentGroup": {
		ForceNew: []string{"appName"}, Source: "internal/service/deploy/deployment_group.go",
	},
	"aws:codedeploy/deploymentConfig:DeploymentConfig": {
		// No update: every argument is ForceNew.
		InPlace: []string{}, Source: "internal/service/deploy/deployment_config.go",
	},
	"aws:wafv2/webAcl:WebAcl": {
		ForceNew: []string{"name", "scope"}, AutoName: "name", Source: "internal/service/wafv2/web_acl.go",
	},
	"aws:wafv2/webAclAssociation:WebAclAssociation": {
		ForceNew: []string{"resourceArn", "webAclArn"}, Source: "internal/service/wafv2/web_acl_association.go",
	},
	"aws:ec2/vpcEndpoint:VpcEndpoint": {
		ForceNew: []string{"vpcId", "serviceName", "vpcEndpointType"}, Source: "internal/service/ec2/vpc_endpoint.go",
	},
	"aws:ec2/launchTemplate:LaunchTemplate": {
		ForceNew: []string{"name", "namePrefix"}, AutoName: "name", Source: "internal/service/ec2/ec2_launch_template.go",
	},
	"aws:autoscaling/group:Group": {
		ForceNew: []string{"name", "namePrefix"}, AutoName: "name", Source: "internal/service/autoscaling/group.go",
	},
	"aws:ec2/vpc:Vpc": {
		ForceNew: []string{"cidrBlock"}, Source: "internal/service/ec2/vpc_.go",
	},
	"aws:ec2/subnet:Subnet": {
		ForceNew: []string{"vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"}, Source: "internal/service/ec2/vpc_subnet.go",
	},
	"aws:ec2/networkAcl:NetworkAcl": {
		ForceNew: []string{"vpcId"}, Source: "internal/service/ec2/vpc_network_acl.go",
	},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
		// Adopts the VPC's default group (no name input: nothing to auto-name).
		ForceNew: []string{"vpcId"}, Source: "internal/service/ec2/vpc_default_security_group.go",
	},
	"aws:ec2/flowLog:FlowLog": {
		// No update but tags: every other argument is ForceNew.
		InPlace: []string{"tags"}, Source: "internal/service/ec2/vpc_flow_log.go",
	},
	"aws:ec2/routeTable:RouteTable": {
		ForceNew: []string{"vpcId"}, Source: "internal/service/ec2/vpc_route_table.go",
	},
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {
		ForceNew: []string{"subnetId", "gatewayId"}, Source: "internal/service/ec2/vpc_route_table_association.go",
	},
	"aws:s3/bucketV2:BucketV2": {
		ForceNew: []string{"bucket", "bucketPrefix"}, AutoName: "bucket", Source: "internal/service/s3/bucket.go",
	},
	"aws:s3/bucketPolicy:BucketPolicy": {
		ForceNew: []string{"bucket"}, Equivalences: map[string]Equivalence{"policy": PolicyDocument},
		Source: "internal/service/s3/bucket_policy.go",
	},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
		ForceNew: []string{"bucket"}, Source: "internal/service/s3/bucket_public_access_block.go",
	},
	"aws:s3/bucketLoggingV2:BucketLoggingV2": {
		ForceNew: []string{"bucket", "expectedBucketOwner"}, Source: "internal/service/s3/bucket_logging.go",
	},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
		ForceNew: []string{"bucket"}, Source: "internal/service/s3/bucket_ownership_controls.go",
	},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {
		ForceNew: []string{"bucket", "expectedBucketOwner"}, Source: "internal/service/s3/bucket_server_side_encryption_configuration.go",
	},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": {
		ForceNew: []string{"bucket", "expectedBucketOwner"}, Source: "internal/service/s3/bucket_lifecycle_configuration.go",
	},
	"aws:sns/topic:Topic": {
		ForceNew: []string{"name", "namePrefix", "fifoTopic"}, AutoName: "name",
		Equivalences: map[string]Equivalence{"policy": PolicyDocument}, Source: "internal/service/sns/topic.go",
	},
	"aws:sns/topicSubscription:TopicSubscription": {
		ForceNew: []string{"topic", "protocol", "endpoint"}, Source: "internal/service/sns/topic_subscription.go",
	},
	"aws:kms/key:Key": {
		ForceNew:     []string{"customerMasterKeySpec", "keyUsage", "multiRegion"},
		Equivalences: map[string]Equivalence{"policy": PolicyDocument}, Source: "internal/service/kms/key.go",
	},
	"aws:acm/certificate:Certificate": {
		ForceNew: []string{"domainName", "subjectAlternativeNames", "keyAlgorithm", "certificateAuthorityArn"},
		Source:   "internal/service/acm/certificate.go",
	},
	"aws:acm/certificateValidation:CertificateValidation": {
		ForceNew: []string{"certificateArn", "validationRecordFqdns"}, Source: "internal/service/acm/certificate_validation.go",
	},
	"aws:route53/record:Record": {
		ForceNew: []string{"zoneId", "name"}, Source: "internal/service/route53/record.go",
	},
}

// DockerImageModel: the pulumi-docker v4 native provider's Image diff reports ADD/DELETE/UPDATE
// kinds, never a replace (pulumi-docker provider/provider.go Diff): a new tag is an update that
// builds and pushes.
const DockerImageModel = "pulumi-docker provider/provider.go Diff (v4): changes are updates"
