// IMAP session state (RFC 9051 §3): not authenticated → authenticated → selected → logout, as one
// discriminated union checked by the dispatcher, and the context a command module sees.
import type { ImapResponse, ResponseCode } from './protocol/compiler';
import type { Token } from './protocol/tokens';
import type { MailboxRow } from '../store/mailboxes';
import type { Logger } from '../logging/logger';
import type { ImapDeps } from './imap-daemon';
import type { MailboxView } from './mailbox-view';

export interface ImapUser {
  readonly accountId: number;
  readonly address: string;
}

export type ImapState =
  | { readonly kind: 'notAuthenticated' }
  | { readonly kind: 'authenticated'; readonly user: ImapUser }
  | { readonly kind: 'selected'; readonly user: ImapUser; readonly view: MailboxView }
  | { readonly kind: 'logout' };

export type ImapStateKind = Exclude<ImapState['kind'], 'logout'>;

export interface ImapContext {
  readonly deps: ImapDeps;
  readonly state: ImapState;
  readonly tag: string;
  /** Upper-cased command name, "UID FETCH" joined. */
  readonly command: string;
  readonly log: Logger;
  readonly secure: boolean;
  /** LOGIN / AUTHENTICATE may be used now (TLS, or an IP range that allows plaintext). */
  readonly plaintextAllowed: boolean;
  readonly starttlsAvailable: boolean;
  readonly ip: string;
  /** The user (authenticated and selected states); throws otherwise (the dispatcher prevents it). */
  readonly user: ImapUser;
  /** The selected mailbox's view; throws unless selected. */
  readonly view: MailboxView;
  /** This session, as the origin of store events it reports itself. */
  readonly origin: object;
  /** The connection is gone or closing: long loops (FETCH) stop. */
  readonly closed: boolean;
  capabilities(): string[];
  setState(s: ImapState): void;
  /** Queues an untagged response ("*" is added). */
  untagged(r: Omit<ImapResponse, 'tag'>): void;
  /** Queues an untagged response already in wire form (FETCH's fast path builds lines directly). */
  untaggedRaw(bytes: Buffer): void;
  /** Writes what is queued, honouring back-pressure (long FETCH loops call it now and then). */
  drain(): Promise<void>;
  /** Bytes queued and not yet written. */
  readonly queuedBytes: number;
  ok(text: string, code?: ResponseCode): void;
  no(text: string, code?: ResponseCode): void;
  bad(text: string, code?: ResponseCode): void;
  /** Wire mailbox name (modified UTF-7, the configured delimiter) → stored name; null (NO sent) if invalid. */
  mailboxName(token: Token | undefined): string | null;
  /** Stored name → wire name. */
  wireName(name: string): string;
  readonly delimiter: string;
  /** The mailbox by stored name, or null after sending NO [NONEXISTENT] (or [TRYCREATE] when asked). */
  findMailbox(name: string, tryCreate?: boolean): MailboxRow | null;
  login(username: string, password: string): Promise<void>;
  authenticate(mechanism: string, initial: string | undefined): Promise<void>;
  startTls(): void;
  idle(): Promise<void>;
  logout(): void;
  /** Opens a mailbox view (SELECT/EXAMINE) and sends its untagged data. */
  select(box: MailboxRow, readOnly: boolean): void;
  /** Leaves the selected mailbox (CLOSE/UNSELECT, or a failed SELECT). */
  unselect(): void;
  readonly enabled: Set<string>;
}
