#!/usr/bin/env python3
"""upload.py - the HTTP client of bench/server.sh (standard library only).

  upload.py send URLS LIST CONNS
      POST every file named in LIST (one path a line) once to
      /image_similarity_search, CONNS at a time, file i to the i-th of the
      comma-separated base URLS (round robin: with two nodes each gets half);
      each connection is kept alive. Prints one line:
      "send: files=N seconds=T rate=R/s stored=S duplicate=D errors=E
       p50_ms=.. p99_ms=.. mean_bytes=.."

  upload.py visible URL_A URL_B LIST
      For each file of LIST (all distinct photos): store it through node A
      (its reply must say stored), then ask node B with POST /image-search
      (top_k 1, nothing stored) until B's best hit is the id A stored, and
      record the time from A's reply to B's first such answer. Prints the
      samples' p50/p90/p99/max. A photo B does not find within 30 s counts
      as missed.
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse

BOUNDARY = "karat-bench-5f1e2d"


def body_of(path):
    with open(path, "rb") as f:
        data = f.read()
    name = path.rsplit("/", 1)[-1]
    head = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n" % (BOUNDARY, name)).encode()
    return head + data + ("\r\n--%s--\r\n" % BOUNDARY).encode(), len(data)


class Client:
    """One keep-alive connection to one base URL."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def post(self, path, body):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
            try:
                self.conn.request("POST", path, body, {
                    "Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
                r = self.conn.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        return 0, b""


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else float("nan")


def send(urls, files, conns):
    bodies = [body_of(f) for f in files]
    lock = threading.Lock()
    state = {"next": 0, "stored": 0, "dup": 0, "err": 0}
    lat = []

    def worker():
        clients = {u: Client(u) for u in urls}
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(bodies):
                return
            url = urls[i % len(urls)]
            t0 = time.monotonic()
            try:
                status, reply = clients[url].post("/image_similarity_search", bodies[i][0])
            except (http.client.HTTPException, OSError):
                status, reply = 0, b""
            dt = time.monotonic() - t0
            with lock:
                lat.append(dt * 1000)
                if status != 200:
                    state["err"] += 1
                elif b'"duplicate_found": false' in reply or b'"duplicate_found":false' in reply:
                    state["stored"] += 1
                else:
                    state["dup"] += 1

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    print("send: files=%d seconds=%.2f rate=%.2f/s stored=%d duplicate=%d errors=%d "
          "p50_ms=%.0f p99_ms=%.0f mean_bytes=%d" % (
              len(bodies), secs, len(bodies) / secs, state["stored"], state["dup"],
              state["err"], pct(lat, 50), pct(lat, 99),
              sum(b[1] for b in bodies) // max(1, len(bodies))))
    return 0 if state["err"] == 0 else 1


def visible(url_a, url_b, files):
    a, b = Client(url_a), Client(url_b)
    delays, missed, bad = [], 0, 0
    for f in files:
        body = body_of(f)[0]
        status, reply = a.post("/image_similarity_search", body)
        doc = json.loads(reply) if status == 200 else {}
        if doc.get("duplicate_found") is not False:
            bad += 1
            continue
        want = doc.get("id", doc.get("image_id"))
        t0 = time.monotonic()
        seen = False
        while time.monotonic() - t0 < 30:
            status, reply = b.post("/image-search?top_k=1", body)
            hits = json.loads(reply).get("results", []) if status == 200 else []
            if hits and hits[0].get("id") == want:
                seen = True
                break
        if seen:
            delays.append((time.monotonic() - t0) * 1000)
        else:
            missed += 1
    print("visible: samples=%d missed=%d not_stored_by_A=%d p50_ms=%.1f p90_ms=%.1f "
          "p99_ms=%.1f max_ms=%.1f" % (len(delays), missed, bad, pct(delays, 50),
                                       pct(delays, 90), pct(delays, 99),
                                       max(delays) if delays else float("nan")))
    return 0 if missed == 0 and bad == 0 else 1


def main(argv):
    if len(argv) == 5 and argv[1] == "send":
        files = [l.strip() for l in open(argv[3]) if l.strip()]
        return send(argv[2].split(","), files, int(argv[4]))
    if len(argv) == 5 and argv[1] == "visible":
        files = [l.strip() for l in open(argv[4]) if l.strip()]
        return visible(argv[2], argv[3], files)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
