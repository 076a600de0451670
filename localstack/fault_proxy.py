"""A fault-injecting HTTP proxy in front of the emulator, for the fault tests.

    fault_proxy.py --upstream http://127.0.0.1:PORT --ready FILE [--record FILE]
                   [--every N] [--fail KIND:MATCH ...]

It forwards every request to the upstream (moto) unchanged, except:

- `--every N`: every N-th request that is a first attempt (the SDK's `amz-sdk-request:
  attempt=1` header) gets a fault, the kinds taken in turn: `throttle` (the service's own
  throttling answer: S3 `503 SlowDown`, EC2 `RequestLimitExceeded`, IAM/STS `Throttling`,
  JSON and REST-JSON services `ThrottlingException`), `5xx` (`500 InternalError`), `drop` (the connection
  closed without an answer). Retries pass, so an audit with retries must give the same
  findings as a clean one.
- `--fail KIND:MATCH`: every attempt of a request whose signature holds every `+`-separated
  part of MATCH gets fault KIND, so that call exhausts its retries. The signature is
  `METHOD PATH?QUERY action=<Action> target=<X-Amz-Target> service=<SigV4 service>`.

- `--corrupt A+B`: in an answer holding `A`, one byte that is not UTF-8 (0xFF) is inserted
  right after the first `B` that follows it (data AWS could not have sent, to show that
  one unreadable value costs only what it is part of).

It writes `http://127.0.0.1:PORT` to the `--ready` file once listening, and with
`--record`, one JSON line per request: signature, attempt, fault (and for AssumeRole the
role, ExternalId and duration asked for).
"""
import argparse
import http.client
import itertools
import json
import re
import socket
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("throttle", "5xx", "drop")


def service_of(headers):
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else ""


def error_answer(kind, service, target):
    """The status, headers and body AWS gives for `kind` in this service's protocol."""
    throttle = kind == "throttle"
    if service == "s3":
        code, status = ("SlowDown", 503) if throttle else ("InternalError", 500)
        body = f"<Error><Code>{code}</Code><Message>injected</Message><RequestId>fault</RequestId></Error>"
        return status, {"Content-Type": "application/xml"}, body
    # JSON protocols (X-Amz-Target) and the REST-JSON ones the auditor reads (EKS, GuardDuty).
    if target or service in ("eks", "guardduty"):
        code = "ThrottlingException" if throttle else "InternalFailure"
        status = (429 if service in ("eks", "guardduty") else 400) if throttle else 500
        body = json.dumps({"__type": code, "message": "injected"})
        return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}, body
    if service == "ec2":
        code = "RequestLimitExceeded" if throttle else "InternalError"
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>injected</Message></Error>"
                "</Errors><RequestID>fault</RequestID></Response>")
        return (503 if throttle else 500), {"Content-Type": "text/xml"}, body
    code = "Throttling" if throttle else "InternalFailure"
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message>"
            "</Error><RequestId>fault</RequestId></ErrorResponse>")
    return (400 if throttle else 500), {"Content-Type": "text/xml"}, body


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--ready", required=True)
    p.add_argument("--record")
    p.add_argument("--every", type=int, default=0)
    p.add_argument("--fail", action="append", default=[])
    p.add_argument("--corrupt", action="append", default=[])
    a = p.parse_args()
    up = urllib.parse.urlsplit(a.upstream)
    rules = []
    for f in a.fail:
        kind, _, match = f.partition(":")
        if kind not in KINDS or not match:
            sys.exit(f"fault_proxy.py: --fail {f}: expected KIND:MATCH with KIND one of {', '.join(KINDS)}")
        rules.append((kind, match.split("+")))
    lock = threading.Lock()
    first_attempts = itertools.count(1)
    turn = itertools.cycle(KINDS)
    record = open(a.record, "a", buffering=1) if a.record else None

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            service = service_of(self.headers)
            target = self.headers.get("X-Amz-Target", "")
            action, form = "", {}
            if body and "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
                form = {k: v[0] for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace")).items()}
                action = form.get("Action", "")
            sig = f"{self.command} {self.path} action={action} target={target} service={service}"
            m = re.search(r"attempt=(\d+)", self.headers.get("amz-sdk-request", ""))
            attempt = int(m.group(1)) if m else 1
            fault = next((k for k, parts in rules if all(x in sig for x in parts)), None)
            with lock:
                if fault is None and a.every and attempt == 1 and next(first_attempts) % a.every == 0:
                    fault = next(turn)
                if record:
                    entry = {"sig": sig, "attempt": attempt, "fault": fault}
                    if action == "AssumeRole":
                        # What a trust policy sees: the role, the ExternalId, the duration.
                        entry["form"] = {k: v for k, v in form.items() if k in ("RoleArn", "ExternalId", "DurationSeconds")}
                    record.write(json.dumps(entry) + "\n")
            if fault == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if fault:
                status, headers, text = error_answer(fault, service, target)
                data = text.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
            conn.request(self.command, self.path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            for c in a.corrupt:
                first, _, then = c.partition("+")
                i = data.find(first.encode())
                j = data.find(then.encode(), i) if i >= 0 else -1
                if j >= 0:
                    k = j + len(then)
                    data = data[:k] + b"\xff" + data[k:]
                    if record:
                        record.write(json.dumps({"sig": sig, "attempt": attempt, "fault": "corrupt"}) + "\n")
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(a.ready + ".tmp", "w") as f:
        f.write(f"http://127.0.0.1:{server.server_address[1]}")
    import os
    os.replace(a.ready + ".tmp", a.ready)
    server.serve_forever()


if __name__ == "__main__":
    main()
