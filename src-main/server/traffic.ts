// The Status page's traffic history: what the server did minute by minute over the last hour.
// Protocol code only increments the shared counters; this samples them (every few seconds, and on
// each read) and books the difference since the previous sample into the current minute, so a
// message costs nothing here. A change is booked at most one sampling interval late, which may
// put it in the next minute; that is fine for a chart.
import { COUNTER_KEYS as KEYS, zeroCounters as zeros, type CounterKey, type TrafficSample } from '../shared/model/entities';
import type { Clock } from './clock';

export type TrafficCounters = Record<CounterKey, number>;

const MINUTES = 60;
const MINUTE_MS = 60_000;

interface Bucket {
  /** Minutes since the epoch of the minute this bucket holds; -1 when never used. */
  minute: number;
  counts: TrafficCounters;
}


export class TrafficRecorder {
  /** Indexed by minute % 60; a bucket whose `minute` is not the one asked for is stale, i.e. zero. */
  private readonly ring: Bucket[] = Array.from({ length: MINUTES }, () => ({ minute: -1, counts: zeros() }));
  /** The counters as last seen. Kept across stop/start: the counters object lives as long as the host. */
  private last: TrafficCounters;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly counters: Readonly<TrafficCounters>,
    private readonly clock: Clock,
    private readonly everyMs = 5_000,
  ) {
    this.last = { ...counters };
  }

  start(): void {
    if (this.timer) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    // History must never keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    // What happened up to now still belongs to the history.
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The last 60 minutes, oldest first, the current one included and up to date. */
  samples(): TrafficSample[] {
    const now = this.sample();
    const out: TrafficSample[] = [];
    for (let m = now - MINUTES + 1; m <= now; m++) {
      const b = this.ring[mod(m)]!;
      out.push({ at: new Date(m * MINUTE_MS).toISOString(), ...(b.minute === m ? b.counts : zeros()) });
    }
    return out;
  }

  /** Books what changed since the last look into the current minute; returns that minute. */
  private sample(): number {
    const minute = Math.floor(this.clock.now().getTime() / MINUTE_MS);
    const b = this.ring[mod(minute)]!;
    if (b.minute !== minute) {
      b.minute = minute;
      b.counts = zeros();
    }
    for (const k of KEYS) {
      const cur = this.counters[k];
      const prev = this.last[k];
      // A counter that went down was reset: what it holds now is all new.
      b.counts[k] += cur >= prev ? cur - prev : cur;
      this.last[k] = cur;
    }
    return minute;
  }
}

const mod = (m: number): number => ((m % MINUTES) + MINUTES) % MINUTES;
