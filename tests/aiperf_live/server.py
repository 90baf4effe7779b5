#!/usr/bin/env python3
"""A tiny OpenAI-compatible streaming server for the AIPerf live test.

Standard library only. POST /v1/chat/completions answers with Server-Sent
Events: one chunk per "token" (`tok{i} `), a short sleep between chunks so
inter-chunk latencies are measurable, then a usage chunk and `[DONE]`.
Non-streaming requests get one JSON body. GET /v1/models and /health exist
because clients probe them. Listens on 127.0.0.1 only.

Usage: server.py PORT [TOKENS] [DELAY_S]
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKENS = int(sys.argv[2]) if len(sys.argv) > 2 else 16
DELAY = float(sys.argv[3]) if len(sys.argv) > 3 else 0.004


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connections are reused

    def log_message(self, *args):
        pass

    def _json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/v1/models"):
            self._json(200, {"object": "list", "data": [{"id": "mock-model", "object": "model"}]})
        else:
            self._json(200, {"status": "ok"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(n) or b"{}")
        want = req.get("max_completion_tokens") or req.get("max_tokens") or TOKENS
        want = max(1, min(int(want), TOKENS))
        created = int(time.time())
        if not req.get("stream"):
            text = "".join(f"tok{i} " for i in range(want))
            self._json(200, {
                "id": "cmpl-1", "object": "chat.completion", "created": created, "model": "mock-model",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "length"}],
                "usage": {"prompt_tokens": 8, "completion_tokens": want, "total_tokens": 8 + want},
            })
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(obj):
            data = b"data: " + (obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + b"\n\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        for i in range(want):
            time.sleep(DELAY)
            send({"id": "cmpl-1", "object": "chat.completion.chunk", "created": created, "model": "mock-model",
                  "choices": [{"index": 0, "delta": {"content": f"tok{i} "}, "finish_reason": None}]})
        send({"id": "cmpl-1", "object": "chat.completion.chunk", "created": created, "model": "mock-model",
              "choices": [], "usage": {"prompt_tokens": 8, "completion_tokens": want, "total_tokens": 8 + want}})
        send(b"[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


if __name__ == "__main__":
    port = int(sys.argv[1])
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
