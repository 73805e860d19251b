// Logon for every protocol: resolves the login name (full address, or a bare name plus the
// default domain), verifies the scrypt hash, feeds auto-ban, and says nothing about which part was
// wrong (no account enumeration).
import type { ConfigRepo } from '../../store/config-repo';
import type { Autoban } from '../autoban/autoban';
import type { Clock } from '../../server/clock';
import { dummyHash, verifyPassword } from './password-hash';

export type AuthResult =
  | { readonly ok: true; readonly accountId: number; readonly address: string }
  | { readonly ok: false; readonly banned: boolean; readonly reason: 'bad-credentials' | 'disabled' };

export class AuthService {
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
    const ok = await verifyPassword(password, secret?.passwordHash ?? (await dummyHash()));
    if (ok && secret && secret.enabled && secret.domainEnabled) {
      this.autoban.recordSuccess(ip);
      this.repo.touchLogon(secret.id, this.clock.now().toISOString());
      return { ok: true, accountId: secret.id, address: secret.address };
    }
    const banned = this.autoban.recordFailure(ip, address);
    return { ok: false, banned, reason: ok && secret ? 'disabled' : 'bad-credentials' };
  }
}
