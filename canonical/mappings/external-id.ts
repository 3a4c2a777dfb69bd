// Business keys as NetSuite external ids. NetSuite allows only letters, digits, `_` and `-`, and does not
// document whether it compares external ids case-sensitively; business keys embed case-sensitive Salesforce
// ids. So the encoding writes lower-case letters only (upper-case runs are marked), which makes it
// collision-free under either comparison, and it is a prefix code, so it decodes uniquely.
//
//   a-z 0-9 -     themselves (inside an upper-case run, a-z stand for A-Z)
//   _u / _l       start / end an upper-case run
//   __  _c  _d  _a  _s    `_`  `:`  `.`  `@`  `/`
//   _xhhhh        any other UTF-16 code unit, four lower-case hex digits
//
// `acct:ACME` → `acct_c_uacme`; `te:jane.doe:2026-04-06:ACME-ERP` → `te_cjane_ddoe_c2026-04-06_c_uacme-erp`.

const ESCAPES: Readonly<Record<string, string>> = { _: '_', ':': 'c', '.': 'd', '@': 'a', '/': 's' };
const UNESCAPES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(ESCAPES).map(([c, e]) => [e, c]));

export function toNetSuiteExternalId(businessKey: string): string {
  let out = '';
  let upper = false;
  for (let i = 0; i < businessKey.length; i++) {
    const ch = businessKey[i];
    if (ch >= 'A' && ch <= 'Z') {
      if (!upper) out += '_u';
      upper = true;
      out += ch.toLowerCase();
    } else if (ch >= 'a' && ch <= 'z') {
      if (upper) out += '_l';
      upper = false;
      out += ch;
    } else if ((ch >= '0' && ch <= '9') || ch === '-') {
      out += ch;
    } else if (ESCAPES[ch] !== undefined) {
      out += `_${ESCAPES[ch]}`;
    } else {
      out += `_x${businessKey.charCodeAt(i).toString(16).padStart(4, '0')}`;
    }
  }
  return out;
}

/**
 * The business key an external id encodes, or undefined when the id is not one this encoding writes
 * (an external id someone else set in NetSuite). Only the exact encoder output decodes, so the two
 * functions are inverse bijections between business keys and their encodings.
 */
export function fromNetSuiteExternalId(externalId: string): string | undefined {
  let out = '';
  let upper = false;
  let i = 0;
  while (i < externalId.length) {
    const ch = externalId[i];
    if (ch === '_') {
      const sel = externalId[i + 1];
      if (sel === 'u') upper = true;
      else if (sel === 'l') upper = false;
      else if (sel === 'x') {
        const hex = externalId.slice(i + 2, i + 6);
        if (!/^[0-9a-f]{4}$/.test(hex)) return undefined;
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      } else if (sel !== undefined && UNESCAPES[sel] !== undefined) out += UNESCAPES[sel];
      else return undefined;
      i += 2;
    } else if (ch >= 'a' && ch <= 'z') {
      out += upper ? ch.toUpperCase() : ch;
      i += 1;
    } else if ((ch >= '0' && ch <= '9') || ch === '-') {
      out += ch;
      i += 1;
    } else {
      return undefined;
    }
  }
  // Reject non-canonical spellings (`_u_u`, `_xhhhh` for a plain letter, …): one key, one id.
  return toNetSuiteExternalId(out) === externalId ? out : undefined;
}

/** What NetSuite accepts in `externalId` (and in `eid:` URLs). */
export function isNetSuiteExternalIdSafe(value: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(value);
}
