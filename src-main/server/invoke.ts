// One admin API call as every transport makes it (Electron IPC, the web admin): validate the input
// with the method's schema, run it, and answer with an ApiResult. Errors travel as data; anything
// that is not an ApiError is logged and reported as INTERNAL, without its details.
import { ApiError, type ApiResult } from '../shared/ipc/errors';
import { validateInput } from '../shared/ipc/validate';
import type { MainApiImpl } from '../shared/ipc/contract';
import type { Logger } from '../logging/logger';

export async function invokeApi(api: MainApiImpl, logger: Logger, ns: string, method: string, input: unknown): Promise<ApiResult<unknown>> {
  try {
    const valid = validateInput(ns, method, input);
    const fn = (api as unknown as Record<string, Record<string, (i: unknown) => unknown>>)[ns]![method]!;
    return { ok: true, value: await fn(valid) };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, error: e.toData() };
    logger.error({ svc: 'admin', event: 'admin.error', channel: `${ns}.${method}`, err: String(e) }, 'admin API call failed');
    return { ok: false, error: { code: 'INTERNAL', message: 'internal error (see the log)' } };
  }
}
