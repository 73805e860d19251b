// Schema 3: the POP3 ports of a fresh install: 110 (STLS offered, as a certificate is generated at
// first start) enabled, 995 implicit TLS created but disabled. Databases that already have POP3
// entries (added by hand) are left alone.
import type Database from 'better-sqlite3';

export default {
  name: '0003-pop3-ports',
  up(db: Database.Database): void {
    const has = db.prepare("SELECT 1 FROM tcpip_ports WHERE protocol = 'pop3'").get();
    if (has) return;
    const port = db.prepare("INSERT INTO tcpip_ports (protocol, address, port, security, enabled) VALUES ('pop3', '0.0.0.0', ?, ?, ?)");
    port.run(110, 'starttls-optional', 1);
    port.run(995, 'tls', 0);
  },
};
