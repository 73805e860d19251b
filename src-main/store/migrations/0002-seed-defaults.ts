// Schema 2: the seeded rows of a fresh install: hMailServer's two IP ranges (bitmasks 71627 and
// 96203 of SecurityRange.h) and the SMTP ports. Data is inlined here, not read from constants that
// may change later, so that this migration always does the same thing.
import type Database from 'better-sqlite3';

export default {
  name: '0002-seed-defaults',
  up(db: Database.Database): void {
    const range = db.prepare(`INSERT INTO ip_ranges (name, priority, lower_ip, upper_ip, expires_at,
      allow_smtp, allow_pop3, allow_imap, allow_l2l, allow_l2e, allow_e2l, allow_e2e,
      auth_l2l, auth_l2e, auth_e2l, auth_e2e, antispam, antivirus, require_tls_for_auth)
      VALUES (?, ?, ?, ?, NULL, 1, 1, 1, 1, 1, 1, 1, ?, ?, ?, ?, 1, 1, ?)`);
    // My computer: auth required only External→External; plaintext auth allowed (classroom telnet).
    range.run('My computer', 30, '127.0.0.1', '127.0.0.1', 0, 0, 0, 1, 0);
    // Internet: auth required for Local→Local, Local→External, External→External, not External→Local.
    // hMailServer leaves "Require SSL/TLS for authentication" off; ours is on (no plaintext
    // passwords over the network unless the admin allows it).
    range.run('Internet', 10, '0.0.0.0', '255.255.255.255', 1, 1, 0, 1, 1);

    const port = db.prepare('INSERT INTO tcpip_ports (protocol, address, port, security, enabled) VALUES (?, ?, ?, ?, ?)');
    port.run('smtp', '0.0.0.0', 25, 'starttls-optional', 1);
    port.run('smtp', '0.0.0.0', 587, 'starttls-optional', 1);
    port.run('smtp', '0.0.0.0', 465, 'tls', 0);
  },
};
