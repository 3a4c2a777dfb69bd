import { z } from 'zod';
import { Address, baseFields, CurrencyCode, Email, LegalEntity, Money, Name, OptionalName, PaymentTerms, Person, Ref, ServiceLine, TaxAttributes } from '../primitives.js';

export const Account = z
  .strictObject({
    ...baseFields,
    name: Name,
    legalName: OptionalName.optional(),
    type: z.enum(['customer', 'prospect', 'partner', 'vendor']).default('customer'),
    status: z.enum(['active', 'inactive', 'on-hold']).default('active'),
    parent: Ref.optional().meta({ description: 'Parent account in the hierarchy' }),
    legalEntity: LegalEntity.optional(),
    currency: CurrencyCode.optional(),
    tax: TaxAttributes.optional(),
    billingAddress: Address.optional(),
    shippingAddress: Address.optional(),
    website: OptionalName.optional(),
    domain: OptionalName.toLowerCase().optional().meta({ description: 'Primary e-mail/web domain, used for identity resolution' }),
    industry: OptionalName.optional(),
    serviceLine: ServiceLine.optional(),
    paymentTerms: PaymentTerms.optional(),
    creditLimit: Money.optional(),
    creditHold: z.boolean().optional(),
    billingEmail: Email.optional(),
    owner: Person.optional(),
  })
  .meta({ title: 'Account', description: 'A customer, prospect or partner organisation' });
export type Account = z.infer<typeof Account>;
