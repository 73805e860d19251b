// Errors cross every transport as data: a closed code, a human message, and the field it is about.
export type ApiErrorCode =
  | 'VALIDATION' // an input field is wrong; `field` names it
  | 'NOT_FOUND'
  | 'CONFLICT' // already exists / still in use
  | 'LIMIT' // a domain limit (max accounts …) would be exceeded
  | 'UNAUTHORIZED'
  | 'UNAVAILABLE' // the server is not running, a port is busy …
  | 'INTERNAL';

export interface ApiErrorData {
  readonly code: ApiErrorCode;
  readonly message: string;
  /** Dotted path of the offending input field (`name`, `members.2`, `value`). */
  readonly field?: string;
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly field: string | undefined;
  constructor(code: ApiErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
  }
  toData(): ApiErrorData {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

export type ApiResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ApiErrorData };
