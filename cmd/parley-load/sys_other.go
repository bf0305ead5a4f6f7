//go:build !linux

package main

import "time"

// fileLimit leaves the open-file limit as it is where it cannot be read.
func fileLimit(need uint64) (before, after uint64, err error) { return 0, 0, nil }

// fsType names the file system that holds dir: unknown here.
func fsType(dir string) string { return "unknown" }

// cpuModel returns the CPU model: unknown here.
func cpuModel() string { return "unknown" }

// loadAverage returns the load averages of the machine: unknown here.
func loadAverage() string { return "unknown" }

// processCPU returns the CPU time this process has used: unknown here.
func processCPU() (time.Duration, bool) { return 0, false }
