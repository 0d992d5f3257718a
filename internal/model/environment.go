package model

import (
	"time"

	"github.com/perfgate/perfgate/internal/pgenv"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// Environment is what a run measured with and on: what could make the same
// service answer at another speed on another day. compare lists every
// difference between two runs' environments.
type Environment struct {
	// Host is perfgate's machine at the start of the run (Go version, OS,
	// CPU model and count, memory, load average); the service and the
	// database may run elsewhere.
	Host sysinfo.Machine `json:"host"`
	// Database is the probed database's fingerprint (version, the
	// settings that change plans, the tables' rows and sizes, the seed,
	// the indexes); nil without --db-probe.
	Database *pgenv.Fingerprint `json:"database,omitempty"`
	// Statistics is the freshness of the planner's statistics of the two
	// tables at the start of the run; nil without --db-probe.
	Statistics *pgenv.Freshness `json:"statistics,omitempty"`
	// Plans says whether and how query plans were captured; nil without
	// --db-probe.
	Plans *PlanCapture `json:"plan_capture,omitempty"`
	// Service is the process whose CPU and memory were sampled, or why
	// none was.
	Service *ServiceProcess `json:"service,omitempty"`
}

// How plans were captured (PlanCapture.Mode).
const (
	// PlanCapturePass: after each scenario's measured load, a few more
	// requests with auto_explain switched on; the measured requests ran
	// without capture.
	PlanCapturePass = "pass"
	// PlanCaptureLoad: the server explained the measured requests
	// themselves (auto_explain was on): their latencies include its cost.
	PlanCaptureLoad = "load"
	// PlanCaptureOff: no plans; Note says what to enable.
	PlanCaptureOff = "off"
)

// PlanCapture says how a run captured query plans. Capture costs latency,
// so a report says when it was on during the measured load.
type PlanCapture struct {
	Mode string `json:"mode"`
	// PassRequests is how many requests each scenario's plan pass sent.
	PassRequests int `json:"pass_requests,omitempty"`
	// Note explains the mode: its cost, what is partial, or what to
	// enable for plans to be captured.
	Note string `json:"note,omitempty"`
}

// ServiceProcess is the service's process a run sampled.
type ServiceProcess struct {
	// PID is 0 when no process was sampled; Note then says why.
	PID int `json:"pid,omitempty"`
	// Source is how it was found: "--service-pid", or the listener on
	// the target's port.
	Source string `json:"source,omitempty"`
	// InPerfgate is set when the service runs inside perfgate's own
	// process (the demo's endpoint): its CPU and memory then include the
	// load generator's.
	InPerfgate bool   `json:"in_perfgate,omitempty"`
	Note       string `json:"note,omitempty"`
}

// Resources is what the service's process used during one scenario's
// load, sampled every sysinfo.DefaultSampleInterval.
type Resources struct {
	sysinfo.Usage
	// CPUPerRequest is the process's CPU time over the requests sent.
	CPUPerRequest time.Duration `json:"cpu_per_request"`
	// Cores is the mean number of CPUs it kept busy.
	Cores float64 `json:"cores"`
	// Note says why the figures are missing or partial.
	Note string `json:"note,omitempty"`
}

// Sampled returns the PID to sample, 0 for none; safe on nil.
func (s *ServiceProcess) Sampled() int {
	if s == nil {
		return 0
	}
	return s.PID
}
