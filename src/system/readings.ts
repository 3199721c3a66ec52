/** CPU use over the period since the previous sample. */
export interface CpuReadings {
  /** Busy share of every core of the machine, 0-100 (what `top` shows overall). */
  percent: number;
  /** This process's CPU time over wall time and the cores it may use, 0-100. */
  process: number;
  /** Cores available to the process (`os.availableParallelism()`). */
  cores: number;
}

/** Memory in bytes, and the share in use. */
export interface MemoryReadings {
  /**
   * Share in use, 0-100: the process's RSS over its cgroup limit when the container has one,
   * else the machine's memory in use (total minus available).
   */
  percent: number;
  /** True when `percent` is relative to a container (cgroup) limit. */
  constrained: boolean;
  /** The limit `percent` is relative to (cgroup limit or machine memory). */
  total: number;
  /** Memory still available under that limit. */
  available: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** V8's heap size limit: heapUsed near it means an out-of-memory crash is close. */
  heapLimit: number;
  external: number;
}

/** Event-loop delay (ms) over the period since the previous sample, and utilization. */
export interface EventLoopReadings {
  /** Delay beyond the sampling resolution, in ms; NaN when no sample was taken yet. */
  lagP50: number;
  lagP99: number;
  lagMax: number;
  lagMean: number;
  /** Share of the period the loop was busy, 0-1 (`performance.eventLoopUtilization`). */
  utilization: number;
}

/** Usage of the file system holding a path (as `df` shows it). */
export interface DiskReadings {
  path: string;
  /** Used over used plus available to unprivileged users, 0-100 (df's Use%). */
  percent: number;
  total: number;
  free: number;
  available: number;
}

/** One sample of the system vitals. */
export interface SystemReadings {
  cpu: CpuReadings;
  memory: MemoryReadings;
  eventLoop: EventLoopReadings;
  /** 1, 5 and 15 minute load averages (zeros on Windows). */
  loadAverage: readonly [number, number, number];
  /** Null when the path could not be read (then `diskError` says why). */
  disk: DiskReadings | null;
  diskError?: string | undefined;
}
