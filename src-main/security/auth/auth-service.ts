// Logon for every protocol: resolves the login name (full address, or a bare name plus the
// default domain), verifies the scrypt hash, feeds auto-ban, and says nothing about which part was
// wrong (no account enumeration).
//
// Verified-logon cache (like Dovecot's auth_cache): mail clients poll every few minutes and each
// poll logs on again; scrypt costs ~50 ms of the thread pool each time. After a successful check,
// an HMAC (random per-process key) of the stored hash and the password is kept for the account for
// CACHE_MS. A later logon with the same password and the same stored hash is checked against it;
// anything else (wrong password, changed password, expired entry) goes through scrypt again.
// Failures are never cached, so guessing stays as slow as scrypt.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConfigRepo } from '../../store/config-repo';
import type { Autoban } from '../autoban/autoban';
import type { Clock } from '../../server/clock';
import { dummyHash, verifyPassword } from './password-hash';

export type AuthResult =
  | { readonly ok: true; readonly accountId: number; readonly address: string }
  | { readonly ok: false; readonly banned: boolean; readonly reason: 'bad-credentials' | 'disabled' };

const CACHE_MS = 10 * 60_000;
const CACHE_MAX = 10_000;

export class AuthService {
  private readonly cacheKey = randomBytes(32);
  private readonly verified = new Map<number, { mac: Buffer; until: number }>();

  constructor(
    private readonly repo: ConfigRepo,
    private readonly autoban: Autoban,
    private readonly clock: Clock,
    private readonly defaultDomain: () => string,
  ) {}

  loginName(username: string): string {
    const u = username.trim().toLowerCase();
    if (u.includes('@')) return u;
    const d = this.defaultDomain();
    return d ? `${u}@${d}` : u;
  }

  async authenticate(username: string, password: string, ip: string): Promise<AuthResult> {
    const address = this.loginName(username);
    const secret = this.repo.accountSecret(address);
    const now = this.clock.now().getTime();
    const mac = secret ? createHmac('sha256', this.cacheKey).update(secret.passwordHash).update('\0').update(password, 'utf8').digest() : undefined;
    const cached = secret ? this.verified.get(secret.id) : undefined;
    const ok =
      (cached !== undefined && mac !== undefined && cached.until > now && timingSafeEqual(cached.mac, mac)) ||
      (await verifyPassword(password, secret?.passwordHash ?? (await dummyHash())));
    if (ok && secret && mac) {
      if (this.verified.size >= CACHE_MAX) this.verified.clear();
      this.verified.set(secret.id, { mac, until: now + CACHE_MS });
    }
    if (ok && secret && secret.enabled && secret.domainEnabled) {
      this.autoban.recordSuccess(ip);
      this.repo.touchLogon(secret.id, this.clock.now().toISOString());
      return { ok: true, accountId: secret.id, address: secret.address };
    }
    const banned = this.autoban.recordFailure(ip, address);
    return { ok: false, banned, reason: ok && secret ? 'disabled' : 'bad-credentials' };
  }
}
