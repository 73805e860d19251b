// Schema 1: configuration (the hMailServer settings tree), the mailbox index and the outbound queue.
// Names are case-insensitive where mail addresses and domains are (COLLATE NOCASE).
import type Database from 'better-sqlite3';

export default {
  name: '0001-initial',
  up(db: Database.Database): void {
    db.exec(`
      -- Only values that differ from the defaults in src-main/shared/model/settings.ts (JSON-encoded).
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE domains (
        id                   INTEGER PRIMARY KEY,
        name                 TEXT NOT NULL UNIQUE COLLATE NOCASE,
        enabled              INTEGER NOT NULL DEFAULT 1,
        catch_all            TEXT NOT NULL DEFAULT '',
        plus_addressing      INTEGER NOT NULL DEFAULT 0,
        plus_addressing_char TEXT NOT NULL DEFAULT '+',
        max_message_size_kb  INTEGER NOT NULL DEFAULT 0,
        max_size_mb          INTEGER NOT NULL DEFAULT 0,
        max_account_size_mb  INTEGER NOT NULL DEFAULT 0,
        max_accounts         INTEGER NOT NULL DEFAULT 0,
        max_aliases          INTEGER NOT NULL DEFAULT 0,
        max_lists            INTEGER NOT NULL DEFAULT 0,
        created_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      ) STRICT;

      CREATE TABLE domain_aliases (
        id        INTEGER PRIMARY KEY,
        domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
        name      TEXT NOT NULL UNIQUE COLLATE NOCASE
      ) STRICT;
      CREATE INDEX domain_aliases_domain ON domain_aliases(domain_id);

      CREATE TABLE accounts (
        id                  INTEGER PRIMARY KEY,
        domain_id           INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
        address             TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash       TEXT NOT NULL,
        enabled             INTEGER NOT NULL DEFAULT 1,
        quota_mb            INTEGER NOT NULL DEFAULT 0,
        size_bytes          INTEGER NOT NULL DEFAULT 0,
        admin_level         TEXT NOT NULL DEFAULT 'user' CHECK (admin_level IN ('user','domain','server')),
        first_name          TEXT NOT NULL DEFAULT '',
        last_name           TEXT NOT NULL DEFAULT '',
        forward_enabled     INTEGER NOT NULL DEFAULT 0,
        forward_to          TEXT NOT NULL DEFAULT '',
        forward_keep_copy   INTEGER NOT NULL DEFAULT 1,
        autoreply_enabled   INTEGER NOT NULL DEFAULT 0,
        autoreply_subject   TEXT NOT NULL DEFAULT '',
        autoreply_text      TEXT NOT NULL DEFAULT '',
        autoreply_expires   TEXT,
        last_logon_at       TEXT,
        created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      ) STRICT;
      CREATE INDEX accounts_domain ON accounts(domain_id);

      CREATE TABLE aliases (
        id        INTEGER PRIMARY KEY,
        domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
        address   TEXT NOT NULL UNIQUE COLLATE NOCASE,
        target    TEXT NOT NULL,
        enabled   INTEGER NOT NULL DEFAULT 1
      ) STRICT;
      CREATE INDEX aliases_domain ON aliases(domain_id);

      CREATE TABLE distribution_lists (
        id           INTEGER PRIMARY KEY,
        domain_id    INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
        address      TEXT NOT NULL UNIQUE COLLATE NOCASE,
        enabled      INTEGER NOT NULL DEFAULT 1,
        mode         TEXT NOT NULL DEFAULT 'public' CHECK (mode IN ('public','membership','announcements','domain')),
        announcer    TEXT NOT NULL DEFAULT '',
        require_auth INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX distribution_lists_domain ON distribution_lists(domain_id);

      CREATE TABLE distribution_list_members (
        id      INTEGER PRIMARY KEY,
        list_id INTEGER NOT NULL REFERENCES distribution_lists(id) ON DELETE CASCADE,
        address TEXT NOT NULL COLLATE NOCASE,
        UNIQUE (list_id, address)
      ) STRICT;

      CREATE TABLE certificates (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
        cert_pem   TEXT NOT NULL,
        key_pem    TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      ) STRICT;

      CREATE TABLE tcpip_ports (
        id             INTEGER PRIMARY KEY,
        protocol       TEXT NOT NULL CHECK (protocol IN ('smtp','pop3','imap')),
        address        TEXT NOT NULL DEFAULT '0.0.0.0',
        port           INTEGER NOT NULL CHECK (port BETWEEN 0 AND 65535),
        security       TEXT NOT NULL DEFAULT 'none' CHECK (security IN ('none','starttls-optional','starttls-required','tls')),
        certificate_id INTEGER REFERENCES certificates(id) ON DELETE SET NULL,
        enabled        INTEGER NOT NULL DEFAULT 1
      ) STRICT;

      CREATE TABLE ip_ranges (
        id            INTEGER PRIMARY KEY,
        name          TEXT NOT NULL,
        priority      INTEGER NOT NULL,
        lower_ip      TEXT NOT NULL,
        upper_ip      TEXT NOT NULL,
        expires_at    TEXT,
        allow_smtp    INTEGER NOT NULL, allow_pop3 INTEGER NOT NULL, allow_imap INTEGER NOT NULL,
        allow_l2l     INTEGER NOT NULL, allow_l2e  INTEGER NOT NULL, allow_e2l  INTEGER NOT NULL, allow_e2e INTEGER NOT NULL,
        auth_l2l      INTEGER NOT NULL, auth_l2e   INTEGER NOT NULL, auth_e2l   INTEGER NOT NULL, auth_e2e  INTEGER NOT NULL,
        antispam      INTEGER NOT NULL, antivirus  INTEGER NOT NULL,
        require_tls_for_auth INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE banned_ips (
        id         INTEGER PRIMARY KEY,
        ip         TEXT NOT NULL UNIQUE,
        reason     TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      ) STRICT;

      -- Settings › Protocols › SMTP › Routes (used by outbound delivery).
      CREATE TABLE routes (
        id               INTEGER PRIMARY KEY,
        domain           TEXT NOT NULL UNIQUE COLLATE NOCASE,
        description      TEXT NOT NULL DEFAULT '',
        target_host      TEXT NOT NULL,
        target_port      INTEGER NOT NULL DEFAULT 25,
        security         TEXT NOT NULL DEFAULT 'none' CHECK (security IN ('none','starttls-optional','starttls-required','tls')),
        requires_auth    INTEGER NOT NULL DEFAULT 0,
        username         TEXT NOT NULL DEFAULT '',
        password_enc     TEXT NOT NULL DEFAULT '',
        all_addresses    INTEGER NOT NULL DEFAULT 1,
        addresses        TEXT NOT NULL DEFAULT '[]',
        retries          INTEGER NOT NULL DEFAULT 4,
        retry_minutes    INTEGER NOT NULL DEFAULT 60
      ) STRICT;

      -- The mailbox index. Message bodies are .eml files under DATA/messages (column file, relative).
      CREATE TABLE mailboxes (
        id             INTEGER PRIMARY KEY,
        account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name           TEXT NOT NULL,
        special_use    TEXT,
        uidvalidity    INTEGER NOT NULL,
        uidnext        INTEGER NOT NULL DEFAULT 1,
        highestmodseq  INTEGER NOT NULL DEFAULT 1,
        subscribed     INTEGER NOT NULL DEFAULT 1,
        UNIQUE (account_id, name)
      ) STRICT;

      CREATE TABLE messages (
        id            INTEGER PRIMARY KEY,
        mailbox_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid           INTEGER NOT NULL,
        flags         TEXT NOT NULL DEFAULT '',
        modseq        INTEGER NOT NULL,
        internal_date TEXT NOT NULL,
        size          INTEGER NOT NULL,
        file          TEXT NOT NULL UNIQUE,
        envelope      TEXT,
        bodystructure TEXT,
        UNIQUE (mailbox_id, uid)
      ) STRICT;

      -- Outbound queue: one row per message (its .eml under DATA/queue), one per recipient.
      CREATE TABLE queue (
        id          INTEGER PRIMARY KEY,
        created_at  TEXT NOT NULL,
        mail_from   TEXT NOT NULL,
        file        TEXT NOT NULL UNIQUE,
        size        INTEGER NOT NULL,
        reason      TEXT NOT NULL CHECK (reason IN ('relay','forward','autoreply','bounce')),
        next_try_at TEXT NOT NULL,
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT,
        auth_user   TEXT
      ) STRICT;
      CREATE INDEX queue_next_try ON queue(next_try_at);

      CREATE TABLE queue_recipients (
        id         INTEGER PRIMARY KEY,
        queue_id   INTEGER NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
        address    TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','deferred','bounced')),
        last_error TEXT
      ) STRICT;
      CREATE INDEX queue_recipients_queue ON queue_recipients(queue_id);
    `);
  },
};
