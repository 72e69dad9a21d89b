import type { ModelRequest } from '@genaug/models';

/** What a compaction asks of the model, after the conversation. */
export const COMPACTION_PROMPT = [
  'Summarize the conversation above so that it can go on from the summary alone.',
  "Keep the user's goals and preferences, the facts established, the decisions made, the tools called and what they returned, and what is still open.",
  'Write plain text, without greeting or comment.',
].join(' ');

/** Turns a turn's model request into its compaction's: the same conversation, asked for its summary. */
export function compactionRequest(request: ModelRequest): void {
  request.purpose = 'compaction';
  request.messages.push({ type: 'message', role: 'user', content: COMPACTION_PROMPT });
  // A summary is text: the conversation's tools are not offered.
  request.tools = [];
  request.toolChoice = undefined;
}
