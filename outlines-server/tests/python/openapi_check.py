"""Validates the server's OpenAPI document with openapi-spec-validator (OpenAPI 3.1).

Usage: openapi_check.py BASE_URL. Prints the version it validated against and the path count.
"""

import json
import sys
import urllib.request

from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

with urllib.request.urlopen(sys.argv[1] + "/openapi.json") as response:
    spec = json.load(response)
validate(spec, cls=OpenAPIV31SpecValidator)
print(spec["openapi"], len(spec["paths"]))
