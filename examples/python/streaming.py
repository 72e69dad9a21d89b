"""Streaming: print the answer as it is written. Each event is {"event", "data"}; text arrives
in response.output_text.delta events."""

from client import client

for event in client.stream_response(
    {
        "model": "balanced",
        "user": "app-user-123",
        "input": "Draft a two sentence welcome message.",
    }
):
    if event["event"] == "response.output_text.delta":
        print(event["data"].get("delta", ""), end="", flush=True)
    if event["event"] == "response.completed":
        print(f"\ncompleted: {event['data']['response']['id']}")
