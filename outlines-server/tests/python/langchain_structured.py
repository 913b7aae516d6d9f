"""LangChain's ChatOpenAI.with_structured_output, both methods, against the server.

Usage: langchain_structured.py BASE_URL. Prints one line per method: the method and the value.
"""

import sys

from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(min_length=1)
    age: int = Field(ge=0, le=120)


llm = ChatOpenAI(base_url=sys.argv[1] + "/v1", api_key="unused", model="local", max_retries=0)
for method in ["json_schema", "function_calling"]:
    person = llm.with_structured_output(Person, method=method).invoke("John is 25.")
    print(method, person.model_dump_json())
