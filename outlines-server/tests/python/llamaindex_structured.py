"""LlamaIndex's OpenAILike with structured outputs, against the server.

Usage: llamaindex_structured.py BASE_URL. Prints the value as JSON.
"""

import sys

from llama_index.core.llms import ChatMessage
from llama_index.llms.openai_like import OpenAILike
from pydantic import BaseModel, Field


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(min_length=1)
    age: int = Field(ge=0, le=120)


llm = OpenAILike(
    model="local",
    api_base=sys.argv[1] + "/v1",
    api_key="unused",
    is_chat_model=True,
    should_use_structured_outputs=True,
    max_retries=0,
)
response = llm.as_structured_llm(Person).chat([ChatMessage(role="user", content="John is 25.")])
print(response.raw.model_dump_json())
