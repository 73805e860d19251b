// DKIM keys per domain (schema 6): what the admin API shows and what outbound delivery signs with.
import type { Db } from './db';
import { StoreError } from './errors';
import type { DkimAlgorithm, DkimKey } from '../delivery/dkim';

interface Row {
  id: number;
  name: string;
  dkim_enabled: number;
  dkim_selector: string;
  dkim_algorithm: DkimAlgorithm;
  dkim_private_key: string;
  dkim_public_key: string;
}

export interface DomainDkim {
  readonly domainId: number;
  readonly domain: string;
  readonly enabled: boolean;
  /** The key, when one was generated (enabled or not). */
  readonly key: DkimKey | null;
}

const COLUMNS = 'id, name, dkim_enabled, dkim_selector, dkim_algorithm, dkim_private_key, dkim_public_key';

function toDkim(r: Row): DomainDkim {
  return {
    domainId: r.id,
    domain: r.name,
    enabled: r.dkim_enabled === 1,
    key: r.dkim_private_key
      ? { domain: r.name.toLowerCase(), selector: r.dkim_selector, algorithm: r.dkim_algorithm, privateKeyPem: r.dkim_private_key, publicKeyPem: r.dkim_public_key }
      : null,
  };
}

export class DkimRepo {
  constructor(private readonly db: Db) {}

  get(domainId: number): DomainDkim {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM domains WHERE id = ?`).get(domainId) as Row | undefined;
    if (!r) throw new StoreError('NOTFOUND', `domain ${domainId} not found`, 'domainId');
    return toDkim(r);
  }

  /** The signing key for mail from this domain (by name, any case), when DKIM is on for it. */
  signingKey(domain: string): DkimKey | null {
    const r = this.db.prepare(`SELECT ${COLUMNS} FROM domains WHERE name = ? AND dkim_enabled = 1`).get(domain) as Row | undefined;
    return r ? toDkim(r).key : null;
  }

  setKey(domainId: number, key: DkimKey): void {
    const r = this.db
      .prepare('UPDATE domains SET dkim_enabled = 1, dkim_selector = ?, dkim_algorithm = ?, dkim_private_key = ?, dkim_public_key = ? WHERE id = ?')
      .run(key.selector, key.algorithm, key.privateKeyPem, key.publicKeyPem, domainId);
    if (r.changes === 0) throw new StoreError('NOTFOUND', `domain ${domainId} not found`, 'domainId');
  }

  disable(domainId: number): void {
    const r = this.db.prepare('UPDATE domains SET dkim_enabled = 0 WHERE id = ?').run(domainId);
    if (r.changes === 0) throw new StoreError('NOTFOUND', `domain ${domainId} not found`, 'domainId');
  }
}
