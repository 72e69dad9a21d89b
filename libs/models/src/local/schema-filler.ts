// Builds a JSON value that validates against a JSON Schema, filled deterministically from a
// piece of input text: "Extract: window seat." with {seat: string} gives {"seat":"window seat"}.
// Covers what structured output and tool parameters use in practice (objects, arrays, enums,
// numbers, formats, $ref, anyOf); patterns are honoured only when the text contains a match.

type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;

export function fillFromSchema(schema: Schema, text: string): unknown {
  return new SchemaFiller(schema, text).fill(schema, undefined, 0);
}

/** The substance of an instruction: "Extract: window seat." -> "window seat". */
export function subjectOf(text: string): string {
  let subject = text.trim();
  const labelled = /^[\p{L}][\p{L}\p{N} _-]{0,40}:\s+([\s\S]+)$/u.exec(subject);
  if (labelled) subject = labelled[1];
  return subject.replace(/[\s.!?]+$/u, '').trim() || text.trim();
}

class SchemaFiller {
  private readonly subject: string;

  constructor(
    private readonly root: Schema,
    private readonly text: string,
  ) {
    this.subject = subjectOf(text);
  }

  fill(schema: Schema, key: string | undefined, depth: number): unknown {
    const resolved = this.resolve(schema);
    if ('const' in resolved) return resolved.const;
    if (Array.isArray(resolved.enum) && resolved.enum.length > 0) return this.pickEnum(resolved.enum);
    const branches = (resolved.anyOf ?? resolved.oneOf) as Schema[] | undefined;
    if (Array.isArray(branches) && branches.length > 0) {
      const branch = branches.find((b) => this.resolve(b).type !== 'null') ?? branches[0];
      return this.fill({ ...withoutKeys(resolved, ['anyOf', 'oneOf']), ...branch }, key, depth);
    }
    switch (typeOf(resolved)) {
      case 'object':
        return this.fillObject(resolved, depth);
      case 'array':
        return this.fillArray(resolved, key, depth);
      case 'integer':
        return this.fillNumber(resolved, key, true);
      case 'number':
        return this.fillNumber(resolved, key, false);
      case 'boolean':
        return this.fillBoolean(key);
      case 'null':
        return null;
      default:
        return this.fillString(resolved, key);
    }
  }

  private resolve(schema: Schema): Schema {
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string' && hops < MAX_DEPTH; hops++) {
      const target = this.pointer(current.$ref as string);
      current = { ...withoutKeys(current, ['$ref']), ...target };
    }
    if (Array.isArray(current.allOf)) {
      const parts = (current.allOf as Schema[]).map((part) => this.resolve(part));
      current = parts.reduce<Schema>(
        (merged, part) => ({
          ...merged,
          ...part,
          properties: { ...(merged.properties as Schema), ...(part.properties as Schema) },
          required: [...((merged.required as string[]) ?? []), ...((part.required as string[]) ?? [])],
        }),
        withoutKeys(current, ['allOf']),
      );
    }
    return current;
  }

  private pointer(ref: string): Schema {
    if (!ref.startsWith('#')) return {};
    let node: unknown = this.root;
    for (const raw of ref.slice(1).split('/').filter(Boolean)) {
      const segment = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      node = node && typeof node === 'object' ? (node as Schema)[segment] : undefined;
    }
    return node && typeof node === 'object' ? (node as Schema) : {};
  }

  private fillObject(schema: Schema, depth: number): Record<string, unknown> {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    // Past the depth limit only required members are filled, so recursive schemas end.
    const keys = depth >= MAX_DEPTH ? Object.keys(properties).filter((k) => required.has(k)) : Object.keys(properties);
    const value: Record<string, unknown> = {};
    for (const key of keys) value[key] = this.fill(properties[key] ?? {}, key, depth + 1);
    for (const key of required) if (!(key in value)) value[key] = this.labelled(key) ?? this.subject;
    return value;
  }

  private fillArray(schema: Schema, key: string | undefined, depth: number): unknown[] {
    const min = num(schema.minItems) ?? 0;
    const max = num(schema.maxItems) ?? Infinity;
    const items = (schema.items ?? {}) as Schema;
    if (depth >= MAX_DEPTH && min === 0) return [];
    const resolvedItems = this.resolve(items);
    // A list of plain strings is read from a comma-separated list in the text.
    const listed =
      typeOf(resolvedItems) === 'string' && !resolvedItems.enum && !resolvedItems.format
        ? (this.labelled(key, true) ?? this.subject).split(/\s*(?:,|;|\band\b)\s*/).filter(Boolean)
        : [];
    const count = Math.min(max, Math.max(min, listed.length || 1));
    const values: unknown[] = [];
    for (let i = 0; i < count; i++) {
      values.push(i < listed.length ? this.shapeString(resolvedItems, listed[i]) : this.fill(items, key, depth + 1));
    }
    return values;
  }

  private fillNumber(schema: Schema, key: string | undefined, integer: boolean): number {
    const source = this.labelled(key) ?? this.text;
    const found = /-?\d+(?:\.\d+)?/.exec(source);
    let value = found ? Number(found[0]) : 0;
    const min = num(schema.minimum) ?? (num(schema.exclusiveMinimum) !== undefined ? num(schema.exclusiveMinimum)! + 1 : undefined);
    const max = num(schema.maximum) ?? (num(schema.exclusiveMaximum) !== undefined ? num(schema.exclusiveMaximum)! - 1 : undefined);
    if (min !== undefined && value < min) value = min;
    if (max !== undefined && value > max) value = max;
    if (integer) value = Math.round(value);
    const step = num(schema.multipleOf);
    if (step) value = Math.round(value / step) * step;
    return value;
  }

  private fillBoolean(key: string | undefined): boolean {
    const source = (this.labelled(key) ?? this.text).toLowerCase();
    return /\b(yes|true|on|enabled?)\b/.test(source);
  }

  private fillString(schema: Schema, key: string | undefined): string {
    return this.shapeString(schema, this.labelled(key) ?? this.subject);
  }

  /** Fits a candidate string to the schema's format and length limits. */
  private shapeString(schema: Schema, candidate: string): string {
    let value = candidate;
    const format = typeof schema.format === 'string' ? schema.format : undefined;
    if (format) value = this.formatted(format, value);
    const pattern = typeof schema.pattern === 'string' ? safeRegExp(schema.pattern) : undefined;
    if (pattern && !pattern.test(value)) value = this.findPattern(pattern) ?? value;
    const min = num(schema.minLength) ?? 0;
    const max = num(schema.maxLength);
    if (max !== undefined && value.length > max) value = value.slice(0, max);
    if (value.length < min) value = value.padEnd(min, value ? ` ${value}` : 'x');
    return value;
  }

  /** A piece of the text matching an (often anchored) pattern. */
  private findPattern(pattern: RegExp): string | undefined {
    const unanchored = safeRegExp(pattern.source.replace(/^\^/, '').replace(/\$$/, ''));
    const candidates = unanchored ? new RegExp(unanchored.source, 'gu') : undefined;
    for (const match of candidates ? this.text.matchAll(candidates) : []) {
      if (pattern.test(match[0])) return match[0];
    }
    return undefined;
  }

  private formatted(format: string, fallback: string): string {
    const find = (re: RegExp, otherwise: string) => re.exec(this.text)?.[0] ?? otherwise;
    switch (format) {
      case 'date':
        return find(/\b\d{4}-\d{2}-\d{2}\b/, '2026-01-01');
      case 'date-time':
        return find(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/, '2026-01-01T00:00:00Z');
      case 'time':
        return find(/\b\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})/, '00:00:00Z');
      case 'email':
        return find(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/, 'user@example.com');
      case 'uri':
      case 'url':
        return find(/https?:\/\/[^\s"'<>]+/, 'https://example.com/');
      case 'uuid':
        return find(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i, '00000000-0000-4000-8000-000000000000');
      default:
        return fallback;
    }
  }

  private pickEnum(values: unknown[]): unknown {
    const lower = this.text.toLowerCase();
    return values.find((v) => v !== null && lower.includes(String(v).toLowerCase())) ?? values[0];
  }

  /**
   * The value after "key:" or "key =" in the text, e.g. "seat: aisle, meal: vegan"; a list's
   * value runs on past commas ("tags: math, engines").
   */
  private labelled(key: string | undefined, list = false): string | undefined {
    if (!key) return undefined;
    const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').split(/[_\s-]+/).map(escapeRegExp).join('[\\s_-]*');
    const value = list ? '[^;\\n]+' : '[^,;\\n]+';
    const match = new RegExp(`\\b${words}\\s*[:=]\\s*(${value})`, 'i').exec(this.text);
    return match ? match[1].replace(/[\s.!?]+$/u, '').trim() : undefined;
  }
}

function typeOf(schema: Schema): string {
  const type = schema.type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') as string | undefined) ?? 'null';
  if (typeof type === 'string') return type;
  if (schema.properties || schema.required) return 'object';
  if (schema.items) return 'array';
  return 'string';
}

const num = (value: unknown) => (typeof value === 'number' ? value : undefined);

function withoutKeys(schema: Schema, keys: string[]): Schema {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !keys.includes(k)));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}
