// Sender Rewriting Scheme, for mail that an account or alias forwards to an outside address.
//
// Forwarded mail leaves from this server with its original envelope sender; the receiving server
// checks that sender's SPF record, which does not list this server, and may refuse the message.
// So the envelope sender of a forwarded copy is rewritten into an address of the forwarding
// domain that still carries the original one (the scheme of libsrs2 and postsrsd):
//
//   alumno@gmail.com        → SRS0=HHHH=TT=gmail.com=alumno@aula.test
//   SRS0=…@other.example    → SRS1=HHHH=other.example==…@aula.test   (already rewritten once)
//
// TT is the day (base32, modulo 1024) and HHHH a keyed hash of the rest, so that only this
// server's addresses are accepted, for 21 days. A bounce to such an address is taken in and sent
// on to the original sender (Directory.resolve reverses it). The key is derived from the data
// folder's secrets key, so it survives restarts and never sits in the database.
import { createHmac, timingSafeEqual } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const MAX_AGE_DAYS = 21;
const HASH_LENGTH = 4;
const DAY_MS = 86_400_000;
/** RFC 5321 §4.5.3.1.1: a local part has at most 64 octets. */
const MAX_LOCAL = 64;

export interface Srs {
  /** The rewritten sender for a copy forwarded by `forwardDomain`; '' stays ''. */
  forward(sender: string, forwardDomain: string): string;
  /**
   * The original sender of an SRS address of ours; undefined when `address` is not SRS, or
   * its hash is wrong, or it is older than 21 days.
   */
  reverse(address: string): string | undefined;
}

export const isSrsAddress = (address: string): boolean => /^srs[01][=+-]/i.test(address);

function split(address: string): [string, string] {
  const at = address.lastIndexOf('@');
  return [address.slice(0, at), address.slice(at + 1)];
}

/** `key` is asked for on first use (the key file is created then, not at start-up). */
export function createSrs(key: () => Buffer, now: () => Date): Srs {
  let k: Buffer | undefined;
  const hash = (...parts: string[]): string =>
    createHmac('sha1', (k ??= key())).update(parts.join('\0').toLowerCase()).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').slice(0, HASH_LENGTH);
  const today = (): number => Math.floor(now().getTime() / DAY_MS) % 1024;
  const stamp = (day: number): string => BASE32[(day >> 5) & 31]! + BASE32[day & 31]!;
  const sameHash = (a: string, b: string): boolean => {
    const x = Buffer.from(a.toLowerCase());
    const y = Buffer.from(b.toLowerCase());
    return x.length === y.length && timingSafeEqual(x, y);
  };
  const fresh = (tt: string): boolean => {
    if (tt.length !== 2) return false;
    const hi = BASE32.indexOf(tt[0]!.toUpperCase());
    const lo = BASE32.indexOf(tt[1]!.toUpperCase());
    if (hi < 0 || lo < 0) return false;
    const age = (today() - ((hi << 5) | lo) + 1024) % 1024;
    return age <= MAX_AGE_DAYS;
  };

  return {
    forward(sender, forwardDomain) {
      if (sender === '' || !sender.includes('@')) return sender;
      const [local, domain] = split(sender);
      // Already our own domain's address: nothing to rewrite (its SPF lists us).
      if (domain.toLowerCase() === forwardDomain.toLowerCase()) return sender;
      let out: string;
      const m = /^srs([01])[=+-](.*)$/i.exec(local);
      if (m && m[1] === '0') {
        // SRS0=HHH=TT=orig=local at another forwarder: SRS1, keeping that forwarder's host.
        const rest = `=${m[2]!}`;
        out = `SRS1=${hash(domain, rest)}=${domain}=${rest}`;
      } else if (m && m[1] === '1') {
        // SRS1=HHH=host==rest: keep the first forwarder, re-sign for us.
        const parts = /^[^=]*=([^=]+)==(.*)$/.exec(m[2]!);
        if (!parts) return sender;
        out = `SRS1=${hash(parts[1]!, `=${parts[2]!}`)}=${parts[1]!}==${parts[2]!}`;
      } else {
        const tt = stamp(today());
        out = `SRS0=${hash(tt, domain, local)}=${tt}=${domain}=${local}`;
      }
      // Too long for a local part: send with the original sender (SPF may fail; nothing is lost).
      return Buffer.byteLength(out) > MAX_LOCAL ? sender : `${out}@${forwardDomain}`;
    },
    reverse(address) {
      if (!address.includes('@')) return undefined;
      const [local] = split(address);
      let m = /^srs0[=+-]([^=]+)=([^=]{2})=([^=]+)=(.+)$/i.exec(local);
      if (m) {
        const [, hh, tt, domain, orig] = m as unknown as [string, string, string, string, string];
        if (!fresh(tt) || !sameHash(hh, hash(tt, domain, orig))) return undefined;
        return `${orig}@${domain}`;
      }
      m = /^srs1[=+-]([^=]+)=([^=]+)==(.+)$/i.exec(local);
      if (m) {
        const [, hh, host, rest] = m as unknown as [string, string, string, string];
        if (!sameHash(hh, hash(host, `=${rest}`))) return undefined;
        return `SRS0=${rest}@${host}`;
      }
      return undefined;
    },
  };
}
