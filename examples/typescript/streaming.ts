// Streaming: print the answer as it is written. Each event is `{ event, data }`; text arrives
// in `response.output_text.delta` events.
import { client } from "./client.js";

for await (const event of client.streamResponse({
  model: "balanced",
  user: "app-user-123",
  input: "Draft a two sentence welcome message.",
})) {
  if (event.event === "response.output_text.delta") {
    process.stdout.write(String((event.data as any).delta ?? ""));
  }
  if (event.event === "response.completed") {
    process.stdout.write(`\ncompleted: ${(event.data as any).response.id}\n`);
  }
}
