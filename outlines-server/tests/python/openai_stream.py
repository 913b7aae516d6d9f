"""The openai SDK streaming a json_schema reply (with usage) from the server.

Usage: openai_stream.py BASE_URL. Prints the content, then the finish reason and total tokens,
then how many chunks carried content.
"""

import sys

from openai import OpenAI

client = OpenAI(base_url=sys.argv[1] + "/v1", api_key="unused", max_retries=0)
stream = client.chat.completions.create(
    model="local",
    messages=[{"role": "user", "content": "John is 25."}],
    response_format={
        "type": "json_schema",
        "json_schema": {
            "name": "Person",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "age": {"type": "integer", "maximum": 120}},
                "required": ["name", "age"],
                "additionalProperties": False,
            },
        },
    },
    stream=True,
    stream_options={"include_usage": True},
)
content, total, finish = [], None, None
for chunk in stream:
    if chunk.choices:
        content.append(chunk.choices[0].delta.content or "")
        finish = chunk.choices[0].finish_reason or finish
    if chunk.usage:
        total = chunk.usage.total_tokens
print("".join(content))
print(finish, total)
print(len([c for c in content if c]))
