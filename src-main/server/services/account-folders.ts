// An account's folders for the admin (hMailAdmin's account dialog, Advanced tab): the list with
// counts and sizes, add and remove, and "Empty account". Every change goes through the IMAP
// store's own methods (the ones CREATE, DELETE, STORE and EXPUNGE use), so the same rules hold and
// the IMAP sessions watching hear of it (EXPUNGE, the mailbox gone) as if another client did it.
import type { MainApiImpl } from '../../shared/ipc/contract';
import type { FolderInfo } from '../../shared/model/entities';
import type { ConfigRepo } from '../../store/config-repo';
import type { MailStore } from '../../store/mail-store';
import type { MailboxStore } from '../../store/mailboxes';
import { StoreError } from '../../store/errors';
import { ApiError } from '../../shared/ipc/errors';
import { guard } from '../services';

export interface FolderApiDeps {
  readonly repo: ConfigRepo;
  readonly mail: MailStore;
  readonly mailboxes: MailboxStore;
  readonly changed: (area: string) => void;
}

type Accounts = MainApiImpl['accounts'];

export interface FolderApi {
  readonly folders: Accounts['folders'];
  readonly addFolder: Accounts['addFolder'];
  readonly removeFolder: Accounts['removeFolder'];
  readonly empty: Accounts['empty'];
}

/** The store's name: "/" between levels, INBOX in capitals at the first level (as IMAP folds it). */
function storeName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ApiError('VALIDATION', 'no control characters in a folder name', 'name');
  const parts = name.split('/');
  if (parts[0]!.toUpperCase() === 'INBOX') parts[0] = 'INBOX';
  return parts.join('/');
}

/**
 * Runs a store call about the folder `name`: its errors become ApiError on the field 'name'. The
 * store's PERM (INBOX cannot go) is a refused request, not a refused administrator: it becomes
 * VALIDATION (UNAUTHORIZED means a missing logon: HTTP 401 in the web admin).
 */
async function onName<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    return guard(() => {
      throw new StoreError(e.code === 'PERM' ? 'PARAMS' : e.code, e.message, e.field ?? 'name');
    });
  }
}

export function createFolderApi({ repo, mailboxes, changed }: FolderApiDeps): FolderApi {
  /** NOT_FOUND for an unknown account, checked first: the store's list() would make an INBOX for it. */
  const account = (id: number) => guard(() => repo.getAccount(id));
  const list = (id: number): FolderInfo[] => {
    account(id);
    return mailboxes.list(id).map((box) => {
      const s = mailboxes.status(box);
      return { name: box.name, specialUse: box.specialUse, messages: s.messages, unseen: s.unseen, sizeBytes: s.size, subscribed: box.subscribed };
    });
  };

  return {
    folders: ({ id }) => list(id),

    addFolder: async ({ id, name }) => {
      account(id);
      await onName(() => mailboxes.create(id, storeName(name)));
      changed('accounts');
      return list(id);
    },

    removeFolder: async ({ id, name }) => {
      account(id);
      // Its messages go with it: rows in the store's transaction, then their files.
      await onName(() => mailboxes.delete(id, storeName(name)));
      changed('accounts');
      return list(id);
    },

    /**
     * hMailServer's "Empty account": every message of every folder goes, the folders stay. Done
     * the way an IMAP client does it, folder by folder: \Deleted on all, then EXPUNGE of those
     * UIDs. Each step is a store transaction that publishes to the sessions watching; the expunge
     * drops the rows (and the account's size) first and the files after the commit, so a crash
     * leaves at worst messages marked \Deleted or files that the start-up reconcile indexes again:
     * never a row without its file. Both calls of a folder run in one turn of the event loop, so
     * no delivery lands between them.
     */
    empty: async ({ id }) => {
      account(id);
      const removing: Promise<number[]>[] = [];
      for (const box of mailboxes.list(id)) {
        const uids = [...mailboxes.uidList(box.id)];
        if (!uids.length) continue;
        mailboxes.storeFlags(box.id, uids, 'add', ['\\Deleted']);
        removing.push(mailboxes.expunge(id, box.id, uids));
      }
      const removed = (await Promise.all(removing)).reduce((n, uids) => n + uids.length, 0);
      if (removed) changed('accounts');
      return removed;
    },
  };
}
