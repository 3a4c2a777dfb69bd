import { z } from 'zod';
import { baseFields, ContractTerms, CurrencyCode, IsoDate, LegalEntity, Money, Name, Ref } from '../primitives.js';
import { SalesLine } from './lines.js';

export const Quote = z
  .strictObject({
    ...baseFields,
    quoteNumber: Name,
    account: Ref,
    opportunity: Ref.optional(),
    status: z.enum(['draft', 'presented', 'accepted', 'rejected', 'expired']),
    currency: CurrencyCode,
    quoteDate: IsoDate,
    validUntil: IsoDate.optional(),
    legalEntity: LegalEntity.optional(),
    lines: z.array(SalesLine).max(500).default([]),
    subtotal: Money.optional(),
    taxTotal: Money.optional(),
    total: Money,
    terms: ContractTerms.optional(),
  })
  .meta({ title: 'Quote', description: 'A priced offer to a customer' });
export type Quote = z.infer<typeof Quote>;
