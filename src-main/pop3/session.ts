// POP3 session state (RFC 1939 §3): AUTHORIZATION → TRANSACTION → UPDATE, as one discriminated
// union, and the context a command module sees.
import type { Readable } from 'node:stream';
import type { Maildrop, MaildropMessage } from '../store/maildrop';
import type { Pop3Deps } from './pop3-daemon';

export type Pop3State =
  | { readonly kind: 'authorization'; readonly user?: string }
  | {
      readonly kind: 'transaction';
      readonly accountId: number;
      readonly address: string;
      readonly drop: Maildrop;
      readonly deleted: Set<number>; // message numbers (1-based) marked by DELE
    }
  | { readonly kind: 'update' };

export type Pop3ResponseCode = 'IN-USE' | 'LOGIN-DELAY' | 'SYS/TEMP' | 'SYS/PERM' | 'AUTH';

export interface Pop3Context {
  readonly deps: Pop3Deps;
  readonly state: Pop3State;
  readonly secure: boolean;
  /** Plaintext USER/PASS/AUTH are refused until STLS (IP range requires TLS for auth). */
  readonly plaintextAllowed: boolean;
  readonly stlsAvailable: boolean;
  readonly ip: string;
  setState(s: Pop3State): void;
  ok(text?: string): void;
  err(text: string, code?: Pop3ResponseCode): void;
  /** "+OK text" followed by the lines and the terminating ".". */
  multiline(text: string, lines: readonly string[]): void;
  /** "+OK text", then the stream byte-stuffed, then the terminating "."; false if cut short. */
  stream(text: string, body: Readable): Promise<boolean>;
  /** The same for a message already in memory (small messages: one write, no stream). */
  sendWhole(text: string, data: Buffer): void;
  /** The message with number n, or an -ERR already sent when there is none. */
  message(n: string | undefined): { n: number; msg: MaildropMessage } | undefined;
  login(username: string, password: string): Promise<void>;
  startSasl(mechanism: string, initial: string | undefined): void;
  startTls(): void;
  quit(): Promise<void>;
}
