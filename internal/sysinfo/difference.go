package sysinfo

import (
	"fmt"
	"strconv"
)

// Difference is one way two runs' environments differ. Explains marks the
// differences that could by themselves explain a change in the results
// (another machine, other data, other indexes, other plan settings); the
// others are listed so that nothing is hidden.
type Difference struct {
	What     string `json:"what"` // e.g. "host cpus", "db setting work_mem"
	Before   string `json:"before"`
	After    string `json:"after"`
	Explains bool   `json:"explains,omitempty"`
	Why      string `json:"why,omitempty"` // when Explains: how it could change the results
}

// String renders the difference as one line for a report.
func (d Difference) String() string {
	s := fmt.Sprintf("%s: %s -> %s", d.What, orNone(d.Before), orNone(d.After))
	if d.Explains {
		s += " (could explain the result: " + d.Why + ")"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// DefaultBusyLoad is the 1-minute load average per CPU above which a run
// started on a busy machine: other work then competes with the service and
// the load generator for the CPUs.
const DefaultBusyLoad = 0.5

// DiffHosts lists every field in which two machines differ, in a fixed
// order. A different host name, CPU model, CPU count or memory, or one run
// starting on a busy machine (1-minute load above DefaultBusyLoad per CPU)
// while the other did not, could explain a result.
func DiffHosts(before, after Machine) []Difference {
	var out []Difference
	add := func(what, b, a string, explains bool, why string) {
		if b == a {
			return
		}
		d := Difference{What: what, Before: b, After: a}
		if explains {
			d.Explains, d.Why = true, why
		}
		out = append(out, d)
	}
	other := "another machine"
	add("host name", before.Hostname, after.Hostname, true, other)
	add("host cpu model", before.CPUModel, after.CPUModel, true, "another CPU")
	add("host cpus", strconv.Itoa(before.CPUs), strconv.Itoa(after.CPUs), true, "a different number of CPUs")
	add("host memory", bytesText(before.MemoryBytes), bytesText(after.MemoryBytes), true, "a different amount of memory")
	add("host os", before.OS, after.OS, true, other)
	add("host distro", before.Distro, after.Distro, false, "")
	add("host kernel", before.Kernel, after.Kernel, false, "")
	add("go version", before.GoVersion, after.GoVersion, false, "")
	bb, ab := before.busy(), after.busy()
	add("host load average at start", loadText(before), loadText(after), bb != ab,
		fmt.Sprintf("one run started on a busy machine (1-minute load above %.1f per CPU)", DefaultBusyLoad))
	return out
}

// busy reports whether the machine's 1-minute load was above DefaultBusyLoad per CPU.
func (m Machine) busy() bool {
	return m.CPUs > 0 && m.LoadAvg[0] > DefaultBusyLoad*float64(m.CPUs)
}

func loadText(m Machine) string {
	return fmt.Sprintf("%.2f %.2f %.2f", m.LoadAvg[0], m.LoadAvg[1], m.LoadAvg[2])
}

// bytesText prints a size in binary units, "" for 0.
func bytesText(n uint64) string {
	if n == 0 {
		return ""
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// BytesText prints a byte count in binary units ("1.5 GiB"), "" for 0: the
// one formatter of sizes in environment differences.
func BytesText(n int64) string {
	if n < 0 {
		return ""
	}
	return bytesText(uint64(n))
}
