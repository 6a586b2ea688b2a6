#!/usr/bin/env python3
"""The model stand-in of the local cluster: an OpenAI-compatible LLM and embedding server.

Stands in for vLLM and text-embeddings-inference, which need GPUs and model weights this machine
does not have. Standard library only. It binds 127.0.0.1 unless told otherwise (inside a pod's own
network namespace the runner passes 0.0.0.0, which there is that namespace's loopback only).

LLM (POST /v1/chat/completions, streamed and not): deterministic. The answer quotes the last user
message it received, so a test can tell whether Chatchat put the retrieved documents into the prompt
(a grounded answer quotes them). --delay-ms adds a fixed latency per answer.

Embeddings (POST /v1/embeddings): a lexical embedding, not a neural one. Each word (ASCII letters and
digits) and each CJK character and CJK character pair is hashed into one of --dimensions buckets; the
vector is L2-normalised. Texts sharing words are close, so retrieval finds a document by its words.

GET /health, GET /v1/models, and GET /stats (request counts, for tests) complete the API.
"""
import argparse
import hashlib
import json
import math
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORD = re.compile(r"[A-Za-z0-9]+|[\u4e00-\u9fff]+")
CJK = re.compile(r"[\u4e00-\u9fff]")


def tokens(text):
    out = []
    for m in WORD.finditer(text):
        w = m.group(0)
        if CJK.match(w):
            out.extend(w)
            out.extend(w[i : i + 2] for i in range(len(w) - 1))
        elif len(w) > 1:
            out.append(w.lower())
    return out


def embed(text, dims):
    v = [0.0] * dims
    for t in tokens(text):
        h = int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "big")
        v[h % dims] += 1.0 if (h >> 32) & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in v))
    if norm == 0:
        v[0], norm = 1.0, 1.0
    return [x / norm for x in v]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.last_prompt = ""

    def add(self, key, prompt=None):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            if prompt is not None:
                self.last_prompt = prompt

    def snapshot(self):
        with self.lock:
            return {"requests": dict(self.counts), "last_prompt": self.last_prompt}


def make_handler(args, stats):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            print("model-standin: " + fmt % a, flush=True)

        def reply(self, code, body):
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path in ("/health", "/"):
                self.reply(200, {"status": "ok"})
            elif self.path == "/v1/models":
                models = args.llm_models + args.embedding_models
                self.reply(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in models]})
            elif self.path == "/stats":
                self.reply(200, stats.snapshot())
            else:
                self.reply(404, {"error": "not found: " + self.path})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            try:
                req = json.loads(self.rfile.read(length) or b"{}")
            except ValueError as e:
                self.reply(400, {"error": "bad JSON: %s" % e})
                return
            if self.path == "/v1/embeddings":
                self.embeddings(req)
            elif self.path == "/v1/chat/completions":
                self.chat(req)
            else:
                self.reply(404, {"error": "not found: " + self.path})

        def embeddings(self, req):
            inputs = req.get("input")
            if isinstance(inputs, str):
                inputs = [inputs]
            if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
                self.reply(400, {"error": "input must be a string or a list of strings (token arrays are not supported)"})
                return
            stats.add("embeddings")
            data = [{"object": "embedding", "index": i, "embedding": embed(t, args.dimensions)} for i, t in enumerate(inputs)]
            self.reply(200, {"object": "list", "model": req.get("model", ""), "data": data,
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})

        def chat(self, req):
            messages = req.get("messages") or []
            users = [m.get("content", "") for m in messages if m.get("role") == "user"]
            prompt = users[-1] if users else ""
            if isinstance(prompt, list):
                prompt = " ".join(p.get("text", "") for p in prompt if isinstance(p, dict))
            stats.add("chat", prompt)
            answer = "[model-standin] You asked: " + prompt
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000.0)
            model = req.get("model", args.llm_models[0])
            created = int(time.time())
            if not req.get("stream"):
                self.reply(200, {
                    "id": "chatcmpl-standin", "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": answer}}],
                    "usage": {"prompt_tokens": len(prompt), "completion_tokens": len(answer),
                              "total_tokens": len(prompt) + len(answer)}})
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            pieces = [answer[i : i + 40] for i in range(0, len(answer), 40)] or [""]
            for i, piece in enumerate(pieces):
                delta = {"content": piece}
                if i == 0:
                    delta["role"] = "assistant"
                self.event({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": created,
                            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
            self.event({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": created,
                        "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def event(self, obj):
            self.wfile.write(b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n")
            self.wfile.flush()

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--llm-model", dest="llm_models", action="append", default=[])
    p.add_argument("--embedding-model", dest="embedding_models", action="append", default=[])
    p.add_argument("--dimensions", type=int, default=256)
    p.add_argument("--delay-ms", type=int, default=0)
    args = p.parse_args()
    if not args.llm_models and not args.embedding_models:
        args.llm_models = ["standin-llm"]
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args, Stats()))
    server.daemon_threads = True
    print("model-standin: listening on %s:%d (llm %s, embeddings %s)" % (
        args.host, server.server_address[1], args.llm_models, args.embedding_models), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
