/** What the `weft doctor` preload writes, one JSON line per sampling interval. */
export interface DoctorSample {
  /** ms since the preload started. */
  t: number;
  /** Weft runtimes made so far (0 while the program still loads its modules). */
  runtimes: number;
  /** ms the interval lasted. */
  wall: number;
  /** CPU time of the process in the interval, ms (user + system, all threads). */
  cpuMs: number;
  /** Event-loop utilization over the interval, 0–1. */
  elu: number;
  /** Event-loop delay over the interval, ms. */
  delayP99: number;
  delayMax: number;
  /**
   * ms the main thread spent runnable but not running in the interval (Linux
   * `/proc/thread-self/schedstat`): the operating system giving the CPU to
   * other processes. Absent where the kernel does not tell.
   */
  runqMs?: number;
  /** The longest event-loop delay in the interval less the run-queue wait during it (the program's own), ms; with `runqMs`. */
  ownDelayMs?: number;
  /** ms spent in garbage collection during the interval. */
  gcMs: number;
  heapUsedMb: number;
  /** Open TCP sockets (connections and listeners) at the end of the interval. */
  sockets: number;
  /** Alive weft tasks, over every runtime of the process. */
  tasks: number;
  /** Tasks parked, per wait op (e.g. { 'mpsc.recv': 3, sleep: 10 }). */
  waits: Record<string, number>;
  /** The busiest tasks so far (cumulative figures), at most 10; `longPolls` counts polls of BLOCKED_MS or more. */
  top: { id: number; name: string | undefined; busyMs: number; polls: number; longPolls: number }[];
  /** Bounded channels with their fill. */
  channels: { id: number; name: string | undefined; length: number; capacity: number; waiters: number }[];
}
