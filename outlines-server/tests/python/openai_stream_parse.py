"""The openai SDK's chat.completions.stream with a pydantic response_format: the partial parsed
value grows as the server streams, then the final one.

Usage: openai_stream_parse.py BASE_URL. Prints each partial parsed value's JSON, then "final" and
the final value's JSON.
"""

import sys

from openai import OpenAI
from pydantic import BaseModel


class Person(BaseModel):
    name: str
    age: int


client = OpenAI(base_url=sys.argv[1] + "/v1", api_key="unused", max_retries=0)
with client.chat.completions.stream(
    model="local",
    messages=[{"role": "user", "content": "John is 25."}],
    response_format=Person,
) as stream:
    for event in stream:
        if event.type == "content.delta" and event.parsed is not None:
            print(event.parsed if isinstance(event.parsed, dict) else event.parsed)
    final = stream.get_final_completion()
print("final", final.choices[0].message.parsed.model_dump_json())
