// Structured output: the answer is JSON that validates against your schema (strict), ready to
// store or act on without parsing prose.
import { responseOutputText } from "@general-augment/sdk";
import { client } from "./client.js";

const structured = await client.createResponse({
  model: "balanced",
  user: "app-user-123",
  input: "Extract: window seat.",
  text: {
    format: {
      type: "json_schema",
      name: "travel_preference",
      strict: true,
      schema: {
        type: "object",
        required: ["seat"],
        properties: { seat: { type: "string" } },
        additionalProperties: false,
      },
    },
  },
});

const preference = JSON.parse(responseOutputText(structured)) as { seat: string };
console.log(`seat: ${preference.seat}`);
