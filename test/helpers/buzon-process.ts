// The real `buzon` command as child processes (`node bin/buzon.mjs --data DIR ...`), for the
// end-to-end tests: one-shot CLI runs, and a long-running `serve` whose output lines can be awaited.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'buzon.mjs');

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BUZON_DATA;
  // The test runner's own flags (--test, coverage …) must not leak into the child.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `buzon --data DIR ...args` to completion. */
export function runBuzon(dir: string, args: readonly string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--data', dir, ...args], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`buzon ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs a command that must succeed; returns its stdout. */
export async function buzonOk(dir: string, args: readonly string[]): Promise<string> {
  const r = await runBuzon(dir, args);
  if (r.code !== 0) throw new Error(`buzon ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

export interface ListenerLine {
  readonly protocol: string;
  readonly address: string;
  readonly boundPort: number;
  readonly security: string;
  readonly entry: number;
  readonly configuredPort: number;
}

const LISTENING_RE = /^ {2}listening {2}(\w+) (\S+):(\d+) \(([\w-]+)\) \[entry (\d+), configured port (\d+)\]$/;

export function parseListenerLine(line: string): ListenerLine | undefined {
  const m = LISTENING_RE.exec(line);
  if (!m) return undefined;
  return { protocol: m[1]!, address: m[2]!, boundPort: Number(m[3]), security: m[4]!, entry: Number(m[5]), configuredPort: Number(m[6]) };
}

type Stream = 'stdout' | 'stderr';
interface Line {
  readonly stream: Stream;
  readonly text: string;
}

/** A running `buzon serve`. */
export class ServeProcess {
  readonly child: ChildProcess;
  readonly lines: Line[] = [];
  private waiters: (() => void)[] = [];
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(dir: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [BIN, '--data', dir, 'serve', ...args], { cwd: REPO_ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      this.child[stream]!.setEncoding('utf8').on('data', (d: string) => {
        partial += d;
        let i: number;
        while ((i = partial.indexOf('\n')) >= 0) {
          this.lines.push({ stream, text: partial.slice(0, i).replace(/\r$/, '') });
          partial = partial.slice(i + 1);
        }
        this.wake();
      });
    }
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        this.wake();
        resolve(this.exitInfo);
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** All output so far, for failure messages. */
  output(): string {
    return this.lines.map((l) => `[${l.stream}] ${l.text}`).join('\n');
  }

  /**
   * Waits for a line (from index `from` on) that matches; returns it and its index. Fails when the
   * process exits first or the deadline passes.
   */
  async waitForLine(re: RegExp, opts: { stream?: Stream; from?: number; timeoutMs?: number } = {}): Promise<{ text: string; index: number; match: RegExpExecArray }> {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    let i = opts.from ?? 0;
    for (;;) {
      for (; i < this.lines.length; i++) {
        const l = this.lines[i]!;
        if (opts.stream && l.stream !== opts.stream) continue;
        const m = re.exec(l.text);
        if (m) return { text: l.text, index: i, match: m };
      }
      if (this.exitInfo) throw new Error(`serve exited (${JSON.stringify(this.exitInfo)}) before a line matching ${re}\n${this.output()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for a line matching ${re}\n${this.output()}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for `ready` and returns the listener lines printed before it. */
  async ready(timeoutMs = 20_000): Promise<ListenerLine[]> {
    const r = await this.waitForLine(/^ready$/, { stream: 'stdout', timeoutMs });
    return this.lines
      .slice(0, r.index)
      .filter((l) => l.stream === 'stdout')
      .map((l) => parseListenerLine(l.text))
      .filter((l): l is ListenerLine => l !== undefined);
  }

  /** Sends a signal and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.exitInfo) this.child.kill(signal);
    return this.waitExit(timeoutMs);
  }

  async waitExit(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`serve did not exit in ${timeoutMs} ms\n${this.output()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Last resort in `finally` blocks: SIGKILL if still running. */
  async kill(): Promise<void> {
    if (this.exitInfo) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Starts `buzon serve` and waits for `ready`. */
export async function startServe(dir: string, args: readonly string[] = ['--ephemeral-ports', '--quiet']): Promise<{ serve: ServeProcess; listeners: ListenerLine[] }> {
  const serve = new ServeProcess(dir, args);
  try {
    const listeners = await serve.ready();
    return { serve, listeners };
  } catch (e) {
    await serve.kill();
    throw e;
  }
}
