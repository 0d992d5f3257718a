// Package sysinfo measures the machine and processes around a run: the
// host perfgate runs on (Host), the process that listens on the target's
// port (FindListener), and a process's CPU time and resident memory while a
// scenario runs (StartSampler). It reads Linux's /proc through
// github.com/prometheus/procfs; elsewhere the process measurements return
// an error that says so and Host fills what the Go runtime knows.
//
// Host describes perfgate's own machine: the service and the database may
// run elsewhere, and a report should say which machine a figure is about.
package sysinfo
