import { z } from 'zod';
import { baseFields, BillingType, ContractTerms, CurrencyCode, datesInOrder, Hours, IsoDate, LegalEntity, Money, Name, OptionalName, Percent, Person, Ref, ServiceLine, Text } from '../primitives.js';
import { SalesLine } from './lines.js';

export const ResourceNeed = z.strictObject({
  role: Name,
  hours: Hours,
  startDate: IsoDate.optional(),
  endDate: IsoDate.optional(),
  skills: z.array(Name).max(20).optional(),
});

export const Opportunity = z
  .strictObject({
    ...baseFields,
    name: Name,
    account: Ref,
    stage: Name.meta({ description: 'Stage as named in the CRM, e.g. "Closed Won"' }),
    status: z.enum(['open', 'won', 'lost']),
    closeDate: IsoDate,
    amount: Money.optional(),
    currency: CurrencyCode.optional(),
    probability: Percent.optional(),
    legalEntity: LegalEntity.optional(),
    serviceLine: ServiceLine.optional(),
    billingType: BillingType.optional(),
    contractTerms: ContractTerms.optional(),
    lineItems: z.array(SalesLine).max(500).default([]),
    resourceNeeds: z.array(ResourceNeed).max(200).optional(),
    owner: Person.optional(),
    projectManager: Person.optional(),
    description: Text.optional(),
    type: OptionalName.optional().meta({ description: 'New business, renewal, change order…' }),
  })
  .superRefine(datesInOrder<{ contractTerms?: { startDate: string; endDate?: string } }>((o) => o.contractTerms?.startDate, (o) => o.contractTerms?.endDate, 'contractTerms.endDate'))
  .meta({ title: 'Opportunity', description: 'A sales opportunity with its line items' });
export type Opportunity = z.infer<typeof Opportunity>;
