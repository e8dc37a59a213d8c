package components

import (
	"fmt"
)

// The limits of the alarm settings, in the shape of settings.go.

// CheckAlarmEmail checks the address the alarm topic mails ("" is allowed: none).
func CheckAlarmEmail(addr string) *SettingError {
	if addr != "" && !ValidEmail(addr) {
		return settingErr(fmt.Sprintf("%q is not an email address", addr), "use an address like oncall@example.com, or leave it empty")
	}
	return nil
}

// Alarm threshold limits. CloudWatch evaluates at most one day of one-minute periods.
const (
	MaxAlarmTarget5xxPerMinute = 1_000_000
	MaxAlarmUnhealthyHosts     = 1000
	MaxAlarmP99LatencySeconds  = 600
	MaxAlarmMinutes            = 1440
)

// checkAbove0 is the shape of a threshold: above 0, at most hi.
func checkAbove0(v, hi float64) *SettingError {
	if v <= 0 || v > hi {
		return settingErr(fmt.Sprintf("%g is out of range", v), "use a value above 0, at most %g", hi)
	}
	return nil
}

// CheckAlarmPercent checks a percentage threshold.
func CheckAlarmPercent(p float64) *SettingError { return checkAbove0(p, MaxPercent) }

// CheckAlarmTarget5xxPerMinute checks the tasks' 5xx per minute threshold.
func CheckAlarmTarget5xxPerMinute(n float64) *SettingError {
	return checkAbove0(n, MaxAlarmTarget5xxPerMinute)
}

// CheckAlarmUnhealthyHosts checks the unhealthy targets threshold.
func CheckAlarmUnhealthyHosts(n float64) *SettingError { return checkAbove0(n, MaxAlarmUnhealthyHosts) }

// CheckAlarmP99LatencySeconds checks the p99 latency threshold.
func CheckAlarmP99LatencySeconds(s float64) *SettingError {
	return checkAbove0(s, MaxAlarmP99LatencySeconds)
}

// CheckAlarmP99LatencyMs is CheckAlarmP99LatencySeconds for a threshold in whole milliseconds
// (the stack config's unit).
func CheckAlarmP99LatencyMs(ms int) *SettingError {
	return CheckIntRange(ms, 1, MaxAlarmP99LatencySeconds*MillisecondsPerSecond)
}

// MillisecondsPerSecond converts a latency in milliseconds to the thresholds' seconds.
const MillisecondsPerSecond = 1000

// CheckAlarmMinutes checks an alarm window in one-minute periods.
func CheckAlarmMinutes(m int) *SettingError { return CheckIntRange(m, 1, MaxAlarmMinutes) }

// CheckDatapointsToAlarm checks the breaching minutes that fire an alarm within its window.
func CheckDatapointsToAlarm(n, evaluationMinutes int) *SettingError {
	if n < 1 || n > evaluationMinutes {
		return settingErr(fmt.Sprintf("%d is outside 1..%d, the evaluation minutes", n, evaluationMinutes), "use at most the evaluation minutes")
	}
	return nil
}
