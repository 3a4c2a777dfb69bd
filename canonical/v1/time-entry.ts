import { z } from 'zod';
import { baseFields, IsoDate, Money, Ref, Text } from '../primitives.js';

export const TimeEntry = z
  .strictObject({
    ...baseFields,
    resource: Ref,
    project: Ref,
    workItem: Ref.optional(),
    date: IsoDate,
    hours: z.number().finite().min(0, 'must not be negative').max(24, 'must be at most 24 hours in one entry'),
    billable: z.boolean().default(true),
    status: z.enum(['draft', 'submitted', 'approved', 'rejected']),
    billRate: Money.optional(),
    costRate: Money.optional(),
    notes: Text.optional(),
  })
  .meta({ title: 'TimeEntry', description: 'Hours a resource worked on a project on one day' });
export type TimeEntry = z.infer<typeof TimeEntry>;
