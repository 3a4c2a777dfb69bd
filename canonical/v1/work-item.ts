import { z } from 'zod';
import { baseFields, datesInOrder, Hours, IsoDate, Money, Name, Ref, Text } from '../primitives.js';

export const WorkItem = z
  .strictObject({
    ...baseFields,
    project: Ref,
    kind: z.enum(['task', 'milestone']).meta({ description: 'Work-breakdown task or billing milestone' }),
    name: Name,
    parent: Ref.optional(),
    sequence: z.number().int().min(0).optional(),
    status: z.enum(['not-started', 'in-progress', 'completed', 'cancelled']).default('not-started'),
    startDate: IsoDate.optional(),
    dueDate: IsoDate.optional(),
    plannedHours: Hours.optional(),
    billable: z.boolean().default(true),
    amount: Money.optional().meta({ description: 'Billing amount of a milestone' }),
    billingStatus: z.enum(['not-billed', 'ready-to-bill', 'billed']).optional(),
    description: Text.optional(),
  })
  .superRefine((w, ctx) => {
    if (w.kind === 'milestone' && w.billable && w.amount === undefined) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: 'a billable milestone needs an amount' });
    }
  })
  .superRefine(datesInOrder<{ startDate?: string; dueDate?: string }>((w) => w.startDate, (w) => w.dueDate, 'dueDate'))
  .meta({ title: 'WorkItem', description: 'A work-breakdown task or a billing milestone of a project' });
export type WorkItem = z.infer<typeof WorkItem>;
