// The renderer's only way to the engine: `window.api`, set by the Electron preload (IPC). The web
// admin will provide the same shape over HTTP. Results arrive as ApiResult and are unwrapped here.
import type { ApiErrorData, ApiResult } from '../../src-main/shared/ipc/errors';
import type { MainEvents } from '../../src-main/shared/ipc/contract';

type Bridge = Record<string, Record<string, (input?: unknown) => Promise<ApiResult<unknown>>>> & {
  on<E extends keyof MainEvents>(event: E, fn: (payload: MainEvents[E]) => void): () => void;
};

export class ApiCallError extends Error {
  constructor(readonly data: ApiErrorData) {
    super(data.message);
  }
}

function bridge(): Bridge | undefined {
  return (window as unknown as { api?: Bridge }).api;
}

export async function call<T>(ns: string, method: string, input?: unknown): Promise<T> {
  const b = bridge();
  if (!b) throw new ApiCallError({ code: 'UNAVAILABLE', message: 'not connected to a Buzón server' });
  const r = await b[ns]![method]!(input);
  if (!r.ok) throw new ApiCallError(r.error);
  return r.value as T;
}

export function onEvent<E extends keyof MainEvents>(event: E, fn: (payload: MainEvents[E]) => void): () => void {
  return bridge()?.on(event, fn) ?? (() => undefined);
}
