import { z } from 'zod';
import { baseFields, datesInOrder, Hours, IsoDate, Money, Name, Ref, Text } from '../primitives.js';

export const ResourceRequest = z
  .strictObject({
    ...baseFields,
    opportunity: Ref.optional(),
    project: Ref.optional(),
    role: Name,
    skills: z.array(Name).max(20).optional(),
    hours: Hours,
    startDate: IsoDate,
    endDate: IsoDate,
    status: z.enum(['draft', 'open', 'held', 'assigned', 'cancelled']).default('open'),
    priority: z.enum(['low', 'medium', 'high']).optional(),
    assignedResource: Ref.optional(),
    suggestedBillRate: Money.optional(),
    notes: Text.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.opportunity === undefined && r.project === undefined) {
      ctx.addIssue({ code: 'custom', path: ['project'], message: 'a resource request needs an opportunity or a project' });
    }
  })
  .superRefine(datesInOrder<{ startDate: string; endDate: string }>((r) => r.startDate, (r) => r.endDate, 'endDate'))
  .meta({ title: 'ResourceRequest', description: 'Demand for a role on an opportunity or project' });
export type ResourceRequest = z.infer<typeof ResourceRequest>;
