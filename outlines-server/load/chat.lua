-- wrk: POST /v1/chat/completions with a json_schema response_format (the same schema every time,
-- so the compiled-schema cache hits after the first request).
wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{"model":"canned","messages":[{"role":"system","content":"You extract people."},{"role":"user","content":"John is 25."}],"response_format":{"type":"json_schema","json_schema":{"name":"Person","strict":true,"schema":{"type":"object","properties":{"name":{"type":"string","minLength":1},"age":{"type":"integer","minimum":0,"maximum":120}},"required":["name","age"],"additionalProperties":false}}}}]]
