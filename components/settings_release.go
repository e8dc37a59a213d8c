package components

import (
	"fmt"
	"net/netip"
)

// The limits and defaults of the release settings (blue-green's test listener and traffic
// shifting), in the shape of settings.go.

// CheckTestListenerCIDRs checks who may reach blue-green's test listener: required, and never the
// whole internet (it serves versions before they are released).
func CheckTestListenerCIDRs(cidrs []string) []*SettingError {
	if len(cidrs) == 0 {
		return []*SettingError{settingErr("empty: blue-green opens a test listener to the machines that run the release checks, and only to them",
			`list their IPv4 CIDRs, e.g. ["203.0.113.0/24"]`)}
	}
	var errs []*SettingError
	for _, cidr := range cidrs {
		if err := CheckIPv4CIDR(cidr); err != nil {
			errs = append(errs, err)
		} else if netip.MustParsePrefix(cidr).Bits() == 0 {
			errs = append(errs, settingErr(fmt.Sprintf("%q opens the test listener, which serves unreleased versions, to the internet", cidr),
				"list only the CIDRs of the machines that run the release checks"))
		}
	}
	return errs
}

// CheckSubnetsNeedVPC refuses subnet ids without the existing VPC they belong to.
func CheckSubnetsNeedVPC(vpcID string, subnetIDs ...[]string) *SettingError {
	for _, ids := range subnetIDs {
		if vpcID == "" && len(ids) > 0 {
			return settingErr("subnet ids are set but the existing VPC's id is empty", "set the VPC id too, or remove the subnet ids to create a VPC")
		}
	}
	return nil
}

// DefaultTestListenerPort is blue-green's test listener port.
const DefaultTestListenerPort = 8443

// CheckTestListenerPort checks blue-green's test listener port.
func CheckTestListenerPort(port int) *SettingError {
	if port < 1 || port > MaxPort || port == 80 || port == 443 {
		return settingErr(fmt.Sprintf("%d is not a free load balancer port (80 and 443 are the production listeners)", port), "use another TCP port, such as %d", DefaultTestListenerPort)
	}
	return nil
}

// Blue-green limits: CodeDeploy's canary/linear step is 1..99 percent, its interval at most a day
// here, and it keeps the blue task set at most 2 days (terminationWaitTimeInMinutes).
const (
	MaxTrafficShiftPercent         = 99
	MaxTrafficShiftIntervalMinutes = 1440
	MaxTerminationWaitMinutes      = 2880
)

// CheckTrafficShiftPercent checks a canary or linear step.
func CheckTrafficShiftPercent(p int) *SettingError {
	return CheckIntRange(p, 1, MaxTrafficShiftPercent)
}

// CheckTrafficShiftInterval checks the minutes between canary or linear steps.
func CheckTrafficShiftInterval(m int) *SettingError {
	return CheckIntRange(m, 1, MaxTrafficShiftIntervalMinutes)
}

// The traffic shifting types of TrafficShifting.Type.
const (
	TrafficShiftingCanary    = "canary"
	TrafficShiftingLinear    = "linear"
	TrafficShiftingAllAtOnce = "all-at-once"
)

// CheckTrafficShiftingType checks how CodeDeploy moves traffic.
func CheckTrafficShiftingType(t string) *SettingError {
	return CheckOneOf(t, TrafficShiftingCanary, TrafficShiftingLinear, TrafficShiftingAllAtOnce)
}

// CheckTerminationWait checks how long blue is kept after a blue-green shift.
func CheckTerminationWait(m int) *SettingError { return CheckIntRange(m, 1, MaxTerminationWaitMinutes) }
