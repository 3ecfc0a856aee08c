"""A fault-injecting HTTP(S) server for the fetcher tests (Python stdlib only).

URLs have the form  /<case>/<modes>/<name>  where <name> is one of the files
given to the server and <modes> a comma-separated list of behaviours:

  ok          serve the file (Last-Modified from the table, if any)
  e500xN      the first N requests for this exact path answer HTTP 500
  e429xN      the first N requests answer HTTP 429 with Retry-After: 1
  e503wait    every request answers HTTP 503 with Retry-After: 86400
  etag        send an ETag and answer 304 to a matching If-None-Match
  ims         answer 304 to an If-Modified-Since equal to our Last-Modified
  always304   answer 304 to every request, conditional or not (a broken cache)
  trickle     announce the full length, then send one byte every 0.3 s
  trunc       announce the full Content-Length, send half, close
  gzip        Content-Encoding: gzip when the client accepts it
  redirN      302 to the same URL with redir(N-1); redir0 serves
  tohttp      302 to http://127.0.0.1:<plain port>/<case>/ok/<name>
  html        an HTML error page with status 200
  empty       200 with an empty body
  dropP       drop P% of the list's entries (UN XML: INDIVIDUAL/ENTITY elements;
              CSV: data lines after the first)
  regen       replace the UN dateGenerated / EU generationDate value with the current time
  redate      replace the UK "Report Date:" line with today's date

Every request is logged (path + headers) in server.log for assertions.
"""
import csv
import gzip
import io
import hashlib
import http.server
import re
import socket
import ssl
import threading
import time


def drop_entries(name, body, pct):
    if name.endswith(".xml"):
        text = body.decode("utf-8")
        blocks = list(re.finditer(r"<(INDIVIDUAL|ENTITY)>.*?</\1>\s*", text, re.S))
        n = len(blocks)
        k = int(n * pct / 100.0 + 0.999)
        drop = set(range(0, n, max(1, n // k))[:k]) if k else set()
        out, last = [], 0
        for i, m in enumerate(blocks):
            if i in drop:
                out.append(text[last:m.start()])
                last = m.end()
        out.append(text[last:])
        return "".join(out).encode("utf-8")
    # CSV with a header row; quoted fields may hold newlines (CSL), so a real CSV reader
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    head, rest = rows[:1], rows[1:]
    n = len(rest)
    k = int(n * pct / 100.0 + 0.999)
    step = max(1, n // k) if k else n + 1
    kept = [r for i, r in enumerate(rest) if not (k and i % step == 0 and i // step < k)]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(head + kept)
    return out.getvalue().encode("utf-8")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_GET(self):
        srv = self.server.owner
        with srv.lock:
            srv.log.append((self.path, dict(self.headers.items())))
            srv.counts[self.path] = srv.counts.get(self.path, 0) + 1
            count = srv.counts[self.path]
        parts = self.path.split("/")
        if len(parts) != 4:
            return self._send(404, b"not found\n")
        _, case, modes, name = parts
        modes = modes.split(",")
        if name not in srv.files:
            return self._send(404, b"no such file\n")
        body = srv.files[name]
        lm = srv.last_modified.get(name)
        headers = {}
        for m in modes:
            if m.startswith("e500x") and count <= int(m[5:]):
                return self._send(500, b"<html><body>Internal Server Error</body></html>\n",
                                  ctype="text/html")
            if m.startswith("e429x") and count <= int(m[5:]):
                return self._send(429, b"Too Many Requests\n", ctype="text/plain", headers={"Retry-After": "1"})
            if m == "e503wait":
                return self._send(503, b"Service Unavailable\n", ctype="text/plain",
                                  headers={"Retry-After": "86400"})
            if m.startswith("redir"):
                n = int(m[5:])
                if n > 0:
                    nm = ",".join(x if x != m else "redir%d" % (n - 1) for x in modes)
                    return self._redirect("/%s/%s/%s" % (case, nm, name))
            if m == "tohttp":
                return self._redirect("http://127.0.0.1:%d/%s/ok/%s" % (srv.plain_port, case, name))
            if m == "html":
                return self._send(200, b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title>"
                                  b"</head><body><h1>Sorry</h1></body></html>\n", ctype="text/html")
            if m == "empty":
                body = b""
            if m.startswith("drop"):
                body = drop_entries(name, body, float(m[4:]))
            if m == "regen":
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()).encode()
                body = re.sub(rb'(dateGenerated|generationDate)="[^"]*"', rb'\1="' + stamp + b'"', body, 1)
            if m == "redate":
                day = time.strftime("%d-%b-%Y", time.gmtime()).encode()
                body = re.sub(rb"^(\xef\xbb\xbf)?Report Date: [^\r\n]*", rb"\1Report Date: " + day, body, 1)
        if lm:
            headers["Last-Modified"] = lm
        if "always304" in modes:
            return self._send(304, b"", headers=headers)
        if "etag" in modes:
            tag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
            headers["ETag"] = tag
            if self.headers.get("If-None-Match") == tag:
                return self._send(304, b"", headers=headers)
        if "ims" in modes and lm and self.headers.get("If-Modified-Since") == lm:
            return self._send(304, b"", headers=headers)
        if "gzip" in modes and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if "trickle" in modes:
            return self._trickle(body, headers)
        if "trunc" in modes:
            return self._send(200, body[: len(body) // 2], headers=headers, length=len(body), close=True)
        return self._send(200, body, headers=headers)

    def _redirect(self, loc):
        self._send(302, b"", headers={"Location": loc})

    def _send(self, status, body, ctype="application/octet-stream", headers=None, length=None, close=False):
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(body) if length is None else length))
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            if status != 304:
                self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass
        if close:
            self.close_connection = True

    def _trickle(self, body, headers):
        try:
            self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(len(body)):
                if self.server.owner.stopping:
                    break
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(0.3)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            pass
        self.close_connection = True


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # clients that give up (timeouts, size limits, TLS refusal) are expected here
        pass


class FaultServer:
    """Serves files (name -> bytes) on 127.0.0.1:<random port>, optionally over TLS."""

    def __init__(self, files, last_modified=None, certfile=None, keyfile=None, plain_port=0):
        self.files = files
        self.last_modified = last_modified or {}
        self.log = []
        self.counts = {}
        self.lock = threading.Lock()
        self.stopping = False
        self.plain_port = plain_port
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self
        self.scheme = "http"
        if certfile:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certfile, keyfile)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stopping = True
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, case, modes, name):
        return "%s://127.0.0.1:%d/%s/%s/%s" % (self.scheme, self.port, case, modes, name)

    def requests_for(self, case):
        with self.lock:
            return [(p, h) for p, h in self.log if p.split("/")[1:2] == [case]]


def closed_port():
    """A port on 127.0.0.1 where nothing listens (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
