// IP ranges (hMailServer "IP Ranges"): the range with the highest priority that contains the
// client address decides what the client may do. Addresses are compared as byte arrays; IPv4-mapped
// IPv6 (::ffff:a.b.c.d) counts as IPv4, and ::1 as 127.0.0.1 so "My computer" covers both loopbacks.
import ipaddr from 'ipaddr.js';
import type { IpRange } from '../../shared/model/entities';

export function normalizeIp(ip: string): string {
  try {
    let a = ipaddr.parse(ip.replace(/%.*$/, ''));
    if (a.kind() === 'ipv6') {
      const v6 = a as ipaddr.IPv6;
      if (v6.isIPv4MappedAddress()) a = v6.toIPv4Address();
      else if (v6.range() === 'loopback') return '127.0.0.1';
    }
    return a.toString();
  } catch {
    return ip;
  }
}

function bytes(ip: string): number[] | undefined {
  try {
    return ipaddr.parse(normalizeIp(ip)).toByteArray();
  } catch {
    return undefined;
  }
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function isValidIp(ip: string): boolean {
  return ipaddr.isValid(ip);
}

export function rangeContains(range: Pick<IpRange, 'lower' | 'upper'>, ip: string): boolean {
  const x = bytes(ip);
  const lo = bytes(range.lower);
  const hi = bytes(range.upper);
  if (!x || !lo || !hi || x.length !== lo.length || x.length !== hi.length) return false;
  return cmp(lo, x) <= 0 && cmp(x, hi) <= 0;
}

/** The deciding range for `ip`, or undefined (then the connection is refused, as in hMailServer). */
export function matchRange(ranges: readonly IpRange[], ip: string, now = new Date()): IpRange | undefined {
  let best: IpRange | undefined;
  for (const r of ranges) {
    if (r.expiresAt && Date.parse(r.expiresAt) <= now.getTime()) continue;
    if (!rangeContains(r, ip)) continue;
    if (!best || r.priority > best.priority || (r.priority === best.priority && r.id < best.id)) best = r;
  }
  return best;
}

/**
 * A list of addresses and CIDR blocks, comma- or space-separated ("127.0.0.1, 192.168.1.0/24,
 * ::1"), as the auto-ban exemptions are written, as ranges for rangeContains (which also maps ::1
 * and IPv4-mapped addresses the way connections are seen). Throws with the entry that is not one.
 */
export function parseIpList(text: string): Pick<IpRange, 'lower' | 'upper'>[] {
  const out: Pick<IpRange, 'lower' | 'upper'>[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    let lower: string;
    let upper: string;
    try {
      if (entry.includes('/')) {
        const kind = ipaddr.parseCIDR(entry)[0].kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
        lower = kind.networkAddressFromCIDR(entry).toString();
        upper = kind.broadcastAddressFromCIDR(entry).toString();
      } else lower = upper = ipaddr.parse(entry).toString();
    } catch {
      throw new Error(`"${entry}" is not an IP address or a CIDR block (192.168.1.0/24)`);
    }
    out.push({ lower: normalizeIp(lower), upper: normalizeIp(upper) });
  }
  return out;
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];
const cidrs = (list: string[]): Cidr[] => list.map((c) => ipaddr.parseCIDR(c));
const LOOPBACK = cidrs(['127.0.0.0/8', '::1/128']);
/**
 * Networks that the internet cannot reach a server from: those ipaddr.js classes as private,
 * loopback, linkLocal, uniqueLocal and carrierGradeNat. Every other address counts as public,
 * the documentation prefixes included (a range over them reaches past any LAN).
 */
const NOT_PUBLIC = [...LOOPBACK, ...cidrs(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', 'fe80::/10', 'fc00::/7'])];

/**
 * Who an IP range can hold: only this computer, only computers of private networks (a classroom),
 * or possibly anyone on the internet. Both ends in one network means the whole range is in it.
 */
export function rangeScope(range: Pick<IpRange, 'lower' | 'upper'>): 'loopback' | 'private' | 'public' {
  let lo: ipaddr.IPv4 | ipaddr.IPv6;
  let hi: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    lo = ipaddr.process(range.lower);
    hi = ipaddr.process(range.upper);
  } catch {
    return 'public';
  }
  const inOne = (nets: Cidr[]) => nets.some((n) => n[0].kind() === lo.kind() && n[0].kind() === hi.kind() && lo.match(n as never) && hi.match(n as never));
  return inOne(LOOPBACK) ? 'loopback' : inOne(NOT_PUBLIC) ? 'private' : 'public';
}
