export { startFakeOpenAI } from './fake-openai';
export { startFakeAnthropic } from './fake-anthropic';
export type { FakeCall, FakeReply, FakeToolCall, FakeUpstream, FakeUpstreamOptions } from './fake-upstream';
