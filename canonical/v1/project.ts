import { z } from 'zod';
import { baseFields, BillingType, CurrencyCode, datesInOrder, IsoDate, LegalEntity, Money, Name, OptionalName, Person, Ref, ServiceLine, Text } from '../primitives.js';

export const Project = z
  .strictObject({
    ...baseFields,
    name: Name,
    projectCode: OptionalName.optional(),
    account: Ref,
    opportunity: Ref.optional(),
    contract: Ref.optional(),
    status: z.enum(['planned', 'active', 'on-hold', 'completed', 'cancelled']),
    startDate: IsoDate,
    endDate: IsoDate.optional(),
    billingType: BillingType,
    billable: z.boolean().default(true),
    budget: Money.optional(),
    currency: CurrencyCode,
    legalEntity: LegalEntity.optional(),
    serviceLine: ServiceLine.optional(),
    projectManager: Person.optional(),
    description: Text.optional(),
  })
  .superRefine(datesInOrder<{ startDate: string; endDate?: string }>((p) => p.startDate, (p) => p.endDate, 'endDate'))
  .meta({ title: 'Project', description: 'A delivery project (PSA workspace, ERP job)' });
export type Project = z.infer<typeof Project>;
