/**
 * Events of other streams that belong in a turn's trace (they carry `data.response_id`),
 * by the prefix of their type. Slices adding such events only follow the naming.
 */
const SPAN_KIND_BY_PREFIX: [prefix: string, kind: string][] = [
  ['Approval', 'approval'],
  ['ToolCall', 'tool_call'],
];

export function spanKindOf(type: string): string | null {
  for (const [prefix, kind] of SPAN_KIND_BY_PREFIX) if (type.startsWith(prefix)) return kind;
  return null;
}
