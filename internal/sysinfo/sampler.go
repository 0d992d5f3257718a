package sysinfo

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/procfs"
)

// DefaultSampleInterval is how often a Sampler reads a process's resident
// memory: often enough to see a peak of a short scenario, rarely enough
// that reading /proc costs nothing measurable.
const DefaultSampleInterval = 250 * time.Millisecond

// Usage is what a process used between StartSampler and Stop.
type Usage struct {
	PID int `json:"pid"`
	// Samples is how many resident-memory readings the figures rest on,
	// including the one at start and the one at stop.
	Samples int `json:"samples"`
	// CPUSeconds is the user plus system CPU time of all the process's
	// threads between start and stop (clock-tick resolution, 10 ms on
	// Linux); its children are not counted.
	CPUSeconds float64       `json:"cpu_seconds"`
	Wall       time.Duration `json:"wall_ns"`
	MeanRSS    int64         `json:"mean_rss_bytes"`
	MaxRSS     int64         `json:"max_rss_bytes"`
	// Exited is set when the process ended before Stop: the figures cover
	// the time it lived.
	Exited bool `json:"exited,omitempty"`
}

// Cores returns the mean number of CPUs the process kept busy: CPUSeconds
// over the wall time.
func (u Usage) Cores() float64 {
	if u.Wall <= 0 {
		return 0
	}
	return u.CPUSeconds / u.Wall.Seconds()
}

// CPUPerRequest returns the CPU time per request, or 0 without requests.
func (u Usage) CPUPerRequest(requests int64) time.Duration {
	if requests <= 0 {
		return 0
	}
	return time.Duration(u.CPUSeconds / float64(requests) * float64(time.Second))
}

// Sampler reads one process's CPU time and resident memory in the
// background. Stop it once the scenario is over; Stop may be called more
// than once and from several goroutines.
type Sampler struct {
	proc     procfs.Proc
	interval time.Duration
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once

	// Written by the sampling goroutine only; read after done is closed.
	start    time.Time
	cpu0     float64
	cpuLast  float64
	rssSum   float64
	usage    Usage
	exitedAt time.Time
}

// StartSampler reads the process pid at once (an error says why it cannot
// be measured) and then every interval (DefaultSampleInterval when 0)
// until Stop.
func StartSampler(pid int, interval time.Duration) (*Sampler, error) {
	if interval <= 0 {
		interval = DefaultSampleInterval
	}
	fsys, err := procfs.NewDefaultFS()
	if err != nil {
		return nil, fmt.Errorf("sample process %d: %w (resource sampling needs Linux's /proc)", pid, err)
	}
	p, err := fsys.Proc(pid)
	if err != nil {
		return nil, fmt.Errorf("sample process %d: %w; is the service running? check the PID", pid, err)
	}
	s := &Sampler{proc: p, interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
	s.usage.PID = pid
	s.start = time.Now()
	cpu, err := s.cpu()
	if err != nil {
		return nil, fmt.Errorf("sample process %d: %w", pid, err)
	}
	s.cpu0, s.cpuLast = cpu, cpu
	if err := s.sampleRSS(); err != nil {
		return nil, fmt.Errorf("sample process %d: %w", pid, err)
	}
	go s.loop()
	return s, nil
}

func (s *Sampler) loop() {
	defer close(s.done)
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if !s.read() {
				<-s.stop
				s.finish(s.exitedAt)
				return
			}
		case <-s.stop:
			s.read()
			end := time.Now()
			if s.usage.Exited {
				end = s.exitedAt
			}
			s.finish(end)
			return
		}
	}
}

// read takes one sample; false once the process has gone.
func (s *Sampler) read() bool {
	cpu, err := s.cpu()
	if err == nil {
		s.cpuLast = cpu
		err = s.sampleRSS()
	}
	if err != nil {
		// Only a vanished process ends the sampling; a transient read
		// error loses one sample.
		if gone(err) {
			s.usage.Exited = true
			s.exitedAt = time.Now()
			return false
		}
	}
	return true
}

func (s *Sampler) cpu() (float64, error) {
	st, err := s.proc.Stat()
	if err != nil {
		return 0, err
	}
	return st.CPUTime(), nil
}

func (s *Sampler) sampleRSS() error {
	st, err := s.proc.NewStatus()
	if err != nil {
		return err
	}
	rss := int64(st.VmRSS)
	s.usage.Samples++
	s.rssSum += float64(rss)
	s.usage.MaxRSS = max(s.usage.MaxRSS, rss)
	return nil
}

func (s *Sampler) finish(end time.Time) {
	s.usage.Wall = end.Sub(s.start)
	s.usage.CPUSeconds = s.cpuLast - s.cpu0
	if s.usage.Samples > 0 {
		s.usage.MeanRSS = int64(s.rssSum / float64(s.usage.Samples))
	}
}

// Stop ends the sampling, takes a last reading and returns the usage since
// StartSampler. Later calls return the same usage.
func (s *Sampler) Stop() Usage {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	return s.usage
}
