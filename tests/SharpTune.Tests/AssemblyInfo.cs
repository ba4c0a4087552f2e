// Tests run one at a time: torch's global generator (dropout, manual_seed) and Console redirection are
// process-wide, so parallel test classes made seeded training runs irreproducible (the SIGTERM resume test saw
// another class's manual_seed between its steps). On 2 cores libtorch already uses both for one test.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
