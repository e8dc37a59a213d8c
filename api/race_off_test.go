//go:build !race

package main

// raceEnabled: the race detector is on (sync.Pool then drops items at random).
const raceEnabled = false
