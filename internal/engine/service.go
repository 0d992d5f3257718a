package engine

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/model"
	"github.com/perfgate/perfgate/internal/sysinfo"
)

// FindService decides which process's CPU and memory a run samples: pid
// when given (--service-pid; one that does not exist is a usage error,
// exit 2), else the process listening on target's port when target is
// this machine. Otherwise nothing is sampled and the returned
// ServiceProcess says why and what to pass.
func FindService(target string, pid int) (*model.ServiceProcess, error) {
	if pid != 0 {
		if pid < 0 {
			return nil, exit.Usagef("--service-pid %d: a process ID is positive", pid)
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, exit.Usagef("--service-pid %d: no such process on this machine; is the service running? check the PID", pid)
			}
			return nil, exit.Usagef("--service-pid %d: %v (resource sampling needs Linux's /proc)", pid, err)
		}
		return serviceProcess(pid, "--service-pid"), nil
	}
	port, local := sysinfo.TargetPort(target)
	if !local {
		host := target
		if u, err := url.Parse(target); err == nil {
			host = u.Hostname()
		}
		return &model.ServiceProcess{Note: fmt.Sprintf("not sampled: the service at %s is not on this machine; "+
			"run perfgate beside it with --service-pid PID to sample its CPU and memory", host)}, nil
	}
	found, err := sysinfo.FindListener(port)
	if err != nil {
		return &model.ServiceProcess{Note: "not sampled: " + err.Error()}, nil
	}
	return serviceProcess(found, fmt.Sprintf("the listener on port %d of --target", port)), nil
}

func serviceProcess(pid int, source string) *model.ServiceProcess {
	s := &model.ServiceProcess{PID: pid, Source: source}
	if pid == os.Getpid() {
		s.InPerfgate = true
		s.Note = "the service runs inside perfgate's own process: its CPU and memory include the load generator's"
	}
	return s
}
