// The contract every experiment (claim, and later scale, chaos, partition, throughput, spof,
// transfer) implements, so the entry point can dispatch by name and report uniformly.

export interface Experiment {
  name: string
  /** Help text: synopsis line, then one line per flag with its default. */
  usage: string
  /**
   * Parses `argv` (throwing BenchUsageError on bad input), runs, prints human-readable progress and
   * result blocks through `print`, and returns one summary object per configuration run.
   */
  run: (argv: string[], print: (line: string) => void) => Promise<object[]>
}
