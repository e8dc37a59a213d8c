// Command pulumi-resource-awsx here is the offline TEST DOUBLE of the Pulumi awsx provider. It is
// put on PATH only by the offline preview harness (package offline) and calls no AWS API.
//
// It constructs only awsx:ec2:Vpc, in the shape the multi-AZ stack policy reads: the component,
// a real aws:ec2/vpc:Vpc child named like the component, and per Availability Zone i (1-based)
// and subnet spec a real aws:ec2/subnet:Subnet child named <name>-<spec name or lower-case
// type>-<i> with availabilityZone, vpcId, cidrBlock, mapPublicIpOnLaunch (true for public
// subnets) and the tags Name and SubnetType, with a route table of the same name and its
// association (no routes). Those children
// are registered through the engine, so the aws double previews them like any other resource.
// The zones come from the aws double's getAvailabilityZones invoke (or availabilityZoneNames).
// Outputs: vpcId, vpc, subnets, routeTables, routeTableAssociations, publicSubnetIds,
// privateSubnetIds, isolatedSubnetIds. Unlike the real awsx provider it creates no internet
// gateway, NAT gateways, routes or VPC endpoints; outputs naming those resolve unknown in a
// preview and empty after the harness's simulated up.
package main

import (
	"fmt"
	"math/bits"
	"net/netip"
	"os"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
)

const (
	// version is the pulumi-awsx release the program's SDK (v2.22.0) asks for.
	version = "2.22.0"
	// awsVersion is the aws provider the children ask for: the program's own, so one aws double
	// process serves both (the real awsx asks for the aws version it was built with).
	awsVersion = "6.83.4"
)

type subnetSpec struct {
	Type     string            `pulumi:"type"`
	Name     *string           `pulumi:"name"`
	CIDRMask *int              `pulumi:"cidrMask"`
	Tags     map[string]string `pulumi:"tags"`
}

// vpcArgs holds the awsx ec2.Vpc inputs the double honours; the others are accepted and ignored.
type vpcArgs struct {
	CIDRBlock                 *string           `pulumi:"cidrBlock"`
	NumberOfAvailabilityZones *int              `pulumi:"numberOfAvailabilityZones"`
	AvailabilityZoneNames     []string          `pulumi:"availabilityZoneNames"`
	SubnetSpecs               []subnetSpec      `pulumi:"subnetSpecs"`
	Tags                      map[string]string `pulumi:"tags"`
}

type vpcComponent struct{ pulumi.ResourceState }

func main() {
	if err := provider.ComponentMain("awsx", version, []byte(`{"name":"awsx","version":"`+version+`"}`), construct); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func construct(ctx *pulumi.Context, typ, name string, inputs provider.ConstructInputs,
	options pulumi.ResourceOption,
) (*provider.ConstructResult, error) {
	if typ != "awsx:ec2:Vpc" {
		return nil, fmt.Errorf("the offline awsx provider double constructs only awsx:ec2:Vpc, not %s; "+
			"extend offline/doubles/awsx or use aws resources directly", typ)
	}
	var args vpcArgs
	if err := inputs.CopyTo(&args); err != nil {
		return nil, fmt.Errorf("offline awsx double: reading awsx:ec2:Vpc %s inputs: %w", name, err)
	}
	zones, err := zoneNames(ctx, args)
	if err != nil {
		return nil, fmt.Errorf("offline awsx double: awsx:ec2:Vpc %s: %w", name, err)
	}
	specs := args.SubnetSpecs
	if len(specs) == 0 {
		specs = []subnetSpec{{Type: "Public"}, {Type: "Private"}}
	}
	cidr := "10.0.0.0/16"
	if args.CIDRBlock != nil {
		cidr = *args.CIDRBlock
	}
	blocks, err := carve(cidr, specs, len(zones))
	if err != nil {
		return nil, fmt.Errorf("offline awsx double: awsx:ec2:Vpc %s: %w", name, err)
	}

	comp := &vpcComponent{}
	if err := ctx.RegisterComponentResource(typ, name, comp, options); err != nil {
		return nil, err
	}
	vpc := &pulumi.CustomResourceState{}
	err = ctx.RegisterResource("aws:ec2/vpc:Vpc", name, pulumi.Map{
		"cidrBlock":          pulumi.String(cidr),
		"enableDnsHostnames": pulumi.Bool(true),
		"enableDnsSupport":   pulumi.Bool(true),
		"tags":               pulumi.ToStringMap(merge(args.Tags, map[string]string{"Name": name})),
	}, vpc, pulumi.Parent(comp), pulumi.Version(awsVersion))
	if err != nil {
		return nil, err
	}

	var subnets, tables, assocs pulumi.ResourceArray
	ids := map[string]pulumi.StringArray{}
	for s, spec := range specs {
		if spec.Type == "Unused" {
			continue
		}
		label := strings.ToLower(spec.Type)
		if spec.Name != nil {
			label = *spec.Name
		}
		for i, zone := range zones {
			subnetName := fmt.Sprintf("%s-%s-%d", name, label, i+1)
			subnet := &pulumi.CustomResourceState{}
			err := ctx.RegisterResource("aws:ec2/subnet:Subnet", subnetName, pulumi.Map{
				"vpcId":               vpc.ID(),
				"availabilityZone":    pulumi.String(zone),
				"cidrBlock":           pulumi.String(blocks[s][i]),
				"mapPublicIpOnLaunch": pulumi.Bool(spec.Type == "Public"),
				"tags": pulumi.ToStringMap(merge(spec.Tags, map[string]string{
					"Name": subnetName, "SubnetType": spec.Type,
				})),
			}, subnet, pulumi.Parent(comp), pulumi.Version(awsVersion))
			if err != nil {
				return nil, err
			}
			subnets = append(subnets, pulumi.NewResourceInput(subnet))
			ids[spec.Type] = append(ids[spec.Type], subnet.ID().ToStringOutput())
			// As awsx: one route table per subnet, named like it, and its association.
			table := &pulumi.CustomResourceState{}
			err = ctx.RegisterResource("aws:ec2/routeTable:RouteTable", subnetName, pulumi.Map{
				"vpcId": vpc.ID(),
				"tags":  pulumi.ToStringMap(merge(args.Tags, map[string]string{"Name": subnetName})),
			}, table, pulumi.Parent(comp), pulumi.Version(awsVersion))
			if err != nil {
				return nil, err
			}
			assoc := &pulumi.CustomResourceState{}
			err = ctx.RegisterResource("aws:ec2/routeTableAssociation:RouteTableAssociation", subnetName, pulumi.Map{
				"subnetId": subnet.ID(), "routeTableId": table.ID(),
			}, assoc, pulumi.Parent(comp), pulumi.Version(awsVersion))
			if err != nil {
				return nil, err
			}
			tables = append(tables, pulumi.NewResourceInput(table))
			assocs = append(assocs, pulumi.NewResourceInput(assoc))
		}
	}

	outputs := pulumi.Map{
		"vpcId":                  vpc.ID().ToStringOutput(),
		"vpc":                    pulumi.NewResourceInput(vpc),
		"subnets":                subnets,
		"routeTables":            tables,
		"routeTableAssociations": assocs,
		"publicSubnetIds":        orEmpty(ids["Public"]),
		"privateSubnetIds":       orEmpty(ids["Private"]),
		"isolatedSubnetIds":      orEmpty(ids["Isolated"]),
	}
	if err := ctx.RegisterResourceOutputs(comp, outputs); err != nil {
		return nil, err
	}
	return &provider.ConstructResult{URN: comp.URN(), State: outputs}, nil
}

// zoneNames picks the zones like awsx does: the names given, else the first N (default 3) the
// region reports through the aws provider's getAvailabilityZones.
func zoneNames(ctx *pulumi.Context, args vpcArgs) ([]string, error) {
	if len(args.AvailabilityZoneNames) > 0 {
		return args.AvailabilityZoneNames, nil
	}
	n := 3
	if args.NumberOfAvailabilityZones != nil {
		n = *args.NumberOfAvailabilityZones
	}
	var result struct {
		Names []string `pulumi:"names"`
	}
	err := ctx.Invoke("aws:index/getAvailabilityZones:getAvailabilityZones",
		map[string]any{"state": "available"}, &result, pulumi.Version(awsVersion))
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(result.Names) {
		return nil, fmt.Errorf("numberOfAvailabilityZones %d: the region has %d zones (%v)", n, len(result.Names), result.Names)
	}
	return result.Names[:n], nil
}

// carve assigns each spec one block per zone, in order, each of the spec's cidrMask (default: the
// smallest even split of the VPC over all subnets), aligned and inside the VPC's range.
func carve(cidr string, specs []subnetSpec, zones int) ([][]string, error) {
	vpc, err := netip.ParsePrefix(cidr)
	if err != nil || !vpc.Addr().Is4() {
		return nil, fmt.Errorf("cidrBlock %q is not an IPv4 CIDR block", cidr)
	}
	defaultMask := vpc.Bits() + bits.Len(uint(len(specs)*zones-1))
	base := vpc.Masked().Addr().As4()
	start := uint64(base[0])<<24 | uint64(base[1])<<16 | uint64(base[2])<<8 | uint64(base[3])
	end := start + 1<<(32-vpc.Bits())
	cursor := start
	blocks := make([][]string, len(specs))
	for s, spec := range specs {
		mask := defaultMask
		if spec.CIDRMask != nil {
			mask = *spec.CIDRMask
		}
		if mask < vpc.Bits() || mask > 28 {
			return nil, fmt.Errorf("subnet spec %d cidrMask /%d does not fit in %s (allowed /%d../28)", s, mask, cidr, vpc.Bits())
		}
		size := uint64(1) << (32 - mask)
		for range zones {
			cursor = (cursor + size - 1) / size * size
			if cursor+size > end {
				return nil, fmt.Errorf("%d subnets per zone over %d zones do not fit in %s", len(specs), zones, cidr)
			}
			addr := netip.AddrFrom4([4]byte{byte(cursor >> 24), byte(cursor >> 16), byte(cursor >> 8), byte(cursor)})
			blocks[s] = append(blocks[s], netip.PrefixFrom(addr, mask).String())
			cursor += size
		}
	}
	return blocks, nil
}

func merge(base, over map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

func orEmpty(ids pulumi.StringArray) pulumi.StringArray {
	if ids == nil {
		return pulumi.StringArray{}
	}
	return ids
}
