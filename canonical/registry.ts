// Every canonical schema by its id, `syncwright/<object>@<major>`.
import type { z } from 'zod';
import * as v1 from './v1/index.js';

export const schemas = {
  'syncwright/account@1': v1.Account,
  'syncwright/contact@1': v1.Contact,
  'syncwright/opportunity@1': v1.Opportunity,
  'syncwright/quote@1': v1.Quote,
  'syncwright/contract@1': v1.Contract,
  'syncwright/project@1': v1.Project,
  'syncwright/work-item@1': v1.WorkItem,
  'syncwright/resource@1': v1.Resource,
  'syncwright/resource-request@1': v1.ResourceRequest,
  'syncwright/time-entry@1': v1.TimeEntry,
  'syncwright/expense@1': v1.Expense,
  'syncwright/invoice@1': v1.Invoice,
  'syncwright/payment@1': v1.Payment,
  'syncwright/revenue-schedule@1': v1.RevenueSchedule,
} as const satisfies Record<string, z.ZodType>;

export type SchemaId = keyof typeof schemas;
export type CanonicalOf<S extends SchemaId> = z.output<(typeof schemas)[S]>;

export const schemaIds = Object.keys(schemas) as SchemaId[];

export function isSchemaId(value: unknown): value is SchemaId {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(schemas, value);
}

/** `syncwright/work-item@1` → `{object: 'work-item', major: 1}`. */
export function parseSchemaId(id: string): { object: string; major: number } | undefined {
  const m = /^syncwright\/([a-z][a-z-]*)@(\d+)$/.exec(id);
  return m?.[1] !== undefined ? { object: m[1], major: Number(m[2]) } : undefined;
}
