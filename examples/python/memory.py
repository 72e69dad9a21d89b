"""Explicit memory for durable facts, under the same user id the app sends to /v1/responses:
later turns of that user get the fact as context."""

from client import client

memory = client.store_memory(
    {
        "user_id": "app-user-123",
        "fact": "User prefers window seats",
        "fact_type": "preference",
        "importance_score": 0.9,
        "source": "booking",
        "idempotency_key": "memory-window-seat-1",
    }
)
print(f"stored: {memory['id']} ({memory['fact']})")

found = client.search_memory({"user_id": "app-user-123", "query": "seat preference", "top_k": 3})
for m in found["data"]:
    print(f"found: {m['fact']}")

profile = client.memory_profile("app-user-123")
print(f"profile: {profile['total']} facts")
