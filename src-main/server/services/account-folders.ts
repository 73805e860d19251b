// An account's folders for the admin (hMailAdmin's account dialog, Advanced tab): the list with
// counts and sizes, add and remove, and "Empty account". Every change goes through the IMAP
// store (the methods CREATE and DELETE use, and its one-transaction emptyAccount), with the names
// checked by the rules IMAP uses, so the IMAP sessions watching hear of it (EXPUNGE, the mailbox
// gone) as if another client did it.
import type { MainApiImpl } from '../../shared/ipc/contract';
import type { FolderInfo } from '../../shared/model/entities';
import type { ConfigRepo } from '../../store/config-repo';
import type { MailboxStore } from '../../store/mailboxes';
import { StoreError } from '../../store/errors';
import { ApiError } from '../../shared/ipc/errors';
import { checkStoreName, InvalidName } from '../../imap/names';
import { guard } from '../services';

export interface FolderApiDeps {
  readonly repo: ConfigRepo;
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

/**
 * Runs a store call: its errors become ApiError (on `field`: 'name' for a call about a folder). The
 * store's PERM (INBOX cannot go) is a refused request, not a refused administrator: it becomes
 * VALIDATION (UNAUTHORIZED means a missing logon: HTTP 401 in the web admin).
 */
async function onStore<T>(fn: () => T | Promise<T>, field?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    return guard(() => {
      throw new StoreError(e.code === 'PERM' ? 'PARAMS' : e.code, e.message, e.field ?? field);
    });
  }
}

export function createFolderApi({ repo, mailboxes, changed }: FolderApiDeps): FolderApi {
  /** NOT_FOUND for an unknown account, checked first: the store's list() would make an INBOX for it. */
  const account = (id: number) => guard(() => repo.getAccount(id));
  /**
   * The store's name for `name` under the rules IMAP names follow (imap/names.ts), with today's
   * hierarchy delimiter: a folder made here must be one every client can name, select and delete.
   * Removal skips only the delimiter rule: a folder named with it (made before the delimiter was
   * changed) is one no client can delete, so the admin must be able to.
   */
  const storeName = (name: string, forRemoval = false): string => {
    try {
      return checkStoreName(name, forRemoval ? '/' : repo.getSettings()['imap.hierarchyDelimiter']);
    } catch (e) {
      if (e instanceof InvalidName) throw new ApiError('VALIDATION', e.message, 'name');
      throw e;
    }
  };
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
      await onStore(() => mailboxes.create(id, storeName(name)), 'name');
      changed('accounts');
      return list(id);
    },

    removeFolder: async ({ id, name }) => {
      account(id);
      // Its messages go with it: rows in the store's transaction, then their files.
      await onStore(() => mailboxes.delete(id, storeName(name, true)), 'name');
      changed('accounts');
      return list(id);
    },

    /**
     * hMailServer's "Empty account": every message of every folder goes, the folders stay. One
     * store transaction (all or nothing; a busy store is UNAVAILABLE with nothing removed), then
     * the IMAP sessions watching hear EXPUNGE and the files go.
     */
    empty: async ({ id }) => {
      account(id);
      const removed = await onStore(() => mailboxes.emptyAccount(id));
      if (removed) changed('accounts');
      return removed;
    },
  };
}
