"""Serving the bundled recorded pages on 127.0.0.1, as each real site would.

Layout: spiders/recorded/<site>/<the site's real path>. A path ending in "/"
serves its index.html; a query string is part of the file name
(`list.php?category=1` → `list.php@category=1`), so listing pages with
parameters can be recorded faithfully. Several roots can be stacked: the first
one holding a file wins (tests overlay a changed page on the bundled ones).
`faults` lets tests answer a path with a status code, a delay or a handler.
"""

from __future__ import annotations

import threading
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


class _Handler(SimpleHTTPRequestHandler):
    roots: list[Path] = []
    faults: dict[str, Callable] = {}

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

    def do_GET(self):
        fault = self.faults.get(urlsplit(self.path).path)
        if fault and fault(self) is not False:
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


class RecordedServer:
    def __init__(self, roots: list[Path] | None = None, faults: dict | None = None):
        handler = type("Handler", (_Handler,), {
            "roots": [Path(r) for r in (roots or [RECORDED])], "faults": dict(faults or {}),
        })
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def root_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, site: str) -> str:
        return f"{self.root_url}/{site}"

    def start(self) -> "RecordedServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serving(roots: list[Path] | None = None, faults: dict | None = None) -> Iterator[RecordedServer]:
    server = RecordedServer(roots, faults).start()
    try:
        yield server
    finally:
        server.stop()
