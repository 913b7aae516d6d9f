"""CrewAI's LLM with a pydantic response_format, against the server.

Usage: crewai_llm.py BASE_URL. Prints the value as JSON. CrewAI's own OpenAI provider sends the request
(a model name it knows routes there; the server answers as its own model whatever the name).
"""

import os
import sys

# No telemetry: the tests touch nothing beyond 127.0.0.1.
os.environ["CREWAI_DISABLE_TELEMETRY"] = "true"
os.environ["CREWAI_TRACING_ENABLED"] = "false"
os.environ["OTEL_SDK_DISABLED"] = "true"

from crewai import LLM  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(min_length=1)
    age: int = Field(ge=0, le=120)


llm = LLM(
    model="openai/gpt-4o-mini",
    base_url=sys.argv[1] + "/v1",
    api_key="unused",
    response_format=Person,
    max_retries=0,
)
person = llm.call([{"role": "user", "content": "John is 25."}])
print(person.model_dump_json())
