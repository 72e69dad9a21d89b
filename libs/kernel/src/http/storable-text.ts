// PostgreSQL stores no NUL character in text or jsonb, and an unpaired UTF-16 surrogate is no
// character at all (UTF-8 cannot encode it). JSON can carry both, escaped: such a body is
// refused whole at the door, naming the field, rather than failing wherever it is first stored.

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The path (`metadata.note`, `input[2].content`) of the first string or key in `value` that cannot be stored; null when none. */
export function unstorableTextAt(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path || 'body' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = unstorableTextAt(value[i], `${path}[${i}]`);
      if (at) return at;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const here = path ? `${path}.${key}` : key;
      if (UNSTORABLE.test(key)) return here;
      const at = unstorableTextAt(item, here);
      if (at) return at;
    }
  }
  return null;
}
