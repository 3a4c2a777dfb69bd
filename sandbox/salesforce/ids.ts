// Salesforce record Ids: 15 case-sensitive characters (3-character key prefix, 12 more) plus a 3-character
// checksum that encodes which of the first 15 are upper case, so the 18-character form survives case folding.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_CHARS = /^[0-9A-Za-z]+$/;

function checksum(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += CHECKSUM[bits];
  }
  return out;
}

function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = BASE62[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, '0');
}

/** The `n`th Id of a key prefix: prefix, a fixed pod part, then a base-62 counter; always 18 characters. */
export function makeId(keyPrefix: string, n: number): string {
  const id15 = `${keyPrefix}Sw0${base62(n, 9)}`;
  return id15 + checksum(id15);
}

/** The 18-character form of a 15- or 18-character Id, or undefined when the text is not an Id at all. */
export function normalizeId(text: string): string | undefined {
  if ((text.length !== 15 && text.length !== 18) || !ID_CHARS.test(text)) return undefined;
  const id15 = text.slice(0, 15);
  return id15 + checksum(id15);
}

/** A random 15-character tail, for things that are not records (tokens, query cursors). */
export function randomIdTail(random: () => number): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += BASE62[Math.floor(random() * 62)];
  return s;
}

export function withChecksum(id15: string): string {
  return id15 + checksum(id15);
}
