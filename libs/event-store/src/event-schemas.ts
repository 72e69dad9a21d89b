import { z } from 'zod';
import { InvalidEventError, eventMetadataSchema, type NewEvent } from './events';

// Every event type is registered with its zod schema by the slice that owns it; the store
// refuses an event whose type is unknown or whose data fails the schema.
const schemas = new Map<string, z.ZodType>();

export function registerEvents(map: Record<string, z.ZodType>): void {
  for (const [type, schema] of Object.entries(map)) {
    const existing = schemas.get(type);
    if (existing && existing !== schema) throw new Error(`event type ${type} registered twice`);
    schemas.set(type, schema);
  }
}

export function isRegisteredEvent(type: string): boolean {
  return schemas.has(type);
}

export function validateEvent(event: NewEvent): void {
  const schema = schemas.get(event.type);
  if (!schema) throw new InvalidEventError(event.type, 'unknown event type');
  const data = schema.safeParse(event.data);
  if (!data.success) {
    const i = data.error.issues[0];
    throw new InvalidEventError(event.type, `${i.path.join('.') || 'data'}: ${i.message}`);
  }
  if (event.metadata) {
    const meta = eventMetadataSchema.safeParse(event.metadata);
    if (!meta.success) {
      const i = meta.error.issues[0];
      throw new InvalidEventError(event.type, `metadata.${i.path.join('.')}: ${i.message}`);
    }
  }
}
