// Package detach runs perfgate's own background processes (a detached
// db up, a detached serve) safely: it names a process so that a reused PID
// is never taken for it (Process), keeps their state in a directory only
// the user can reach and never follows a planted link (PrepareDir,
// ReadJSON, WriteJSON, OpenLog), starts one and waits until it records
// itself ready (Start), and stops one only if it is still the process that
// wrote its state (Stop).
package detach

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotSameProcess is returned (wrapped) when a PID no longer names the
// process that was recorded: it exited, and the PID may now belong to an
// unrelated process, which must be left alone.
var ErrNotSameProcess = errors.New("the process has exited (its pid may belong to another process now)")

// Process names one process so that it cannot be confused with a later
// process given the same PID: the kernel's start time of the process (in
// clock ticks after boot) and the boot it ran in tell them apart.
type Process struct {
	PID        int    `json:"pid"`
	StartTicks uint64 `json:"start_ticks"`
	BootID     string `json:"boot_id"`
}

// ProcessOf returns the identity of the running process pid.
func ProcessOf(pid int) (Process, error) {
	if pid <= 0 {
		return Process{}, fmt.Errorf("pid %d: not a process", pid)
	}
	start, zombie, err := procStat(pid)
	if err != nil {
		return Process{}, err
	}
	if zombie {
		return Process{}, fmt.Errorf("pid %d: %w", pid, ErrNotSameProcess)
	}
	return Process{PID: pid, StartTicks: start, BootID: bootID()}, nil
}

// CurrentProcess returns the identity of the calling process.
func CurrentProcess() (Process, error) { return ProcessOf(os.Getpid()) }

// Running reports whether p still runs: its PID exists, is not a zombie,
// and started at the recorded time in the current boot. A Process without a
// start time (a state file from an older perfgate) never counts as running,
// since it cannot be told apart from an unrelated process.
func (p Process) Running() bool {
	if p.PID <= 0 || p.StartTicks == 0 {
		return false
	}
	cur, err := ProcessOf(p.PID)
	return err == nil && cur == p
}

// Signal sends sig to p if, and only if, p still runs. The process is held
// by a pidfd while it is checked, so a PID reused between the check and the
// signal cannot receive it.
func (p Process) Signal(sig syscall.Signal) error {
	proc, err := os.FindProcess(p.PID)
	if err != nil {
		return fmt.Errorf("pid %d: %w", p.PID, err)
	}
	defer proc.Release()
	if !p.Running() {
		return fmt.Errorf("pid %d: %w", p.PID, ErrNotSameProcess)
	}
	if err := proc.Signal(sig); err != nil {
		if errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("pid %d: %w", p.PID, ErrNotSameProcess)
		}
		return fmt.Errorf("signal pid %d: %w", p.PID, err)
	}
	return nil
}

// procStat reads the start time (field 22) and whether the process is a
// zombie (field 3) from /proc/<pid>/stat.
func procStat(pid int) (start uint64, zombie bool, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false, fmt.Errorf("pid %d: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces and
	// parentheses itself: the fields that follow start after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, false, fmt.Errorf("pid %d: malformed /proc stat", pid)
	}
	fields := strings.Fields(string(b[i+1:]))
	const state, startTime = 0, 19 // fields 3 and 22, counted from field 3
	if len(fields) <= startTime {
		return 0, false, fmt.Errorf("pid %d: malformed /proc stat", pid)
	}
	start, err = strconv.ParseUint(fields[startTime], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("pid %d: start time: %w", pid, err)
	}
	return start, fields[state] == "Z" || fields[state] == "X", nil
}

// bootID names the current boot, so that start times from an earlier boot
// (a state file that survived a reboot) are not compared with this one's.
func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}
