"""Serving the bundled recorded pages on 127.0.0.1, as each real site would
(or on another local address, e.g. host="::1" for IPv6).

Layout: spiders/recorded/<site>/<the site's real path>. A path ending in "/"
serves its index.html; a query string is part of the file name
(`list.php?category=1` → `list.php@category=1`), so listing pages with
parameters can be recorded faithfully. Several roots can be stacked: the first
one holding a file wins (tests overlay a changed page on the bundled ones).
`faults` lets tests answer a path otherwise: a status code (int), a handler
(called with the request handler; it returns False to let the file be served
after all), or a list of those used one request after another (the last one
repeats; None serves the file). `hang()` and `empty_page()` make the usual
handlers. Every request is recorded in `requests` (path and headers).
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

RECORDED = Path(__file__).resolve().parent.parent / "spiders" / "recorded"

_TYPES = {".html": "text/html", ".php": "text/html", ".txt": "text/plain",
          ".xml": "application/xml", ".json": "application/json"}


def recorded_root() -> Path:
    return RECORDED


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]


def hang(seconds: float = 30.0) -> Callable:
    """A handler that answers nothing for `seconds` (or until the server stops)."""
    def handler(request) -> bool:
        request.server.stopping.wait(seconds)
        return True  # the client has given up by now: send nothing
    return handler


def empty_page(request) -> bool:
    """200 OK, text/html, no body at all."""
    request.send_response(200)
    request.send_header("Content-Type", "text/html; charset=utf-8")
    request.send_header("Content-Length", "0")
    request.end_headers()
    return True


def _status(request, code: int) -> bool:
    body = f"<html><body><h1>{code}</h1></body></html>".encode()
    request.send_response(code)
    if code == 429:
        request.send_header("Retry-After", "3600")
    request.send_header("Content-Type", "text/html")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
    return True


class _Handler(SimpleHTTPRequestHandler):
    roots: list[Path] = []
    faults: dict[str, object] = {}

    def log_message(self, *args):  # keep test and demo output clean
        pass

    def _file(self) -> Path | None:
        parts = urlsplit(self.path)
        rel = unquote(parts.path).lstrip("/")
        if ".." in Path(rel).parts:
            return None
        names = [rel + "index.html" if rel.endswith("/") or not rel else rel]
        if parts.query:
            names.insert(0, f"{names[0]}@{unquote(parts.query)}")
        for root in self.roots:
            for name in names:
                candidate = root / name
                if candidate.is_dir():
                    candidate = candidate / "index.html"
                if candidate.is_file():
                    return candidate
        return None

    def _fault(self):
        """The fault for this request, consuming one step of a sequence."""
        with self.server.lock:
            self.server.requests.append(SeenRequest(self.command, self.path, dict(self.headers)))
            fault = self.faults.get(urlsplit(self.path).path)
            if isinstance(fault, list):
                fault = fault.pop(0) if len(fault) > 1 else fault[0]
        return fault

    def do_GET(self):
        fault = self._fault()
        if isinstance(fault, int) and _status(self, fault):
            return
        if callable(fault) and fault(self) is not False:
            return
        path = self._file()
        if path is None:
            self.send_error(404, "Not Found")
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", _TYPES.get(path.suffix, "text/html"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET


class _HTTPServer6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class RecordedServer:
    def __init__(self, roots: list[Path] | None = None, faults: dict | None = None,
                 host: str = "127.0.0.1"):
        handler = type("Handler", (_Handler,), {
            "roots": [Path(r) for r in (roots or [RECORDED])],
            "faults": {k: list(v) if isinstance(v, list) else v for k, v in (faults or {}).items()},
        })
        server_class = _HTTPServer6 if ":" in host else ThreadingHTTPServer
        self.httpd = server_class((host, 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.lock = threading.Lock()
        self.httpd.requests = []
        self.httpd.stopping = threading.Event()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def root_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def base_url(self, site: str) -> str:
        return f"{self.root_url}/{site}"

    @property
    def requests(self) -> list[SeenRequest]:
        with self.httpd.lock:
            return list(self.httpd.requests)

    def requests_for(self, path: str) -> list[SeenRequest]:
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def start(self) -> "RecordedServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.stopping.set()  # releases hanging handlers
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serving(roots: list[Path] | None = None, faults: dict | None = None) -> Iterator[RecordedServer]:
    server = RecordedServer(roots, faults).start()
    try:
        yield server
    finally:
        server.stop()
