package sysinfo

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/procfs"
)

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = 0x0A

// ErrNoListener is returned (wrapped) by FindListener when no socket of
// this machine listens on the port.
var ErrNoListener = errors.New("no process listens on the port")

// FindListener returns the PID of the process listening on TCP port of this
// machine (any address, IPv4 or IPv6): the sockets come from
// /proc/net/tcp{,6}, their owner from the socket links in /proc/*/fd. When
// several processes share the socket (a pre-forking server), it returns
// the one the others descend from. Only the processes this user may
// inspect are seen: root sees all.
func FindListener(port int) (int, error) {
	fsys, err := procfs.NewDefaultFS()
	if err != nil {
		return 0, fmt.Errorf("find the process on port %d: %w (resource sampling needs Linux's /proc; pass the PID)", port, err)
	}
	inodes := map[string]bool{}
	for _, read := range []func() (procfs.NetTCP, error){fsys.NetTCP, fsys.NetTCP6} {
		lines, err := read()
		if err != nil {
			continue // no IPv6 on this machine, or no IPv4
		}
		for _, l := range lines {
			if l.St == tcpListen && l.LocalPort == uint64(port) {
				inodes["socket:["+strconv.FormatUint(l.Inode, 10)+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("find the process on port %d: %w; is the service running on this machine?", port, ErrNoListener)
	}
	procs, err := fsys.AllProcs()
	if err != nil {
		return 0, fmt.Errorf("find the process on port %d: %w", port, err)
	}
	var pids []int
	for _, p := range procs {
		targets, err := p.FileDescriptorTargets()
		if err != nil {
			continue // gone, or another user's
		}
		if slices.ContainsFunc(targets, func(t string) bool { return inodes[t] }) {
			pids = append(pids, p.PID)
		}
	}
	switch len(pids) {
	case 0:
		return 0, fmt.Errorf("find the process on port %d: a socket listens there but its process is not visible to this user; "+
			"run perfgate as the service's user or root, or pass the service's PID", port)
	case 1:
		return pids[0], nil
	}
	return rootOf(fsys, pids, port)
}

// rootOf returns the one process of pids whose parent is not among them.
func rootOf(fsys procfs.FS, pids []int, port int) (int, error) {
	var roots []int
	for _, pid := range pids {
		p, err := fsys.Proc(pid)
		if err != nil {
			continue
		}
		st, err := p.Stat()
		if err != nil || !slices.Contains(pids, st.PPID) {
			roots = append(roots, pid)
		}
	}
	if len(roots) == 1 {
		return roots[0], nil
	}
	return 0, fmt.Errorf("find the process on port %d: unrelated processes %v share its socket; pass the service's PID", port, pids)
}

// TargetPort returns the TCP port of target (an http or https URL) and
// whether its host is this machine: a loopback name or address, or an
// address of one of this machine's interfaces. Only then can FindListener
// see the service.
func TargetPort(target string) (port int, local bool) {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return 0, false
	}
	switch p := u.Port(); {
	case p != "":
		port, err = strconv.Atoi(p)
		if err != nil {
			return 0, false
		}
	case u.Scheme == "https":
		port = 443
	default:
		port = 80
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return port, true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		if h, _ := os.Hostname(); h != "" && strings.EqualFold(h, host) {
			return port, true
		}
		return port, false
	}
	if ip.IsLoopback() || ip.IsUnspecified() {
		return port, true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return port, false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return port, true
		}
	}
	return port, false
}

// gone reports whether err says the process no longer exists.
func gone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, os.ErrProcessDone)
}
