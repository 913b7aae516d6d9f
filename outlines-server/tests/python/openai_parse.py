"""The openai SDK's chat.completions.parse() with a constrained pydantic model, against the server.

Usage: openai_parse.py BASE_URL. Prints the parsed value as JSON.
"""

import sys

from openai import OpenAI
from pydantic import BaseModel, Field


class Person(BaseModel):
    name: str = Field(min_length=1)
    age: int = Field(ge=0, le=120)


client = OpenAI(base_url=sys.argv[1] + "/v1", api_key="unused", max_retries=0)
completion = client.chat.completions.parse(
    model="local",
    messages=[{"role": "user", "content": "John is 25."}],
    response_format=Person,
)
print(completion.choices[0].message.parsed.model_dump_json())
