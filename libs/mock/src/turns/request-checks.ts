import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { badRequest } from '@genaug/kernel';
import type { CreateResponseRequest } from '@genaug/responses';

// What the real server refuses before a turn starts, beyond the request schema: the same
// 400s with the same fields named. The contract suite runs these cases against both servers.

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

export function checkTurnRequest(request: CreateResponseRequest): void {
  if (request.previous_response_id && request.conversation) {
    throw badRequest('conversation', 'Send either previous_response_id or conversation, not both');
  }
  const format = request.text?.format;
  if (format?.type === 'json_schema') {
    try {
      ajv.compile(format.schema);
    } catch (err) {
      throw badRequest('text.format.schema', `Invalid JSON schema: ${(err as Error).message}`);
    }
  }
  const choice = request.tool_choice;
  if (choice && typeof choice === 'object' && choice.type === 'function' && !(request.tools ?? []).some((t) => t.name === choice.name)) {
    throw badRequest('tool_choice', `tool_choice names '${choice.name}', which is not in tools`);
  }
  if (choice === 'required' && !(request.tools ?? []).length) throw badRequest('tool_choice', "tool_choice 'required' needs at least one tool");
}
