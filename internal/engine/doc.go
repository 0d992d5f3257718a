// Package engine runs perfgate's measurements: it plans scenario files into
// requests (Plan), drives one scenario with vegeta and judges it
// (RunScenario), runs a whole run (Run) and carries one out from plan to
// written run directory (Execute), searches the capacity knee
// (Capacity; ExecuteCapacity), runs two versions in interleaved blocks
// (AB; ExecuteAB), divides a run among the shards of a distributed run
// (ParseShard, ShardPlan.Divide) and merges the shards again
// (MergeShards). It checks the options a user gives it
// (CapacityBounds.Options, ABOptions.Validate) and returns model values;
// the commands render and print them, in the Write hook that Execute,
// ExecuteCapacity, ExecuteAB and MergeShards call.
//
// Data flows one way: scenario files → Plan → load (vegeta) → raw results
// and a metrics.Recorder (through one Sink) → verdict → model.Scenario.
package engine
