import { z } from 'zod';
import { baseFields, datesInOrder, IsoDate, IsoMonth, LegalEntity, Money, Ref } from '../primitives.js';

export const RevenueSchedule = z
  .strictObject({
    ...baseFields,
    contract: Ref.optional(),
    project: Ref.optional(),
    invoice: Ref.optional(),
    method: z.enum(['straight-line', 'percent-complete', 'milestone', 'as-billed', 'time-and-materials']),
    startDate: IsoDate,
    endDate: IsoDate,
    totalAmount: Money,
    legalEntity: LegalEntity.optional(),
    status: z.enum(['planned', 'in-progress', 'completed', 'on-hold']).default('planned'),
    periods: z
      .array(z.strictObject({ period: IsoMonth, plannedAmount: Money, recognizedAmount: Money.optional() }))
      .max(600)
      .default([]),
  })
  .superRefine(datesInOrder<{ startDate: string; endDate: string }>((r) => r.startDate, (r) => r.endDate, 'endDate'))
  .meta({ title: 'RevenueSchedule', description: 'How and when the revenue of a contract or project is recognised' });
export type RevenueSchedule = z.infer<typeof RevenueSchedule>;
