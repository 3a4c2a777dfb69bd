import { z } from 'zod';
import { baseFields, IsoDate, Money, Name, Ref, Text } from '../primitives.js';

export const Expense = z
  .strictObject({
    ...baseFields,
    resource: Ref,
    project: Ref,
    date: IsoDate,
    category: Name.meta({ description: 'e.g. Travel, Lodging, Meals' }),
    amount: Money,
    taxAmount: Money.optional(),
    billable: z.boolean().default(true),
    reimbursable: z.boolean().default(true),
    status: z.enum(['draft', 'submitted', 'approved', 'rejected', 'reimbursed']),
    description: Text.optional(),
    receiptUrl: z.url({ message: 'must be a URL' }).max(2048).optional(),
  })
  .refine((e) => !e.amount.amount.startsWith('-'), { path: ['amount', 'amount'], message: 'an expense must not be negative' })
  .meta({ title: 'Expense', description: 'An expense a resource incurred on a project' });
export type Expense = z.infer<typeof Expense>;
