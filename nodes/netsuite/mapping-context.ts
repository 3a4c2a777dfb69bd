// The NetSuite mapping context a node uses: the defaults (the sandbox seed) with lists a user gives as JSON in
// the node (their account's subsidiaries, currencies, terms, items, employees…). A list given replaces the
// default list of that name; what is not given keeps the default. Validated at deploy, naming the bad field.
import { z } from 'zod';
import { BillingType, v1 } from '../../canonical/index.js';
import { defaultNetSuiteContext, type NetSuiteMappingContext } from '../../canonical/mappings/netsuite/index.js';
import { formatPath } from '../../canonical/validate.js';

const Id = z.union([z.string().trim().min(1), z.number().int()]).transform(String);
const Text = z.string().trim().min(1);

const ContextOverrides = z.strictObject({
  subsidiaries: z.array(z.strictObject({ id: Id, name: Text, code: Text, country: Text.optional(), currency: Text.optional() })).optional(),
  currencies: z.array(z.strictObject({ id: Id, code: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD') })).optional(),
  terms: z.array(z.strictObject({ id: Id, name: Text, code: Text, days: z.number().int().min(0).optional() })).optional(),
  employees: z.array(z.strictObject({ id: Id, name: Text, email: Text.optional(), resourceKey: Text.optional() })).optional(),
  items: z.array(z.strictObject({ id: Id, name: Text, billingType: BillingType.optional(), productCode: Text.optional() })).optional(),
  expenseCategories: z.array(z.strictObject({ id: Id, name: Text })).optional(),
  projectStatuses: z.array(z.strictObject({ id: Id, name: Text, status: v1.Project.shape.status })).optional(),
  timeApprovalStatuses: z.array(z.strictObject({ id: Id, name: Text, status: v1.TimeEntry.shape.status })).optional(),
  paymentMethods: z.array(z.strictObject({ name: Text, method: v1.Payment.shape.method.unwrap() })).optional(),
  psaSystem: z.enum(['kantata', 'certinia']).optional(),
});

/** The node's mapping context: the defaults, with the lists given in `json` instead of theirs. */
export function mappingContextFrom(json: string | undefined): NetSuiteMappingContext {
  const text = (json ?? '').trim();
  if (text === '') return defaultNetSuiteContext;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`the mapping context is not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const parsed = ContextOverrides.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : formatPath(issue.path);
    throw new Error(`the mapping context ${where === '' ? '' : `${where} `}${issue?.message ?? 'is not valid'}`);
  }
  const overrides = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as Partial<NetSuiteMappingContext>;
  return { ...defaultNetSuiteContext, ...overrides };
}
