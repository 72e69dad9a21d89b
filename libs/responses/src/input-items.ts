import type { CreateResponseRequest, InputItem } from './create-response.request';

// The request's `input` in one shape: a list of items whose message content is always a
// list of parts, so the turn runtime reads one form whatever the client sent.

export type Role = 'user' | 'system' | 'developer' | 'assistant';

export interface ContentPart {
  type: string;
  text?: string;
  [field: string]: unknown;
}

export interface MessageInput {
  type: 'message';
  role: Role;
  content: ContentPart[];
}

export type NormalizedInputItem = MessageInput | Exclude<InputItem, { type: 'message' }>;

export function inputItems(request: Pick<CreateResponseRequest, 'input'>): NormalizedInputItem[] {
  if (typeof request.input === 'string') {
    return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: request.input }] }];
  }
  return request.input.map((item): NormalizedInputItem => {
    if (item.type !== 'message') return item;
    const partType = item.role === 'assistant' ? 'output_text' : 'input_text';
    const content: ContentPart[] =
      typeof item.content === 'string' ? [{ type: partType, text: item.content }] : (item.content as ContentPart[]);
    return { type: 'message', role: item.role, content };
  });
}

/** The plain text of a message's parts (images and files are left out). */
export function messageText(message: MessageInput): string {
  return message.content
    .map((part) => (typeof part.text === 'string' ? part.text : typeof part.refusal === 'string' ? part.refusal : ''))
    .join('');
}
