// Schema 9: classroom presets (Utilities › Lab presets). One row per applied preset, holding the
// values it changed as they were before (settings rows as stored, port and IP range fields), so
// that reverting puts them back; the row goes when the preset is reverted.
import type Database from 'better-sqlite3';

export default {
  name: '0009-lab-presets',
  up(db: Database.Database): void {
    db.exec(`
      CREATE TABLE lab_presets (
        id         TEXT PRIMARY KEY,
        applied_at TEXT NOT NULL,
        snapshot   TEXT NOT NULL CHECK (json_valid(snapshot))
      );
    `);
  },
};
