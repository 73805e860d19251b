// Numbered, forward-only migrations. MIGRATIONS[n] takes the schema from version n to n+1;
// each runs in one transaction and has its own test under test/unit/store/migrations/.
import type Database from 'better-sqlite3';
import m0001 from './0001-initial';
import m0002 from './0002-seed-defaults';
import m0003 from './0003-pop3-ports';
import m0004 from './0004-imap';
import m0005 from './0005-imap-cache';
import m0006 from './0006-dkim';
import m0007 from './0007-routes-autoreply';
import m0008 from './0008-certificate-chain';
import m0009 from './0009-lab-presets';

export interface Migration {
  readonly name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009];
