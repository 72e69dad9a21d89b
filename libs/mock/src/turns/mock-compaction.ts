import { compactionMessage, compactionRefused, type ContextItem } from '@genaug/turns';

// The mock keeps nothing sealed: its compaction items carry their summary encoded, marked as
// the mock's. Like the server's, they read back only where they were made.

const PREFIX = 'mock:v1:';

export const mockCompactionContent = (summary: string): string => PREFIX + Buffer.from(JSON.stringify({ summary }), 'utf8').toString('base64');

/** The input with its compaction items as the model reads them; content the mock did not make is a 400 naming it. */
export function openMockCompactions(input: ContextItem[]): ContextItem[] {
  return input.map((item, i) => {
    if (item.type !== 'compaction') return item;
    const param = `input[${i}].encrypted_content`;
    if (!item.encrypted_content.startsWith(PREFIX)) throw compactionRefused(param);
    let summary: unknown;
    try {
      summary = JSON.parse(Buffer.from(item.encrypted_content.slice(PREFIX.length), 'base64').toString('utf8')).summary;
    } catch {
      throw compactionRefused(param);
    }
    if (typeof summary !== 'string') throw compactionRefused(param);
    return compactionMessage(summary);
  });
}
