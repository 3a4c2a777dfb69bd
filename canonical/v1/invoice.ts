import { z } from 'zod';
import { baseFields, CurrencyCode, datesInOrder, IsoDate, LegalEntity, Money, Name, NonNegativeDecimal, OptionalName, PaymentTerms, Ref, ServiceLine, Text } from '../primitives.js';

export const InvoiceLine = z.strictObject({
  lineNumber: z.number().int().min(1),
  description: Text.optional(),
  itemCode: OptionalName.optional(),
  quantity: NonNegativeDecimal,
  unitPrice: Money,
  amount: Money,
  taxCode: OptionalName.optional(),
  taxAmount: Money.optional(),
  workItem: Ref.optional(),
  serviceLine: ServiceLine.optional(),
});

export const Invoice = z
  .strictObject({
    ...baseFields,
    invoiceNumber: Name,
    account: Ref,
    project: Ref.optional(),
    opportunity: Ref.optional(),
    contract: Ref.optional(),
    legalEntity: LegalEntity.optional(),
    currency: CurrencyCode,
    invoiceDate: IsoDate,
    dueDate: IsoDate.optional(),
    status: z.enum(['draft', 'open', 'partially-paid', 'paid', 'void', 'credit-hold']),
    paymentTerms: PaymentTerms.optional(),
    poNumber: OptionalName.optional(),
    lines: z.array(InvoiceLine).max(1000).default([]),
    subtotal: Money.optional(),
    taxTotal: Money.optional(),
    total: Money,
    amountPaid: Money.optional(),
    amountDue: Money.optional(),
  })
  .superRefine(datesInOrder<{ invoiceDate: string; dueDate?: string }>((i) => i.invoiceDate, (i) => i.dueDate, 'dueDate'))
  .meta({ title: 'Invoice', description: 'A customer invoice with its lines' });
export type Invoice = z.infer<typeof Invoice>;
