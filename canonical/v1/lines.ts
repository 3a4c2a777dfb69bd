// Line items shared by opportunities and quotes.
import { z } from 'zod';
import { BillingType, Decimal, Hours, IsoDate, Money, Name, NonNegativeDecimal, OptionalName, ServiceLine, Text } from '../primitives.js';

export const SalesLine = z.strictObject({
  lineNumber: z.number().int().min(1),
  productCode: OptionalName.optional().meta({ description: 'Item/product SKU' }),
  description: Text.optional(),
  quantity: NonNegativeDecimal,
  unitPrice: Money,
  discountPercent: Decimal.optional(),
  total: Money,
  serviceLine: ServiceLine.optional(),
  billingType: BillingType.optional(),
  role: OptionalName.optional().meta({ description: 'Resource role the line sells, e.g. "Senior Consultant"' }),
  hours: Hours.optional(),
  startDate: IsoDate.optional(),
  endDate: IsoDate.optional(),
  name: Name.optional(),
});
export type SalesLine = z.infer<typeof SalesLine>;
