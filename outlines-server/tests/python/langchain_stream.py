"""LangChain's ChatOpenAI.with_structured_output(...).stream() against the server, both methods,
with the pydantic model's JSON Schema (LangChain streams partial dicts for a schema).

Usage: langchain_stream.py BASE_URL. Prints one line per method: the method, then each chunk as
JSON, separated by tabs.
"""

import json
import sys

from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(min_length=1)
    age: int = Field(ge=0, le=120)


llm = ChatOpenAI(base_url=sys.argv[1] + "/v1", api_key="unused", model="local", max_retries=0)
for method in ["json_schema", "function_calling"]:
    structured = llm.with_structured_output(Person.model_json_schema(), method=method)
    chunks = [json.dumps(chunk, separators=(",", ":")) for chunk in structured.stream("John is 25.")]
    print(method, "\t".join(chunks), sep="\t")
