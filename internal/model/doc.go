// Package model is perfgate's run model: the shapes of the files a run
// directory holds (summary.json, capacity.json, shard.json), their schema
// tags, and reading and atomic writing of them. It is the one owner of
// those shapes: the run engine fills them, verdict and compare read them,
// and the renderers in package report print them. It computes nothing.
package model
