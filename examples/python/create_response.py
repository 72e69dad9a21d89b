"""One turn from trusted backend code: a stable app user id, metadata for usage and traces, and
an idempotency key so a retry never runs the turn twice. Keep the returned ids in your logs."""

from genaug import response_output_text

from client import client

response = client.create_response(
    {
        "model": "balanced",
        "user": "app-user-123",
        "input": "Summarize this support request and suggest the next action.",
        "metadata": {"feature": "support-triage"},
    },
    idempotency_key="support-thread-123-turn-1",
    request_id="req_app_123",
)

text = response_output_text(response)

metadata = response["metadata"]
print(f"text: {text}")
print(f"response id: {response['id']}")
print(f"request id: {metadata['general_augment_request_id']}")
print(f"trace id: {metadata['general_augment_trace_id']}")
print(f"model: {metadata['general_augment_model']}, tokens: {response['usage']['total_tokens']}, cost: ${metadata['general_augment_cost_usd']}")
