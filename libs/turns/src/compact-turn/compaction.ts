import { badRequest, derivedId } from '@genaug/kernel';
import { responseOutputText, type CompactedUserMessage, type CompactionResource, type CompactRequest, type ResponseObject } from '@genaug/responses';
import type { ContextItem } from '../request-turn/model-messages';

// What a compaction is, apart from where it runs: the turn it asks for, the answer it gives, and
// how a compaction item reads when it comes back as input. The server (CompactController,
// TurnPlanner) and `genaug mock` share these.

/** The create body of the turn that summarises the conversation: never stored as a response. */
export function compactionTurnBody(compact: CompactRequest): Record<string, unknown> {
  const empty = compact.input == null || (Array.isArray(compact.input) && compact.input.length === 0);
  if (empty && !compact.previous_response_id) throw badRequest('input', 'Nothing to compact: send input, previous_response_id, or both');
  return {
    model: compact.model,
    input: compact.input ?? [],
    previous_response_id: compact.previous_response_id,
    instructions: compact.instructions,
    prompt_cache_key: compact.prompt_cache_key,
    user: compact.user,
    safety_identifier: compact.safety_identifier,
    store: false,
  };
}

/** The conversation's user messages, kept verbatim, then the compaction item standing for the rest. */
export function compactionResource(response: ResponseObject, context: ContextItem[], encryptedContent: string): CompactionResource {
  const users: CompactedUserMessage[] = [];
  context.forEach((item, i) => {
    if (item.type === 'message' && item.role === 'user') {
      users.push({ id: itemId('msg', response.id, i), type: 'message', role: 'user', status: 'completed', content: item.content as CompactedUserMessage['content'] });
    }
  });
  return {
    id: response.id,
    object: 'response.compaction',
    created_at: response.created_at,
    output: [...users, { id: itemId('cmp', response.id, context.length), type: 'compaction', encrypted_content: encryptedContent }],
    usage: response.usage!,
  };
}

/** The summary a compaction turn answered. */
export const compactionSummary = (response: ResponseObject): string => responseOutputText(response);

/** Content of a compaction item this project did not make (another project's, altered, made up): the same answer for each. */
export const compactionRefused = (param: string) =>
  badRequest(param, 'Not a compaction this project made: send encrypted_content as POST /v1/responses/compact returned it');

/** A compaction item as the model reads it: its summary, as a developer message. */
export function compactionMessage(summary: string): ContextItem {
  return { type: 'message', role: 'developer', content: [{ type: 'input_text', text: `The conversation before this point, compacted:\n${summary}` }] };
}

/** Item ids the same each time a compaction is read back: its response id and the item's place. */
const itemId = (prefix: string, responseId: string, index: number) => derivedId(prefix, `${responseId}:${index}`);
