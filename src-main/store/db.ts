// Opens the SQLite database: WAL, foreign keys, a busy timeout (the CLI and a running server share
// the file), and the numbered migrations. better-sqlite3 is synchronous, so every query here must be
// indexed and short: message bodies live in .eml files, never in the database.
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  /** Stop after this schema version (migration tests). */
  readonly targetVersion?: number;
  readonly readonly?: boolean;
}

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const db = new Database(file, { readonly: opts.readonly ?? false });
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit is atomic and survives a process crash (kill -9); after a power
  // loss the last commits may be missing from the index, and the start-up reconcile re-indexes any
  // .eml file (fsynced before its row was written) that the index lacks. So nothing acknowledged
  // is lost, and each commit costs no extra fsync on the SMTP hot path.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (!opts.readonly) migrate(db, opts.targetVersion);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, target = MIGRATIONS.length): void {
  let version = schemaVersion(db);
  if (version > MIGRATIONS.length) {
    throw new Error(`database schema ${version} is newer than this Buzón (${MIGRATIONS.length}); upgrade Buzón`);
  }
  while (version < target) {
    const m = MIGRATIONS[version];
    if (!m) break;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
    version += 1;
  }
}
