import { z } from 'zod';
import { baseFields, IsoDate, Money, OptionalName, Ref } from '../primitives.js';

export const Payment = z
  .strictObject({
    ...baseFields,
    paymentNumber: OptionalName.optional(),
    account: Ref,
    amount: Money,
    paymentDate: IsoDate,
    method: z.enum(['ach', 'wire', 'card', 'check', 'cash', 'other']).optional(),
    status: z.enum(['received', 'applied', 'reversed']),
    reference: OptionalName.optional(),
    applications: z
      .array(z.strictObject({ invoice: Ref, amountApplied: Money }))
      .max(1000)
      .default([]),
  })
  .meta({ title: 'Payment', description: 'A customer payment and the invoices it pays' });
export type Payment = z.infer<typeof Payment>;
