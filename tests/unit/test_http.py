"""HttpClient against a real local HTTP server (stdlib ThreadingHTTPServer on 127.0.0.1).

Nothing here mocks the client: every request goes over a socket to a server whose answers each
test scripts. Sleeps are recorded instead of slept (`sleep=`), so backoff and Retry-After are
asserted exactly and the file runs in a couple of seconds.
"""

from __future__ import annotations

import email.utils
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from atlas_ingest import http
from atlas_ingest.http import (
    HttpClient,
    ResponseTooLarge,
    RobotsDisallowed,
    SnapshotMissing,
    UpstreamError,
    UpstreamUnavailable,
)


# --------------------------------------------------------------------------------- test server
@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes


Action = Callable[["_Handler", Seen], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()}, body)
        action = self.server.next_action(seen)
        self.server.seen.append(seen)
        try:
            action(self, seen)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_HEAD = _handle

    # helpers used by the actions
    def send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        for k, v in headers.items():
            self.send_header(k, v)
        if "Content-Length" not in headers and status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, list[Action]] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:  # a client that hung up is expected
        pass

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def route(self, path: str, *actions: Action) -> str:
        """Answer `path` with each action in turn; the last one repeats."""
        self.routes[path] = list(actions)
        return self.base + path

    def next_action(self, seen: Seen) -> Action:
        with self._lock:
            script = self.routes.get(seen.path)
            if not script:
                return reply(404, b'{"error": "no such route"}')
            return script.pop(0) if len(script) > 1 else script[0]

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def reply(status: int, body: bytes | str = b"", headers: dict[str, str] | None = None) -> Action:
    data = body.encode() if isinstance(body, str) else body
    return lambda h, seen: h.send(status, data, headers)


def echo_body() -> Action:
    """200 whose body is the request body (so replay can be told apart per POST body)."""
    return lambda h, seen: h.send(200, seen.body or b"{}")


def slow(seconds: float) -> Action:
    def act(h: _Handler, seen: Seen) -> None:
        time.sleep(seconds)
        h.send(200, b'{"late": true}')
    return act


def chunked(chunk: bytes, count: int) -> Action:
    """A streamed body with `Transfer-Encoding: chunked` and no Content-Length."""
    def act(h: _Handler, seen: Seen) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(count):
            h.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")
    return act


def declares(length: int, sent: bytes) -> Action:
    """Declare `length` bytes in Content-Length, send `sent`, then hang up."""
    def act(h: _Handler, seen: Seen) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Content-Length", str(length))
        h.end_headers()
        h.wfile.write(sent)
        h.wfile.flush()
        h.close_connection = True
    return act


@pytest.fixture
def server():
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture(autouse=True)
def fresh_limiters(monkeypatch):
    """The per-host limiter registry is module-global; every test starts with an empty one."""
    monkeypatch.setattr(http, "_LIMITERS", {})


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client(sleeps: Sleeps, **kw) -> HttpClient:
    defaults = dict(source_id="test-src", mode="live", connect_timeout=1.0, read_timeout=1.0,
                    max_retries=2, backoff_base=0.5, jitter=False, min_interval=0, sleep=sleeps)
    defaults.update(kw)
    return HttpClient(**defaults)


# --------------------------------------------------------------------------------- retries
def test_429_with_retry_after_seconds_then_200_sleeps_the_retry_after(server, sleeps):
    url = server.route("/data", reply(429, "slow down", {"Retry-After": "7"}), reply(200, '{"ok": 1}'))
    resp = client(sleeps).get(url)
    assert resp.status == 200
    assert resp.json() == {"ok": 1}
    assert resp.attempts == 2
    assert sleeps == [7.0]
    assert len(server.hits("/data")) == 2


def test_500_then_200_backs_off_exponentially(server, sleeps):
    url = server.route("/data", reply(500), reply(502), reply(200, b"[]"))
    c = client(sleeps, max_retries=3, backoff_base=0.5)
    resp = c.get(url)
    assert resp.status == 200 and resp.attempts == 3
    assert sleeps == [0.5, 1.0]  # base * 2**attempt, no jitter
    assert c.stats["retries"] == 2 and c.stats["requests"] == 3


def test_503_with_retry_after_as_http_date(server, sleeps):
    when = email.utils.formatdate(time.time() + 4, usegmt=True)
    url = server.route("/data", reply(503, headers={"Retry-After": when}), reply(200, b"{}"))
    resp = client(sleeps).get(url)
    assert resp.status == 200
    assert len(sleeps) == 1
    # the date has one-second resolution and some wall time passes before the client reads it
    assert 2.0 < sleeps[0] <= 4.0


def test_retry_after_beyond_the_ceiling_fails_at_once(server, sleeps):
    url = server.route("/data", reply(503, headers={"Retry-After": "3600"}), reply(200, b"{}"))
    with pytest.raises(UpstreamError) as err:
        client(sleeps, max_retry_after=60).get(url)
    assert err.value.status == 503
    assert "Retry-After 3600s" in str(err.value)
    assert sleeps == [] and len(server.hits("/data")) == 1


def test_persistent_5xx_gives_up_after_max_retries(server, sleeps):
    url = server.route("/data", reply(503))
    with pytest.raises(UpstreamUnavailable) as err:
        client(sleeps, max_retries=2).get(url)
    assert len(server.hits("/data")) == 3
    assert "failed after 3 attempts: HTTP 503" in str(err.value)
    assert err.value.status == 503
    assert sleeps == [0.5, 1.0]


def test_read_timeout_is_retried_then_upstream_unavailable(server, sleeps):
    url = server.route("/slow", slow(0.6))
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as err:
        client(sleeps, read_timeout=0.2, max_retries=1).get(url)
    assert time.monotonic() - started < 2.0
    assert len(server.hits("/slow")) == 2
    assert "Timeout" in str(err.value) or "timed out" in str(err.value)
    assert err.value.url == url
    assert sleeps == [0.5]


def test_connection_refused_is_upstream_unavailable(sleeps):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UpstreamUnavailable) as err:
        client(sleeps, max_retries=1).get(f"http://127.0.0.1:{port}/x")
    assert f"GET http://127.0.0.1:{port}/x" in str(err.value)
    assert err.value.status is None
    assert sleeps == [0.5]


def test_body_cut_short_is_retried(server, sleeps):
    url = server.route("/cut", declares(1000, b"x" * 10), reply(200, b'{"whole": true}'))
    resp = client(sleeps).get(url)
    assert resp.json() == {"whole": True}
    assert len(server.hits("/cut")) == 2


def test_404_is_an_upstream_error_naming_the_url(server, sleeps):
    url = server.route("/missing", reply(404, "no such table"))
    with pytest.raises(UpstreamError) as err:
        client(sleeps).get(url, params={"lang": "no"})
    assert err.value.status == 404
    assert f"GET {url}?lang=no" in str(err.value)
    assert "no such table" in str(err.value)
    assert err.value.url == f"{url}?lang=no"
    assert len(server.hits("/missing")) == 1 and sleeps == []  # 404 is not retried


# --------------------------------------------------------------------------------- size cap
def test_declared_content_length_over_cap(server, sleeps):
    url = server.route("/big", reply(200, b"y" * 5000))
    with pytest.raises(ResponseTooLarge) as err:
        client(sleeps, max_bytes=1000).get(url)
    assert "declares 5,000 bytes" in str(err.value)
    assert len(server.hits("/big")) == 1  # not retried


def test_streamed_body_without_content_length_over_cap(server, sleeps):
    url = server.route("/stream", chunked(b"z" * 4096, 64))  # 256 KiB, chunked
    with pytest.raises(ResponseTooLarge) as err:
        client(sleeps, max_bytes=100_000).get(url)
    assert "more than the 100,000-byte cap" in str(err.value)
    assert server.hits("/stream")[0].method == "GET"


def test_body_exactly_at_the_cap_is_accepted(server, sleeps):
    url = server.route("/exact", chunked(b"a" * 100, 10))
    assert client(sleeps, max_bytes=1000).get(url).body == b"a" * 1000


# --------------------------------------------------------------------------------- headers
def test_user_agent_is_atlas(server, sleeps):
    url = server.route("/ua", reply(200, b"{}"))
    client(sleeps).get(url)
    ua = server.hits("/ua")[0].headers["user-agent"]
    assert ua.startswith("Atlas/0.1 (+")


def test_conditional_get_sends_if_none_match_and_gets_304(server, sleeps):
    def conditional(h: _Handler, seen: Seen) -> None:
        if seen.headers.get("if-none-match") == '"v7"':
            h.send(304, headers={"ETag": '"v7"'})
        else:
            h.send(200, b'{"v": 7}', {"ETag": '"v7"', "Last-Modified": "Wed, 01 May 2024 10:00:00 GMT"})

    url = server.route("/cond", conditional)
    c = client(sleeps)
    first = c.get(url)
    assert first.status == 200 and first.etag == '"v7"'
    assert "if-none-match" not in server.hits("/cond")[0].headers

    second = c.get(url, etag=first.etag, last_modified=first.last_modified)
    sent = server.hits("/cond")[1].headers
    assert sent["if-none-match"] == '"v7"'
    assert sent["if-modified-since"] == "Wed, 01 May 2024 10:00:00 GMT"
    assert second.status == 304 and second.not_modified and second.body == b""


def test_ratelimit_remaining_zero_makes_the_next_request_wait(server, sleeps):
    url = server.route("/rl", reply(200, b"{}", {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2"}),
                       reply(200, b"{}"))
    c = client(sleeps)
    c.get(url)
    assert sleeps == []
    c.get(url)
    assert len(sleeps) == 1 and 1.5 < sleeps[0] <= 2.0


def test_ratelimit_reset_as_epoch(server, sleeps):
    reset = str(int(time.time()) + 3)
    url = server.route("/rl", reply(200, b"{}", {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}),
                       reply(200, b"{}"))
    c = client(sleeps)
    c.get(url)
    c.get(url)
    assert len(sleeps) == 1 and 1.0 < sleeps[0] <= 3.0


def test_host_min_interval_paces_requests(server, sleeps):
    url = server.route("/p", reply(200, b"{}"))
    c = client(sleeps, min_interval=5.0)
    c.get(url)
    c.get(url)
    assert len(sleeps) == 1 and 4.5 < sleeps[0] <= 5.0


# --------------------------------------------------------------------------------- robots.txt
def test_robots_disallow_stops_the_request(server, sleeps):
    server.route("/robots.txt", reply(200, "User-agent: *\nDisallow: /private\n", {"Content-Type": "text/plain"}))
    ok = server.route("/public/page", reply(200, b"{}"))
    private = server.route("/private/page", reply(200, b"{}"))
    c = client(sleeps, respect_robots=True)
    assert c.get(ok).status == 200
    with pytest.raises(RobotsDisallowed) as err:
        c.get(private)
    assert "robots.txt" in str(err.value) and private in str(err.value)
    assert server.hits("/private/page") == []
    assert len(server.hits("/robots.txt")) == 1  # parsed once per host


def test_robots_rules_for_the_atlas_agent(server, sleeps):
    server.route("/robots.txt", reply(200, "User-agent: Atlas\nDisallow: /no-atlas\n\nUser-agent: *\nDisallow:\n",
                                      {"Content-Type": "text/plain"}))
    url = server.route("/no-atlas/x", reply(200, b"{}"))
    with pytest.raises(RobotsDisallowed):
        client(sleeps, respect_robots=True).get(url)


def test_robots_404_allows_everything(server, sleeps):
    url = server.route("/anything", reply(200, b'{"ok": true}'))  # /robots.txt has no route: 404
    assert client(sleeps, respect_robots=True).get(url).json() == {"ok": True}
    assert len(server.hits("/robots.txt")) == 1


# --------------------------------------------------------------------------------- record / replay
def test_record_writes_index_and_body_and_replay_answers_without_the_server(server, sleeps, tmp_path):
    url = server.route("/tables/07459/metadata", reply(200, '{"updated": "2024-02-21"}', {"ETag": '"m1"'}))
    snaps = tmp_path / "snapshots"
    recorded = client(sleeps, mode="record", snapshot_dir=snaps).get(url, params=[("lang", "no")])
    assert recorded.json() == {"updated": "2024-02-21"}

    index = json.loads((snaps / "index.json").read_text())
    assert len(index["entries"]) == 1
    entry = index["entries"][0]
    assert entry["request"] == {"method": "GET", "url": url, "params": [["lang", "no"]]}
    assert entry["status"] == 200
    assert entry["headers"]["etag"] == '"m1"'
    assert entry["file"].startswith("tables-07459-metadata-") and entry["file"].endswith(".json")
    assert (snaps / entry["file"]).read_bytes() == b'{"updated": "2024-02-21"}'

    hits = len(server.seen)
    replayed = client(sleeps, mode="replay", snapshot_dir=snaps).get(url, params={"lang": "no"})
    assert replayed.from_snapshot
    assert replayed.body == recorded.body
    assert replayed.etag == '"m1"'
    assert len(server.seen) == hits  # the server was not asked


def test_replay_works_with_the_server_gone(tmp_path, sleeps):
    with _Server() as srv:
        t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        t.start()
        url = srv.route("/x", reply(200, b'{"n": 1}'))
        client(sleeps, mode="record", snapshot_dir=tmp_path).get(url)
        srv.shutdown()
    assert client(sleeps, mode="replay", snapshot_dir=tmp_path).get(url).json() == {"n": 1}


def test_replay_of_an_unrecorded_request_names_method_and_url(tmp_path, sleeps):
    c = client(sleeps, mode="replay", snapshot_dir=tmp_path)
    with pytest.raises(SnapshotMissing) as err:
        c.get("https://data.ssb.no/api/pxwebapi/v2/tables/99999/metadata", params={"lang": "no"})
    msg = str(err.value)
    assert "GET https://data.ssb.no/api/pxwebapi/v2/tables/99999/metadata?lang=no" in msg
    assert "test-src" in msg and str(tmp_path) in msg
    assert err.value.url == "https://data.ssb.no/api/pxwebapi/v2/tables/99999/metadata?lang=no"


def test_post_body_is_part_of_the_snapshot_key(server, sleeps, tmp_path):
    url = server.route("/tables/07459/data", echo_body())
    rec = client(sleeps, mode="record", snapshot_dir=tmp_path)
    body_a = {"selection": [{"variableCode": "Region", "valueCodes": ["0301"]}]}
    body_b = {"selection": [{"variableCode": "Region", "valueCodes": ["4601"]}]}
    rec.post(url, json_body=body_a, params={"lang": "no"})
    rec.post(url, json_body=body_b, params={"lang": "no"})

    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index["entries"]) == 2
    assert {json.dumps(e["request"]["json"], sort_keys=True) for e in index["entries"]} == {
        json.dumps(body_a, sort_keys=True), json.dumps(body_b, sort_keys=True)}
    assert len({e["file"] for e in index["entries"]}) == 2

    rep = client(sleeps, mode="replay", snapshot_dir=tmp_path)
    assert rep.post(url, json_body=body_a, params={"lang": "no"}).json() == body_a
    assert rep.post(url, json_body=body_b, params={"lang": "no"}).json() == body_b
    with pytest.raises(SnapshotMissing) as err:
        rep.post(url, json_body={"selection": []}, params={"lang": "no"})
    assert f"POST {url}?lang=no" in str(err.value) and '"selection": []' in str(err.value)
    with pytest.raises(SnapshotMissing):  # same URL and params as GET is another request
        rep.get(url, params={"lang": "no"})


def test_snapshot_key_ignores_param_order_and_json_key_order(server, sleeps, tmp_path):
    url = server.route("/q", echo_body())
    client(sleeps, mode="record", snapshot_dir=tmp_path).post(
        url, json_body={"a": 1, "b": [1, 2]}, params=[("x", "1"), ("y", "2")])
    rep = client(sleeps, mode="replay", snapshot_dir=tmp_path)
    assert rep.post(url, json_body={"b": [1, 2], "a": 1}, params=[("y", "2"), ("x", "1")]).json() == {
        "a": 1, "b": [1, 2]}
    with pytest.raises(SnapshotMissing):  # list order is content, not layout
        rep.post(url, json_body={"a": 1, "b": [2, 1]}, params=[("x", "1"), ("y", "2")])


def test_record_does_not_store_errors_or_replace_a_snapshot_with_304(server, sleeps, tmp_path):
    def conditional(h: _Handler, seen: Seen) -> None:
        if seen.headers.get("if-none-match") == '"e1"':
            h.send(304, headers={"ETag": '"e1"'})
        else:
            h.send(200, b'{"full": true}', {"ETag": '"e1"'})

    url = server.route("/m", conditional)
    missing = server.route("/gone", reply(404, "gone"))
    rec = client(sleeps, mode="record", snapshot_dir=tmp_path)
    first = rec.get(url)
    assert rec.get(url, etag=first.etag).not_modified
    with pytest.raises(UpstreamError):
        rec.get(missing)

    index = json.loads((tmp_path / "index.json").read_text())
    assert [e["request"]["url"] for e in index["entries"]] == [url]
    assert index["entries"][0]["status"] == 200
    replayed = client(sleeps, mode="replay", snapshot_dir=tmp_path).get(url, etag='"e1"')
    assert replayed.status == 200 and replayed.json() == {"full": True}


def test_replay_of_a_recorded_error_status_raises(tmp_path, sleeps):
    (tmp_path / "err.json").write_text('{"error": "x"}')
    (tmp_path / "index.json").write_text(json.dumps({"version": 1, "entries": [{
        "request": {"method": "GET", "url": "https://example.org/e", "params": []},
        "file": "err.json", "status": 503, "headers": {}}]}))
    with pytest.raises(UpstreamError) as err:
        client(sleeps, mode="replay", snapshot_dir=tmp_path).get("https://example.org/e")
    assert err.value.status == 503 and "GET https://example.org/e" in str(err.value)


def test_robots_in_replay_comes_from_the_snapshots(tmp_path, sleeps):
    (tmp_path / "robots.txt").write_text("User-agent: *\nDisallow: /admin\n")
    (tmp_path / "page.html").write_text("<p>hi</p>")
    (tmp_path / "index.json").write_text(json.dumps({"version": 1, "entries": [
        {"request": {"method": "GET", "url": "https://example.org/robots.txt", "params": []},
         "file": "robots.txt", "status": 200, "headers": {"content-type": "text/plain"}},
        {"request": {"method": "GET", "url": "https://example.org/page", "params": []},
         "file": "page.html", "status": 200, "headers": {"content-type": "text/html; charset=utf-8"}},
    ]}))
    c = client(sleeps, mode="replay", snapshot_dir=tmp_path, respect_robots=True)
    assert c.get("https://example.org/page").text == "<p>hi</p>"
    with pytest.raises(RobotsDisallowed):
        c.get("https://example.org/admin/x")


def test_mode_validation(tmp_path):
    with pytest.raises(ValueError, match="unknown HTTP mode"):
        HttpClient(mode="offline")
    with pytest.raises(ValueError, match="needs a snapshot_dir"):
        HttpClient(mode="replay")
    assert HttpClient(mode="replay", snapshot_dir=Path(tmp_path)).mode == "replay"


def test_retry_after_parsing():
    now = 1_700_000_000.0
    assert http._retry_after_seconds("120") == 120.0
    assert http._retry_after_seconds(None) is None
    assert http._retry_after_seconds("soon") is None
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert http._retry_after_seconds(date, now=lambda: now) == pytest.approx(30.0)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert http._retry_after_seconds(past, now=lambda: now) == 0.0
