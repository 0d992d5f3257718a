package sysinfo

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strings"

	"github.com/prometheus/procfs"
)

// Machine is the environment a run measured from: what could make the same
// service answer at another speed on another day. An empty field is unknown.
type Machine struct {
	Hostname    string     `json:"hostname,omitempty"`
	GoVersion   string     `json:"go_version"`
	OS          string     `json:"os"`                  // GOOS/GOARCH
	Distro      string     `json:"distro,omitempty"`    // PRETTY_NAME of /etc/os-release
	Kernel      string     `json:"kernel,omitempty"`    // /proc/sys/kernel/osrelease
	CPUModel    string     `json:"cpu_model,omitempty"` // the first CPU's model name
	CPUs        int        `json:"cpus"`                // logical CPUs this process may use
	MemoryBytes uint64     `json:"memory_bytes,omitempty"`
	LoadAvg     [3]float64 `json:"load_avg"` // 1, 5 and 15 minutes, when Host was called
}

// Host describes the machine perfgate runs on, now. Call it at the start of
// a run: the load average is the one the run started under. It never
// fails: what cannot be read stays empty.
func Host() Machine {
	m := Machine{
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:      runtime.NumCPU(),
	}
	m.Hostname, _ = os.Hostname()
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.Distro = osRelease("/etc/os-release")
	fs, err := procfs.NewDefaultFS()
	if err != nil {
		return m
	}
	if cpus, err := fs.CPUInfo(); err == nil && len(cpus) > 0 {
		m.CPUModel = strings.Join(strings.Fields(cpus[0].ModelName), " ")
	}
	if mem, err := fs.Meminfo(); err == nil && mem.MemTotalBytes != nil {
		m.MemoryBytes = *mem.MemTotalBytes
	}
	if la, err := fs.LoadAvg(); err == nil {
		m.LoadAvg = [3]float64{la.Load1, la.Load5, la.Load15}
	}
	return m
}

// osRelease returns the PRETTY_NAME of an os-release file, or "".
func osRelease(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}
