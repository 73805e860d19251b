// Schema 8: certificates keep their intermediate chain (imported PEM or PFX, or the local CA that
// issued them), sent after the leaf in every handshake. The private keys stay in key_pem, now
// sealed with the data folder's secrets key (done at start-up, see ConfigRepo.sealClearSecrets).
import type Database from 'better-sqlite3';

export default {
  name: '0008-certificate-chain',
  up(db: Database.Database): void {
    db.exec(`ALTER TABLE certificates ADD COLUMN chain_pem TEXT NOT NULL DEFAULT '';`);
  },
};
