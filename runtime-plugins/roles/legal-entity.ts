// Where a role node reads the legal entity that routes a request (docs/roles.md, "Routing"):
//   1. the payload's own `legalEntity.code` (Account, Opportunity, Project, Invoice; `legalEntity` as a code or
//      `{code}` in the layer's request shapes), else the legal entity of an object it embeds
//      (`opportunity`, `project`, `account` given as whole objects);
//   2. else `msg.sync.legalEntity`, which the first role node that routed by a payload's entity sets, so the
//      later steps of the same transaction (milestones, time, which carry no entity) go to the same instance.
import type { ParsedInput } from './payloads.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function codeOf(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (isRecord(v) && typeof v['code'] === 'string' && v['code'].trim() !== '') return v['code'].trim();
  return undefined;
}

/** The entity of an object: its own `legalEntity`, else that of an embedded opportunity, project or account. */
function entityOfObject(v: unknown): string | undefined {
  if (!isRecord(v)) return undefined;
  const own = codeOf(v['legalEntity']);
  if (own !== undefined) return own;
  for (const field of ['opportunity', 'project', 'account']) {
    const inner = v[field];
    if (isRecord(inner)) {
      const code = codeOf(inner['legalEntity']);
      if (code !== undefined) return code;
    }
  }
  return undefined;
}

export interface LegalEntityFound {
  code: string;
  /** `payload`: read from the request; `sync`: carried by msg.sync.legalEntity from an earlier step. */
  from: 'payload' | 'sync';
}

export function legalEntityOf(input: ParsedInput, sync: Record<string, unknown> | undefined): LegalEntityFound | undefined {
  let code: string | undefined;
  switch (input.input) {
    case 'canonical':
      code = entityOfObject(input.value);
      break;
    case 'canonical-list':
      code = entityOfObject(input.project);
      for (const v of input.values) {
        if (code !== undefined) break;
        code = entityOfObject(v);
      }
      break;
    case 'billing-status':
      code = entityOfObject(input.record.value);
      break;
    case 'compensation':
      code = entityOfObject(input.value);
      break;
    default:
      code = entityOfObject(input.value);
  }
  if (code !== undefined) return { code, from: 'payload' };
  const carried = codeOf(sync?.['legalEntity']);
  return carried === undefined ? undefined : { code: carried, from: 'sync' };
}
