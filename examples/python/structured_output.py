"""Structured output: the answer is JSON that validates against your schema (strict), ready to
store or act on without parsing prose."""

import json

from genaug import response_output_text

from client import client

structured = client.create_response(
    {
        "model": "balanced",
        "user": "app-user-123",
        "input": "Extract: window seat.",
        "text": {
            "format": {
                "type": "json_schema",
                "name": "travel_preference",
                "strict": True,
                "schema": {
                    "type": "object",
                    "required": ["seat"],
                    "properties": {"seat": {"type": "string"}},
                    "additionalProperties": False,
                },
            }
        },
    }
)

preference = json.loads(response_output_text(structured))
print(f"seat: {preference['seat']}")
