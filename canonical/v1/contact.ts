import { z } from 'zod';
import { Address, baseFields, Email, Name, OptionalName, Ref } from '../primitives.js';

export const Contact = z
  .strictObject({
    ...baseFields,
    account: Ref,
    firstName: OptionalName.optional(),
    lastName: Name,
    email: Email.optional(),
    phone: z.string().trim().max(40).optional(),
    title: OptionalName.optional(),
    roles: z.array(z.enum(['primary', 'billing', 'technical', 'executive-sponsor', 'project'])).max(10).default([]),
    mailingAddress: Address.optional(),
    status: z.enum(['active', 'inactive']).default('active'),
  })
  .meta({ title: 'Contact', description: 'A person at an account' });
export type Contact = z.infer<typeof Contact>;
