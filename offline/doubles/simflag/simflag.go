// Package simflag names the switch between the offline provider doubles and the offline harness
// for the simulated `up`: the harness sets Env to the stack's throwaway file backend directory
// and writes Marker into it; a double simulates only when both are there and the engine's
// backend is that directory (offline/doubles/internal/echo/simulate.go).
package simflag

const (
	Env    = "WEBSTACK_OFFLINE_SIMULATE"
	Marker = ".webstack-offline-simulation"
)
