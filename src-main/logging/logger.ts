// Structured logging with pino. Every line carries `svc` (smtp|pop3|imap|delivery|app|admin) and,
// inside a session, `sid`, `ip` and `user`. One sink fans each line out to:
//   - a daily file DATA/logs/buzon-YYYY-MM-DD.log (JSON lines; older than `keepDays` are removed),
//   - a ring buffer for the live log view (admin API `logs.recent`, event `log.entry`),
//   - optional listeners (the `serve` console, IPC/SSE).
// Passwords and AUTH payloads are never passed to the logger; `redact` is a second guard.
import { closeSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { LogEntry } from '../shared/model/entities';

export type Logger = pino.Logger;

export interface LogFilter {
  /** Whether lines of this service go to the log files (Settings › Logging). */
  fileEnabled(svc: string): boolean;
  keepDays(): number;
}

export class LogSink {
  private readonly ring: LogEntry[] = [];
  private ringStart = 0;
  private readonly listeners = new Set<(e: LogEntry) => void>();
  private day = '';
  private fd: number | undefined;

  constructor(
    private readonly logsDir: string | undefined,
    private readonly filter: LogFilter,
    private readonly capacity = 2000,
  ) {}

  /** Called by pino with one serialized JSON line. */
  write(line: string): void {
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      return;
    }
    if (this.ring.length < this.capacity) this.ring.push(entry);
    else {
      this.ring[this.ringStart] = entry;
      this.ringStart = (this.ringStart + 1) % this.capacity;
    }
    if (this.logsDir && this.filter.fileEnabled(entry.svc)) this.toFile(entry.time, line);
    for (const l of this.listeners) {
      try {
        l(entry);
      } catch {
        /* a listener must not break logging */
      }
    }
  }

  private toFile(time: string, line: string): void {
    const day = time.slice(0, 10);
    if (day !== this.day || this.fd === undefined) {
      if (this.fd !== undefined) closeSync(this.fd);
      mkdirSync(this.logsDir!, { recursive: true });
      this.fd = openSync(join(this.logsDir!, `buzon-${day}.log`), 'a');
      this.day = day;
      this.prune(day);
    }
    // Synchronous append: log lines are small, and a crash then loses no line already logged.
    writeSync(this.fd, line.endsWith('\n') ? line : line + '\n');
  }

  private prune(today: string): void {
    const cutoff = new Date(Date.parse(today) - this.filter.keepDays() * 86_400_000).toISOString().slice(0, 10);
    for (const f of readdirSync(this.logsDir!)) {
      const m = /^buzon-(\d{4}-\d{2}-\d{2})\.log$/.exec(f);
      if (m && m[1]! < cutoff) {
        try {
          unlinkSync(join(this.logsDir!, f));
        } catch {
          /* in use or gone */
        }
      }
    }
  }

  recent(limit: number): LogEntry[] {
    const ordered = this.ring.length < this.capacity ? this.ring : [...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)];
    return ordered.slice(-limit);
  }

  subscribe(fn: (e: LogEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function createLogger(sink: LogSink, level: () => string = () => 'info'): Logger {
  const logger = pino(
    {
      level: level(),
      base: { svc: 'app' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['password', 'pass', '*.password', '*.pass', 'auth.password', 'credentials'], censor: '[redacted]' },
    },
    sink,
  );
  return logger;
}
