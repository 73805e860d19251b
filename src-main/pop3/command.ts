// One POP3 command = one module declaring its name, the states it is allowed in and its handler.
// The dispatcher (connection.ts) alone checks the state, so no command repeats that check.
import type { Pop3Context } from './session';

export type Pop3StateKind = 'authorization' | 'transaction';

export interface Pop3Command {
  readonly name: string;
  readonly states: readonly Pop3StateKind[];
  /** Whether the argument text is secret (PASS, AUTH): never logged. */
  readonly secret?: boolean;
  handle(ctx: Pop3Context, args: string[]): void | Promise<void>;
}

export function defineCommand(c: Pop3Command): Pop3Command {
  return c;
}

/** Parses a message number argument ("1".."N"); undefined when not a positive integer. */
export function messageNumber(arg: string | undefined): number | undefined {
  if (arg === undefined || !/^\d{1,9}$/.test(arg)) return undefined;
  const n = Number(arg);
  return n >= 1 ? n : undefined;
}
