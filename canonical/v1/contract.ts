import { z } from 'zod';
import { baseFields, BillingFrequency, BillingType, CurrencyCode, datesInOrder, IsoDate, LegalEntity, Money, Name, PaymentTerms, Ref, ServiceLine } from '../primitives.js';

export const Contract = z
  .strictObject({
    ...baseFields,
    contractNumber: Name,
    account: Ref,
    opportunity: Ref.optional(),
    status: z.enum(['draft', 'active', 'expired', 'terminated']),
    startDate: IsoDate,
    endDate: IsoDate.optional(),
    termMonths: z.number().int().min(0).max(600).optional(),
    billingType: BillingType,
    billingFrequency: BillingFrequency.optional(),
    paymentTerms: PaymentTerms.optional(),
    autoRenew: z.boolean().default(false),
    totalValue: Money.optional(),
    currency: CurrencyCode,
    legalEntity: LegalEntity.optional(),
    serviceLine: ServiceLine.optional(),
  })
  .superRefine(datesInOrder<{ startDate: string; endDate?: string }>((c) => c.startDate, (c) => c.endDate, 'endDate'))
  .meta({ title: 'Contract', description: 'The signed commercial terms of an engagement' });
export type Contract = z.infer<typeof Contract>;
