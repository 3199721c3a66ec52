/** The least CPU time (user + system, ms) of `runs` calls of `call`: for tests that compare costs measured in the same run (never against a fixed figure alone). */
export function bestCpuMs(call: () => unknown, runs = 2): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = process.cpuUsage();
    call();
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}
