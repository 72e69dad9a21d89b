import type { ContentPart } from './input-items';
import type { Usage } from './response-object';

/** A user message kept verbatim in a compacted conversation. */
export interface CompactedUserMessage {
  id: string;
  type: 'message';
  role: 'user';
  status: 'completed';
  content: ContentPart[];
}

/** The summary of everything else, sealed: sent back as an input item, only its project can read it. */
export interface CompactionItem {
  id: string;
  type: 'compaction';
  encrypted_content: string;
}

/** The specification's CompactResource: what POST /v1/responses/compact answers. */
export interface CompactionResource {
  id: string;
  object: 'response.compaction';
  created_at: number;
  output: Array<CompactedUserMessage | CompactionItem>;
  usage: Usage;
}
