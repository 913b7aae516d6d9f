"""LangChain's ChatOpenAI.with_structured_output(...).stream() against the server, both methods,
with a JSON Schema (LangChain streams partial dicts for it).

Usage: langchain_stream.py BASE_URL. Prints one line per method: the method, how many chunks came,
and the last chunk as JSON.
"""

import json
import sys

from langchain_openai import ChatOpenAI

schema = {
    "title": "Person",
    "description": "A person mentioned in the text.",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0, "maximum": 120}},
    "required": ["name", "age"],
    "additionalProperties": False,
}

llm = ChatOpenAI(base_url=sys.argv[1] + "/v1", api_key="unused", model="local", max_retries=0)
for method in ["json_schema", "function_calling"]:
    chunks = list(llm.with_structured_output(schema, method=method).stream("John is 25."))
    print(method, len(chunks), json.dumps(chunks[-1], separators=(",", ":")))
