// Package engine runs perfgate's measurements: it plans scenario files into
// requests (Plan), drives one scenario with vegeta and judges it
// (RunScenario), runs a whole run (Run) and carries one out from plan to
// written run directory (Execute), searches the capacity knee
// (Capacity), divides a run among the shards of a distributed run
// (ParseShard, ShardPlan.Divide) and merges the shards again (Merge). It
// returns model values; the commands render and print them.
//
// Data flows one way: scenario files → Plan → load (vegeta) → raw results
// and a metrics.Recorder (through one Sink) → verdict → model.Scenario.
package engine
