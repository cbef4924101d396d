"""What several browser journeys share: the demo practice on its Friday, and a stand-in for
the practice's neutral site."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.services.demo import build_demo
from tests.e2e.story import DEMO_NOW

WEATHER = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Weather</title></head><body><h1>Weather today</h1><p>Sunny spells.</p></body></html>"""


class _Weather(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(WEATHER)))
        self.end_headers()
        self.wfile.write(WEATHER)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def neutral_site() -> Iterator[str]:
    """A stand-in for the practice's weather site, on another origin than the app."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Weather)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/weather"
    server.shutdown()
    server.server_close()


@pytest.fixture
def demo(db, clock):
    """The demo practice as `make run` loads it, on the Friday its story is told."""
    clock.set(DEMO_NOW)
    build_demo()
    db.session.commit()
