// Node-RED messages as stored bytes. Everything a flow can carry as data survives (Buffers included); what
// cannot be stored (functions, circular references, BigInt, sockets) is refused with the path that holds it,
// before the message is accepted.
import { SyncError } from '../sync-error.js';

const BUFFER_TAG = '__syncwright_buffer';

/** Properties of http-in messages that are live objects, never data; dropped when a message is stored. */
export const LIVE_PROPERTIES = ['req', 'res'] as const;

function describePath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`), 'msg');
}

/** Throws a `data` SyncError naming the first value that is not storable; returns whether Buffers were seen. */
function check(value: unknown, path: Array<string | number>, seen: Set<object>, found: Found): void {
  switch (typeof value) {
    case 'function':
    case 'symbol':
      throw new SyncError(`message is not storable: ${describePath(path)} is a ${typeof value}`, { class: 'data', code: 'UNSERIALISABLE', retryable: false });
    case 'bigint':
      throw new SyncError(`message is not storable: ${describePath(path)} is a BigInt (use a string)`, { class: 'data', code: 'UNSERIALISABLE', retryable: false });
    case 'number':
      if (!Number.isFinite(value)) throw new SyncError(`message is not storable: ${describePath(path)} is ${String(value)}`, { class: 'data', code: 'UNSERIALISABLE', retryable: false });
      return;
    case 'object': {
      if (value === null || Object.prototype.toString.call(value) === '[object Date]') return;
      if (Buffer.isBuffer(value)) {
        found.buffer = true;
        return;
      }
      if (seen.has(value)) throw new SyncError(`message is not storable: ${describePath(path)} is a circular reference`, { class: 'data', code: 'UNSERIALISABLE', retryable: false });
      seen.add(value);
      if (Array.isArray(value)) value.forEach((v, i) => check(v, [...path, i], seen, found));
      else {
        // Plain objects of any realm: Node-RED function nodes build theirs in a vm context, whose
        // Object.prototype is not ours.
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== null && Object.getPrototypeOf(proto) !== null) {
          const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
          throw new SyncError(`message is not storable: ${describePath(path)} is a ${name}, not plain data`, { class: 'data', code: 'UNSERIALISABLE', retryable: false });
        }
        for (const [k, v] of Object.entries(value)) if (v !== undefined) check(v, [...path, k], seen, found);
      }
      seen.delete(value);
      return;
    }
    default:
      return;
  }
}

interface Found {
  buffer: boolean;
  /** Something the stored text gives back differently: a Date (as a string), an undefined (dropped, or null in an array). */
  lossy?: boolean;
}

/**
 * The fast check of the hot path: no paths built, no copies; true when every value is storable. `found.buffer`
 * tells whether Buffers were seen, `found.lossy` whether decoding would not give the same data back. A false
 * answer is explained by `check`, which names the path.
 */
function storable(value: unknown, ancestors: object[], found: Found): boolean {
  switch (typeof value) {
    case 'function':
    case 'symbol':
    case 'bigint':
      return false;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        if (ancestors.includes(value)) return false;
        ancestors.push(value);
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) found.lossy = true;
          else if (!storable(value[i], ancestors, found)) return false;
        }
        ancestors.pop();
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== null && Object.getPrototypeOf(proto) !== null) {
        if (Buffer.isBuffer(value)) {
          found.buffer = true;
          return true;
        }
        found.lossy = true;
        return Object.prototype.toString.call(value) === '[object Date]';
      }
      if (ancestors.includes(value)) return false;
      ancestors.push(value);
      const o = value as Record<string, unknown>;
      for (const k in o) {
        if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
        const v = o[k];
        if (v === undefined) found.lossy = true;
        else if (!storable(v, ancestors, found)) return false;
      }
      ancestors.pop();
      return true;
    }
    default:
      return true;
  }
}

/** Serialises a message for the store. Throws a `data` SyncError naming the offending property. */
export function encodeMessage(msg: Record<string, unknown>, maxBytes: number): string {
  return encodeMessageExactly(msg, maxBytes).text;
}

/**
 * Serialises a message for the store; `exact` tells whether decodeMessage(text) gives back the same data as
 * `msg` (no Buffers, Dates, undefined values or live http objects), so `msg` itself may stand for the text.
 */
export function encodeMessageExactly(msg: Record<string, unknown>, maxBytes: number): { text: string; exact: boolean } {
  let copy = msg;
  let dropped = false;
  if (LIVE_PROPERTIES.some((k) => k in msg)) {
    dropped = true;
    copy = {};
    for (const [k, v] of Object.entries(msg)) {
      if ((LIVE_PROPERTIES as readonly string[]).includes(k)) continue;
      copy[k] = v;
    }
  }
  const found: Found = { buffer: false };
  if (!storable(copy, [], found)) {
    // Slow path, only to name what cannot be stored.
    check(copy, [], new Set(), found);
    throw new SyncError('message is not storable', { class: 'data', code: 'UNSERIALISABLE', retryable: false });
  }
  // The replacer is only needed (and only paid for) when the message holds Buffers.
  const text = found.buffer
    ? JSON.stringify(copy, function (this: Record<string, unknown>, key, value: unknown) {
        const original = this[key];
        return Buffer.isBuffer(original) ? { [BUFFER_TAG]: original.toString('base64') } : value;
      })
    : JSON.stringify(copy);
  const bytes = text.length > maxBytes / 3 ? Buffer.byteLength(text) : text.length;
  if (bytes > maxBytes) {
    throw new SyncError(`message is too large to store: ${bytes} bytes (limit ${maxBytes})`, { class: 'data', code: 'MESSAGE_TOO_LARGE', retryable: false });
  }
  // A plain object that happens to have the Buffer tag's key would come back as a Buffer.
  return { text, exact: !dropped && !found.buffer && found.lossy !== true && !text.includes(BUFFER_TAG) };
}

export function decodeMessage(text: string): Record<string, unknown> {
  if (!text.includes(BUFFER_TAG)) return JSON.parse(text) as Record<string, unknown>;
  return JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && BUFFER_TAG in value) return Buffer.from((value as Record<string, string>)[BUFFER_TAG], 'base64');
    return value;
  }) as Record<string, unknown>;
}
