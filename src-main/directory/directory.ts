// Address resolution: what a recipient address means on this server.
//   account      → its mailbox (and, if forwarding is on, the forward target; keep-copy keeps both)
//   alias        → its target, resolved again
//   distribution → its members, resolved again, if the sender may post (list mode, SMTP auth)
//   catch-all    → the domain's catch-all address, when nothing else matched
//   plus address → name+tag@domain reaches name@domain when the domain enables it
// Domain aliases map to their domain first. Resolution is recursive with a depth limit and a
// visited set, so alias loops end instead of hanging.
import type { ConfigRepo } from '../store/config-repo';
import { isSrsAddress, type Srs } from '../delivery/srs';
import { domainOf } from '../shared/util/address';

export interface Sender {
  /** Envelope sender, lower-cased; '' for the null sender. */
  readonly address: string;
  /** Authenticated account address, if any. */
  readonly authUser: string | null;
}

export type Resolution =
  | { readonly kind: 'local'; readonly accounts: ReadonlyArray<{ id: number; address: string }>; readonly external: readonly string[] }
  | { readonly kind: 'external' }
  | { readonly kind: 'unknown'; readonly reason: string }
  | { readonly kind: 'denied'; readonly reason: string; readonly authRequired: boolean };

const MAX_DEPTH = 10;
type Verdict = Exclude<Resolution, { kind: 'local' }>;
/** A name that exists: with a verdict that ends resolution of the top-level address, or none. */
type Found = false | { readonly denial: Verdict | undefined };

/**
 * With the domain's plus addressing on, the name before its character ("ana" of "ana+tag",
 * hMailServer cuts at the first one); undefined when it does not apply or leaves no name.
 */
function plusBase(local: string, domainRow: Record<string, unknown>): string | undefined {
  const char = domainRow.plus_addressing_char as string;
  if ((domainRow.plus_addressing as number) !== 1 || !char) return undefined;
  const i = local.indexOf(char);
  return i > 0 ? local.slice(0, i) : undefined;
}

export class Directory {
  constructor(
    private readonly repo: ConfigRepo,
    private readonly defaultDomain: () => string,
    /** Reverses the SRS senders of forwarded mail, so their bounces reach the original sender. */
    private readonly srs?: Srs,
  ) {}

  /** Completes a bare name ("antonio") with the default domain, as the course's telnet sessions type it. */
  qualify(address: string): string {
    const a = address.trim().toLowerCase();
    if (a === '' || a.includes('@')) return a;
    const d = this.defaultDomain();
    return d ? `${a}@${d}` : a;
  }

  /** Whether the domain part is hosted here (a domain or domain alias). */
  isLocalDomain(domain: string): boolean {
    return this.repo.resolveDomain(domain.toLowerCase()) !== undefined;
  }

  isLocalAddress(address: string): boolean {
    return address.includes('@') && this.isLocalDomain(domainOf(address));
  }

  resolve(address: string, sender: Sender): Resolution {
    if (this.srs && isSrsAddress(address) && this.isLocalAddress(address) && !this.repo.findAccount(address.toLowerCase())) {
      // A reply or bounce to the rewritten sender of a message forwarded from here.
      const original = this.srs.reverse(address);
      return original ? { kind: 'local', accounts: [], external: [original] } : { kind: 'unknown', reason: 'not a valid SRS address of this server (or older than 21 days)' };
    }
    const accounts = new Map<number, string>();
    const external = new Set<string>();
    const visited = new Set<string>();
    const top = this.resolveInto(address.toLowerCase(), sender, accounts, external, visited, 0);
    if (top && top.kind === 'unknown' && top.reason === 'no such user') {
      // RFC 5321 §4.5.1: postmaster must be accepted for every domain, even without an account
      // or alias of that name. It reaches the server administrators, else the domain's.
      const pm = this.postmaster(address.toLowerCase());
      if (pm.length) return { kind: 'local', accounts: pm, external: [] };
    }
    if (top) return top;
    return { kind: 'local', accounts: [...accounts].map(([id, addr]) => ({ id, address: addr })), external: [...external] };
  }

  private postmaster(address: string): { id: number; address: string }[] {
    const at = address.lastIndexOf('@');
    const local = address.slice(0, at);
    // Only postmaster or postmaster<plus char>…: no domain lookup for every other unknown name.
    if (!local.startsWith('postmaster')) return [];
    const domain = this.repo.resolveDomain(address.slice(at + 1));
    if (!domain) return [];
    return local === 'postmaster' || plusBase(local, domain.row) === 'postmaster' ? this.repo.postmasterAccounts(domain.id) : [];
  }

  /** Returns a terminal verdict for the top-level address, or undefined when targets were added. */
  private resolveInto(
    address: string,
    sender: Sender,
    accounts: Map<number, string>,
    external: Set<string>,
    visited: Set<string>,
    depth: number,
  ): Exclude<Resolution, { kind: 'local' }> | undefined {
    const at = address.lastIndexOf('@');
    if (at < 1) return { kind: 'unknown', reason: 'no domain' };
    const domain = this.repo.resolveDomain(address.slice(at + 1));
    if (!domain) {
      if (depth === 0) return { kind: 'external' };
      external.add(address);
      return undefined;
    }
    if (!domain.enabled) return depth === 0 ? { kind: 'unknown', reason: 'domain disabled' } : undefined;
    if (depth > MAX_DEPTH || visited.has(address)) return undefined;
    visited.add(address);

    const local = address.slice(0, at);
    const canonical = (l: string): string => `${l}@${domain.name}`;
    const lookup = (l: string): Found => this.resolveName(canonical(l), sender, accounts, external, visited, depth, domain.name);

    // The name as given first: "ana+tag" may itself be an account, alias or list.
    let found = lookup(local);
    if (found) return found.denial;
    const base = plusBase(local, domain.row);
    found = base ? lookup(base) : false;
    if (found) return found.denial;
    const catchAll = domain.row.catch_all as string;
    if (catchAll && !visited.has(catchAll.toLowerCase())) {
      const before = accounts.size + external.size;
      const r = this.resolveInto(catchAll.toLowerCase(), sender, accounts, external, visited, depth + 1);
      if (r && r.kind === 'denied') return r;
      if (accounts.size + external.size > before) return undefined;
    }
    return depth === 0 ? { kind: 'unknown', reason: 'no such user' } : undefined;
  }

  /** Resolves a canonical address against accounts, aliases and lists: false if no such name. */
  private resolveName(
    address: string,
    sender: Sender,
    accounts: Map<number, string>,
    external: Set<string>,
    visited: Set<string>,
    depth: number,
    domainName: string,
  ): Found {
    const top = depth === 0;
    const account = this.repo.findAccount(address);
    if (account) {
      if (!account.enabled) return { denial: top ? { kind: 'unknown', reason: 'account disabled' } : undefined };
      const forwarding = account.forwardEnabled && account.forwardTo !== '';
      if (!forwarding || account.forwardKeepCopy) accounts.set(account.id, account.address);
      if (forwarding) this.resolveInto(account.forwardTo.toLowerCase(), sender, accounts, external, visited, depth + 1);
      return { denial: undefined };
    }
    const alias = this.repo.findAlias(address);
    if (alias) {
      if (!alias.enabled) return { denial: top ? { kind: 'unknown', reason: 'alias disabled' } : undefined };
      const r = this.resolveInto(alias.target.toLowerCase(), sender, accounts, external, visited, depth + 1);
      return { denial: top && r ? r : undefined };
    }
    const list = this.repo.findList(address);
    if (list) {
      if (!list.enabled) return { denial: top ? { kind: 'unknown', reason: 'list disabled' } : undefined };
      const denial = this.mayPost(list, sender, domainName);
      if (denial) return { denial: top ? denial : undefined };
      for (const m of list.members) this.resolveInto(m.toLowerCase(), sender, accounts, external, visited, depth + 1);
      return { denial: undefined };
    }
    return false;
  }

  private mayPost(
    list: { mode: string; announcer: string; requireAuth: boolean; members: readonly string[]; address: string },
    sender: Sender,
    domainName: string,
  ): Exclude<Resolution, { kind: 'local' }> | undefined {
    // With "Require SMTP authentication", the sender address that counts is the authenticated one.
    if (list.requireAuth && !sender.authUser) {
      return { kind: 'denied', reason: `the list ${list.address} only accepts mail from authenticated senders`, authRequired: true };
    }
    const from = (list.requireAuth ? sender.authUser : sender.address) ?? '';
    switch (list.mode) {
      case 'public':
        return undefined;
      case 'membership':
        return list.members.some((m) => m.toLowerCase() === from)
          ? undefined
          : { kind: 'denied', reason: `only members may send to ${list.address}`, authRequired: false };
      case 'announcements':
        return list.announcer.toLowerCase() === from
          ? undefined
          : { kind: 'denied', reason: `only ${list.announcer} may send to ${list.address}`, authRequired: false };
      case 'domain':
        return from.includes('@') && this.repo.resolveDomain(domainOf(from))?.name === domainName
          ? undefined
          : { kind: 'denied', reason: `only senders of ${domainName} may send to ${list.address}`, authRequired: false };
      default:
        return { kind: 'denied', reason: 'unknown list mode', authRequired: false };
    }
  }
}
