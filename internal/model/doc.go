// Package model is perfgate's run model: the shapes of the files a run
// directory holds (summary.json, capacity.json, shard.json, plans.json),
// their schema tags, and reading and atomic writing of them. It is the one
// owner of those shapes: the run engine fills them, verdict and compare
// read them, and the renderers in package report print them. It computes
// nothing. The parts measured by pgenv's probe (plans, index use,
// connections, the database's fingerprint) and by sysinfo (the host, a
// process's CPU and memory) keep the shapes those packages give them.
package model
