//go:build !linux

package main

// fileLimit leaves the open-file limit as it is where it cannot be read.
func fileLimit(need uint64) (before, after uint64, err error) { return 0, 0, nil }

func fsType(dir string) string { return "unknown" }

func cpuModel() string { return "unknown" }

func loadAverage() string { return "unknown" }
