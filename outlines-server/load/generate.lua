-- wrk: POST /generate with a JSON Schema output (cached after the first request).
wrk.method = "POST"
wrk.path = "/generate"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"prompt":"John is 25.","output":{"type":"json_schema","schema":{"type":"object","properties":{"name":{"type":"string","minLength":1},"age":{"type":"integer","minimum":0,"maximum":120}},"required":["name","age"],"additionalProperties":false}}}]]
