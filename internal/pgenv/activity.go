package pgenv

import (
	"context"
	"sync"
	"time"
)

// DefaultActivityInterval is how often the probe counts the database's
// connections while a scenario runs: each count is one short query on
// pg_stat_activity.
const DefaultActivityInterval = 100 * time.Millisecond

// Activity is the database's connections during a scenario, from
// pg_stat_activity (the probe's own connection excluded), sampled every
// Probe.ActivityInterval between Begin and End.
type Activity struct {
	Samples int `json:"samples"` // 0: the scenario was shorter than one interval
	// Connections are the client connections to the database; Active
	// those running a statement at the moment of the sample.
	MeanConnections float64 `json:"mean_connections"`
	MaxConnections  int     `json:"max_connections"`
	MeanActive      float64 `json:"mean_active"`
	MaxActive       int     `json:"max_active"`
	// MaxParallelWorkers is the most parallel query workers seen at once.
	MaxParallelWorkers int `json:"max_parallel_workers"`
	// StateHidden is set when the probe's role may not see what other
	// roles' connections do (it needs pg_read_all_stats): Active then
	// counts only its own role's connections.
	StateHidden bool `json:"state_hidden,omitempty"`
}

// activitySampler counts connections in the background on the probe's
// connection; the probe uses the connection for nothing else meanwhile.
type activitySampler struct {
	stop chan struct{}
	done chan struct{}
	once sync.Once

	sumConn, sumActive float64
	a                  Activity
}

// startActivity samples every interval until stop; mu guards the probe's
// connection.
func (p *Probe) startActivity(ctx context.Context, interval time.Duration) *activitySampler {
	s := &activitySampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				s.sample(ctx, p)
			}
		}
	}()
	return s
}

func (s *activitySampler) sample(ctx context.Context, p *Probe) {
	var conns, active, workers, hidden int
	p.mu.Lock()
	err := p.conn.QueryRow(ctx, probeTag+` SELECT count(*) FILTER (WHERE backend_type = 'client backend'),
  count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active'),
  count(*) FILTER (WHERE backend_type = 'parallel worker'),
  count(*) FILTER (WHERE backend_type = 'client backend' AND query = '<insufficient privilege>')
FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&conns, &active, &workers, &hidden)
	p.mu.Unlock()
	if err != nil {
		return // a lost sample; End's own queries report a broken connection
	}
	s.a.Samples++
	s.sumConn += float64(conns)
	s.sumActive += float64(active)
	s.a.MaxConnections = max(s.a.MaxConnections, conns)
	s.a.MaxActive = max(s.a.MaxActive, active)
	s.a.MaxParallelWorkers = max(s.a.MaxParallelWorkers, workers)
	s.a.StateHidden = s.a.StateHidden || hidden > 0
}

// finish stops the sampling and returns the figures; safe more than once.
func (s *activitySampler) finish() Activity {
	if s == nil {
		return Activity{}
	}
	s.once.Do(func() { close(s.stop) })
	<-s.done
	a := s.a
	if a.Samples > 0 {
		a.MeanConnections = s.sumConn / float64(a.Samples)
		a.MeanActive = s.sumActive / float64(a.Samples)
	}
	return a
}
