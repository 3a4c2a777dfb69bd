import { z } from 'zod';
import { baseFields, Email, LegalEntity, Money, Name, OptionalName } from '../primitives.js';

export const Resource = z
  .strictObject({
    ...baseFields,
    name: Name,
    email: Email.optional(),
    employeeNumber: OptionalName.optional(),
    resourceType: z.enum(['employee', 'contractor', 'placeholder']).default('employee'),
    role: OptionalName.optional(),
    department: OptionalName.optional(),
    location: OptionalName.optional(),
    legalEntity: LegalEntity.optional(),
    costRate: Money.optional().meta({ description: 'Cost per hour' }),
    billRate: Money.optional().meta({ description: 'Default bill rate per hour' }),
    active: z.boolean().default(true),
  })
  .meta({ title: 'Resource', description: 'A person (or placeholder) who can be staffed on projects' });
export type Resource = z.infer<typeof Resource>;
