#!/usr/bin/python3
"""sigv4_proxy.py - an S3 server for Karat's tests: s3rver behind a proxy
that checks every request's AWS Signature Version 4.

s3rver speaks the S3 protocol but does not verify SigV4 signatures (a wrong
secret is accepted), so this proxy recomputes each request's signature with
botocore's signer (an implementation independent of libcurl's) from the
method, path, query, signed headers and the x-amz-content-sha256 header it
received, checks that header against the SHA-256 of the body, and answers
403 SignatureDoesNotMatch (or 400 XAmzContentSHA256Mismatch) on a mismatch.
Requests that pass are forwarded to s3rver unchanged.

Anonymous requests get what docs/DEPLOY.md's bucket policy grants, and
nothing else: GET and HEAD of image objects (by extension), as a marketplace
fetching a photo's URL would.

Fault injection for the tests (never signed): POST /__karat/fault with JSON
{"method": "PUT", "key": "substring", "status": 503, "code": "SlowDown",
"count": 2, "hang": 0, "reset": false} fails the next `count` matching
requests (hang = seconds to stall before answering, reset = drop the
connection); GET /__karat/stats answers the requests seen per method and
the Content-Type of each PUT key; POST /__karat/reset clears both.
{"after": seconds} instead of a status forwards the request first and
stalls before passing s3rver's answer on (the object is stored, the client
still waits: a client killed meanwhile leaves an object it never saw
stored); the stats count each such stall under "stalled".

Usage: sigv4_proxy.py --dir DIR --access-key AK --secret SK --bucket B... [--port N]
Prints "PORT <n>" on stdout when ready; exits when its parent does.
With --standalone (deploy/s3-local, a server to try server mode on one
machine) the /__karat/ hooks are off and it runs until stopped.
"""
import argparse
import hashlib
import http.client
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
AUTH_RE = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request,"
                     r"\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$")

state = {"faults": [], "stats": {}, "types": {}}
PUBLIC_EXT = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".heic", ".heif", ".tif", ".tiff")


def public_read(method, path):
    """What the documented bucket policy lets anyone do: read an image."""
    key = urllib.parse.unquote(path.split("?")[0]).lower()
    return method in ("GET", "HEAD") and "?" not in path and key.count("/") >= 2 and \
        key.endswith(PUBLIC_EXT)
lock = threading.Lock()


def s3_error(code, msg):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            "<Message>%s</Message></Error>" % (code, msg)).encode()


def expected_signature(handler, body, scope_region, signed, secret, access):
    """botocore's signature of the request as received."""
    host = handler.headers.get("Host", "")
    url = "http://%s%s" % (host, handler.path)
    hdrs = {}
    for name in signed.split(";"):
        if name != "host":
            hdrs[name] = handler.headers.get(name, "")
    req = AWSRequest(method=handler.command, url=url, headers=hdrs, data=body)
    auth = S3SigV4Auth(Credentials(access, secret), "s3", scope_region)
    req.context["timestamp"] = handler.headers.get("x-amz-date", "")
    canonical = auth.canonical_request(req)
    return auth.signature(auth.string_to_sign(req, canonical), req)


def take_fault(method, path):
    with lock:
        for f in state["faults"]:
            if f["count"] > 0 and f.get("method", method) == method and \
                    f.get("key", "") in urllib.parse.unquote(path):
                f["count"] -= 1
                return dict(f)
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: without TCP_NODELAY a
    # kept-alive connection waits on the client's delayed ACK (~40 ms) per reply
    disable_nagle_algorithm = True
    upstream = None
    secret = access = None
    hooks = True

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="application/xml", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self, body):
        if self.path == "/__karat/fault":
            f = json.loads(body or b"{}")
            f.setdefault("count", 1)
            with lock:
                state["faults"].append(f)
        elif self.path == "/__karat/reset":
            with lock:
                state["faults"], state["stats"], state["types"] = [], {}, {}
        out = json.dumps({"stats": state["stats"], "types": state["types"]}).encode()
        self.reply(200, out, "application/json")

    def check(self, body):
        """None if the request is properly signed, else (status, code)."""
        m = AUTH_RE.match(self.headers.get("Authorization", ""))
        if not m:
            return 403, "AccessDenied"
        access, _day, region, signed, sig = m.groups()
        if access != self.access:
            return 403, "InvalidAccessKeyId"
        claimed = self.headers.get("x-amz-content-sha256", "")
        if claimed != "UNSIGNED-PAYLOAD" and claimed != hashlib.sha256(body).hexdigest():
            return 400, "XAmzContentSHA256Mismatch"
        if "x-amz-content-sha256" not in signed.split(";"):
            return 403, "SignatureDoesNotMatch"
        want = expected_signature(self, body, region, signed, self.secret, self.access)
        return None if want == sig else (403, "SignatureDoesNotMatch")

    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if self.path.startswith("/__karat/") and self.hooks:
            return self.control(body)
        with lock:
            state["stats"][self.command] = state["stats"].get(self.command, 0) + 1
        anonymous = "Authorization" not in self.headers and public_read(self.command, self.path)
        bad = None if anonymous else self.check(body)
        if bad:
            return self.reply(bad[0], s3_error(bad[1], "refused by the verifying proxy"))
        fault = take_fault(self.command, self.path)
        if fault:
            if fault.get("after"):
                return self.forward(body, float(fault["after"]))
            if fault.get("hang"):
                time.sleep(float(fault["hang"]))
            if fault.get("reset"):
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            if not fault.get("status"):
                return self.forward(body)  # a stall only
            return self.reply(int(fault.get("status", 500)),
                              s3_error(fault.get("code", "InternalError"), "injected"))
        if (self.command == "PUT" and "partNumber=" not in self.path) or \
                (self.command == "POST" and "?uploads" in self.path):
            with lock:
                key = urllib.parse.unquote(self.path.split("?")[0])
                state["types"][key] = self.headers.get("Content-Type", "")
        return self.forward(body)

    def forward(self, body, stall=0.0):
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=120)
        hdrs = {k: v for k, v in self.headers.items()
                if k.lower() not in ("connection", "expect", "transfer-encoding")}
        if "Authorization" in hdrs:
            # s3rver knows one key pair (S3RVER); the signature was checked here
            hdrs["Authorization"] = hdrs["Authorization"].replace(
                "Credential=%s/" % self.access, "Credential=S3RVER/", 1)
        conn.request(self.command, self.path, body=body if body else None, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        if stall:
            with lock:
                state["stats"]["stalled"] = state["stats"].get("stalled", 0) + 1
            time.sleep(stall)
            try:  # the client may have died meanwhile (what such a test is after)
                return self.answer(resp, data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
                return None
            finally:
                conn.close()
        return self.answer(resp, data, conn)

    def answer(self, resp, data, conn=None):
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "content-length", "date",
                                 "server", "keep-alive"):
                self.send_header(k, v)
        length = resp.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if conn:
            conn.close()
        return None

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_one


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_s3rver(args):
    port = free_port()
    cmd = ["node", os.path.join(HERE, "node_modules", "s3rver", "bin", "s3rver.js"),
           "-d", args.dir, "-a", "127.0.0.1", "-p", str(port), "--silent"]
    for b in args.bucket:
        cmd += ["--configure-bucket", b]
    env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
    child = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        if child.poll() is not None:
            sys.exit("s3rver exited with %s" % child.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return child, port
        except OSError:
            time.sleep(0.1)
    child.kill()
    sys.exit("s3rver did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--access-key", default="S3RVER")
    ap.add_argument("--secret", default="S3RVER")
    ap.add_argument("--bucket", action="append", default=[])
    ap.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0: any free)")
    ap.add_argument("--standalone", action="store_true",
                    help="deploy/s3-local: no test hooks, keep running when the parent exits")
    args = ap.parse_args()
    parent = os.getppid()
    child, port = start_s3rver(args)
    Handler.upstream, Handler.secret, Handler.access = port, args.secret, args.access_key
    Handler.hooks = not args.standalone
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def stop(*_):
        child.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watchdog():
        while (args.standalone or os.getppid() == parent) and child.poll() is None:
            time.sleep(0.5)
        stop()

    threading.Thread(target=watchdog, daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
