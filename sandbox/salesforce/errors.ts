// Salesforce's error shapes. REST answers carry an array of {message, errorCode, fields?}; sObject Collections and
// composite save results carry {statusCode, message, fields} per record.
import type { SandboxResponse } from '../core/http.js';

export interface SfError {
  errorCode: string;
  message: string;
  /** Present on record (DML) errors; absent on request errors such as NOT_FOUND. */
  fields?: string[];
}

/** A failed operation: the HTTP status and the errors the vendor would list. */
export class SfFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: SfError[],
  ) {
    super(errors.map((e) => `${e.errorCode}: ${e.message}`).join('; '));
  }
}

export function fail(status: number, errorCode: string, message: string, fields?: string[]): SfFailure {
  return new SfFailure(status, [fields === undefined ? { message, errorCode } : { message, errorCode, fields }]);
}

export function errorResponse(status: number, errors: SfError[], headers?: Record<string, string>): SandboxResponse {
  const out: SandboxResponse = { status, body: errors.map((e) => (e.fields === undefined ? { message: e.message, errorCode: e.errorCode } : { message: e.message, errorCode: e.errorCode, fields: e.fields })) };
  if (headers) out.headers = headers;
  return out;
}

export function failureResponse(f: SfFailure): SandboxResponse {
  return errorResponse(f.status, f.errors);
}

/** The per-record error shape of save results (collections, composite/sobjects). */
export function saveErrors(errors: SfError[]): Array<{ statusCode: string; message: string; fields: string[] }> {
  return errors.map((e) => ({ statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] }));
}

export const NOT_FOUND = (): SfFailure => fail(404, 'NOT_FOUND', 'The requested resource does not exist');
export const SESSION_INVALID: SfError = { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' };
export const DAILY_LIMIT: SfError = { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' };
export const CONCURRENT_LIMIT: SfError = { message: 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' };
