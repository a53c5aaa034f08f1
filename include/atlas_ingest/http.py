"""One HTTP client for every source: polite, bounded, retrying, and replayable.

* timeouts on connect and read; a response size cap (streamed, so an oversize body is never held);
* retries with exponential backoff and jitter on 429/5xx and connection errors, honouring
  `Retry-After` (seconds or an HTTP date) up to a ceiling;
* a per-host minimum interval shared by every client in the process, tightened further by
  `x-ratelimit-remaining`/`-reset` headers when upstream sends them;
* `User-Agent: Atlas/0.1 (+contact)`, conditional GET (`If-None-Match` / `If-Modified-Since`);
* robots.txt (parsed with protego) for scraped hosts;
* modes: `live` (upstream), `replay` (answer from `include/sources/<id>/snapshots/`, a request
  with no snapshot is an error naming it), `record` (live, and write the snapshot).

Replay goes through the same code path as live from the caller's point of view: the request is
built identically and the snapshot is looked up by that request, so a planner that builds a
different URL than the one recorded fails loudly instead of silently returning nothing.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from atlas_ingest.settings import USER_AGENT, http_mode

log = logging.getLogger("atlas_ingest.http")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

# Minimum seconds between two requests to one host (live and record modes only). SSB publishes
# a limit of 30 queries per minute per IP; scraped sites get one request per second.
HOST_MIN_INTERVAL: dict[str, float] = {
    "data.ssb.no": 2.0,
    "folkehjelp.no": 1.0,
    "www.imdi.no": 1.0,
    "www.nav.no": 1.0,
    "statistikk-data.fhi.no": 1.0,
    # Udir's statistics portal says it is not meant for external use: half a second per request
    "statistikkportalen.udir.no": 0.5,
}
DEFAULT_MIN_INTERVAL = 0.2


class HttpError(RuntimeError):
    """Base class: every message names the method, the URL and the reason."""

    def __init__(self, message: str, *, url: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class UpstreamError(HttpError):
    """Upstream answered with an error status (after retries, for retryable ones)."""


class UpstreamUnavailable(HttpError):
    """Connection errors, timeouts or retryable statuses on every attempt (`status`: the last one)."""


class ResponseTooLarge(HttpError):
    pass


class RobotsDisallowed(HttpError):
    pass


class SnapshotMissing(HttpError):
    pass


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    params: tuple[tuple[str, str], ...] = ()
    json_body: Any = None
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def full_url(self) -> str:
        return f"{self.url}?{urlencode(self.params)}" if self.params else self.url

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc.lower()

    def canonical(self) -> str:
        """Identity of the request for snapshots: method, URL, sorted params, canonical body."""
        params = urlencode(sorted(self.params))
        body = "" if self.json_body is None else json.dumps(self.json_body, sort_keys=True, ensure_ascii=False)
        return f"{self.method.upper()} {self.url}?{params} {body}"

    def describe(self) -> str:
        text = f"{self.method.upper()} {self.full_url}"
        if self.json_body is not None:
            body = json.dumps(self.json_body, ensure_ascii=False)
            text += f" body={body[:300]}{'…' if len(body) > 300 else ''}"
        return text


@dataclass
class HttpResponse:
    request: HttpRequest
    status: int
    headers: dict[str, str]
    body: bytes
    from_snapshot: bool = False
    elapsed: float = 0.0
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def text(self) -> str:
        return self.body.decode(self._charset(), errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            snippet = self.body[:200].decode("utf-8", errors="replace")
            raise UpstreamError(
                f"{self.request.describe()}: response is not JSON ({exc}); starts with {snippet!r}",
                url=self.request.full_url,
                status=self.status,
            ) from None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    def _charset(self) -> str:
        match = re.search(r"charset=([\w-]+)", self.headers.get("content-type", ""))
        return match.group(1) if match else "utf-8"


class HostRateLimiter:
    """Minimum interval between requests to one host, shared by all threads of the process."""

    def __init__(self, min_interval: float, clock: Callable[[], float] = time.monotonic):
        self.min_interval = min_interval
        self._clock = clock
        self._next_allowed = 0.0
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None]) -> None:
        with self._lock:
            now = self._clock()
            delay = self._next_allowed - now
            self._next_allowed = max(now, self._next_allowed) + self.min_interval
        if delay > 0:
            sleep(delay)

    def hold_until(self, seconds_from_now: float) -> None:
        with self._lock:
            self._next_allowed = max(self._next_allowed, self._clock() + seconds_from_now)


_LIMITERS: dict[str, HostRateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(host: str, min_interval: float | None = None) -> HostRateLimiter:
    with _LIMITERS_LOCK:
        if host not in _LIMITERS:
            interval = min_interval if min_interval is not None else HOST_MIN_INTERVAL.get(host, DEFAULT_MIN_INTERVAL)
            _LIMITERS[host] = HostRateLimiter(interval)
        return _LIMITERS[host]


class SnapshotStore:
    """`snapshots/index.json` maps canonical requests to recorded bodies in the same folder."""

    INDEX = "index.json"

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._index: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._index is None:
            path = self.directory / self.INDEX
            entries = json.loads(path.read_text(encoding="utf-8"))["entries"] if path.exists() else []
            self._index = {self._entry_key(e): e for e in entries}
        return self._index

    @staticmethod
    def _entry_key(entry: Mapping[str, Any]) -> str:
        req = entry["request"]
        return HttpRequest(
            method=req["method"],
            url=req["url"],
            params=tuple((k, v) for k, v in req.get("params", [])),
            json_body=req.get("json"),
        ).canonical()

    def lookup(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes] | None:
        entry = self._load().get(request.canonical())
        if entry is None:
            return None
        body = (self.directory / entry["file"]).read_bytes()
        return entry.get("status", 200), {k.lower(): v for k, v in entry.get("headers", {}).items()}, body

    def record(self, request: HttpRequest, status: int, headers: Mapping[str, str], body: bytes) -> str:
        index = self._load()
        slug = re.sub(r"[^a-z0-9]+", "-", urlsplit(request.url).path.lower()).strip("-")[-60:] or "root"
        digest = hashlib.sha256(request.canonical().encode()).hexdigest()[:10]
        ext = _extension(headers.get("content-type", ""))
        filename = f"{slug}-{digest}{ext}"
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / filename).write_bytes(body)
        kept = {k: v for k, v in headers.items() if k.lower() in _RECORDED_HEADERS}
        entry = {
            "request": {
                "method": request.method.upper(),
                "url": request.url,
                "params": [list(p) for p in request.params],
                **({"json": request.json_body} if request.json_body is not None else {}),
            },
            "file": filename,
            "status": status,
            "headers": kept,
        }
        index[request.canonical()] = entry
        self._write(index)
        return filename

    def _write(self, index: dict[str, dict[str, Any]]) -> None:
        entries = sorted(index.values(), key=lambda e: e["file"])
        payload = json.dumps({"version": 1, "entries": entries}, indent=1, ensure_ascii=False, sort_keys=True)
        (self.directory / self.INDEX).write_text(payload + "\n", encoding="utf-8")

    def requests(self) -> Iterable[HttpRequest]:
        for entry in self._load().values():
            req = entry["request"]
            yield HttpRequest(req["method"], req["url"], tuple(tuple(p) for p in req.get("params", [])), req.get("json"))


_RECORDED_HEADERS = {"content-type", "etag", "last-modified", "x-ratelimit-remaining", "x-ratelimit-reset"}


def _extension(content_type: str) -> str:
    # spreadsheetml before xml: the xlsx type is `application/vnd.openxmlformats-…`
    for marker, ext in (("json", ".json"), ("html", ".html"), ("spreadsheetml", ".xlsx"), ("xml", ".xml"),
                        ("csv", ".csv"), ("zip", ".zip"), ("text/plain", ".txt")):
        if marker in content_type:
            return ext
    return ".bin"


def _retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now())


@dataclass
class HttpClient:
    """Build one per source run: `HttpClient(source_id=m.id, snapshot_dir=m.snapshot_dir)`."""

    source_id: str = "adhoc"
    snapshot_dir: Path | None = None
    mode: str | None = None
    user_agent: str = USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 4
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0
    max_bytes: int = 200 * 1024 * 1024
    respect_robots: bool = False
    min_interval: float | None = None
    jitter: bool = True
    sleep: Callable[[float], None] = time.sleep
    stats: dict[str, int] = field(default_factory=lambda: {"requests": 0, "bytes": 0, "retries": 0})

    def __post_init__(self) -> None:
        self.mode = (self.mode or http_mode()).lower()
        if self.mode not in ("live", "replay", "record"):
            raise ValueError(f"unknown HTTP mode {self.mode!r}")
        if self.mode in ("replay", "record") and self.snapshot_dir is None:
            raise ValueError(f"{self.source_id}: mode {self.mode} needs a snapshot_dir")
        self._snapshots = SnapshotStore(self.snapshot_dir) if self.snapshot_dir else None
        self._session = None
        self._robots: dict[str, Any] = {}

    # ---------------------------------------------------------------- public API
    def get(self, url: str, *, params: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
            headers: Mapping[str, str] | None = None, etag: str | None = None,
            last_modified: str | None = None) -> HttpResponse:
        return self.request("GET", url, params=params, headers=headers, etag=etag, last_modified=last_modified)

    def post(self, url: str, *, json_body: Any, params: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
             headers: Mapping[str, str] | None = None) -> HttpResponse:
        return self.request("POST", url, params=params, json_body=json_body, headers=headers)

    def request(self, method: str, url: str, *, params=None, json_body: Any = None,
                headers: Mapping[str, str] | None = None, etag: str | None = None,
                last_modified: str | None = None) -> HttpResponse:
        items = tuple(params.items()) if isinstance(params, Mapping) else tuple(params or ())
        req = HttpRequest(method.upper(), url, tuple((str(k), str(v)) for k, v in items), json_body,
                          tuple(sorted((headers or {}).items())))
        if self.respect_robots:
            self._check_robots(req)
        if self.mode == "replay":
            return self._replay(req)
        conditional = {}
        if etag:
            conditional["If-None-Match"] = etag
        if last_modified:
            conditional["If-Modified-Since"] = last_modified
        response = self._live(req, conditional)
        # A 304 has no body: recording it would replace the snapshot of the full response (the
        # snapshot key does not include the conditional headers).
        if self.mode == "record" and response.status < 400 and not response.not_modified:
            filename = self._snapshots.record(req, response.status, response.headers, response.body)
            log.info("%s: recorded %s as snapshot %s", self.source_id, req.describe(), filename)
        return response

    # ---------------------------------------------------------------- replay
    def _replay(self, req: HttpRequest) -> HttpResponse:
        found = self._snapshots.lookup(req)
        if found is None:
            raise SnapshotMissing(
                f"{self.source_id}: replay mode has no snapshot for {req.describe()} in "
                f"{self.snapshot_dir} (record one with ATLAS_HTTP_MODE=record, or construct it "
                "and describe it in SNAPSHOT.md)",
                url=req.full_url,
            )
        status, headers, body = found
        self.stats["requests"] += 1
        self.stats["bytes"] += len(body)
        log.info("%s: replay %s -> %s (%d bytes)", self.source_id, req.describe(), status, len(body))
        if status >= 400:
            raise UpstreamError(f"{self.source_id}: {req.describe()} answered {status} (snapshot)",
                                url=req.full_url, status=status)
        return HttpResponse(req, status, headers, body, from_snapshot=True)

    # ---------------------------------------------------------------- live
    def _http_session(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = self.user_agent
        return self._session

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_max, self.backoff_base * (2 ** attempt))
        return delay * (0.5 + random.random() / 2) if self.jitter else delay

    def _live(self, req: HttpRequest, conditional: Mapping[str, str]) -> HttpResponse:
        import requests

        limiter = limiter_for(req.host, self.min_interval)
        headers = {**dict(req.headers), **conditional}
        started = time.monotonic()
        last_error = ""
        last_status: int | None = None
        for attempt in range(self.max_retries + 1):
            limiter.wait(self.sleep)
            self.stats["requests"] += 1
            try:
                with self._http_session().request(
                    req.method, req.url, params=list(req.params) or None, json=req.json_body,
                    headers=headers, timeout=(self.connect_timeout, self.read_timeout), stream=True,
                ) as raw:
                    body = self._read_capped(req, raw)
                    status = raw.status_code
                    resp_headers = {k.lower(): v for k, v in raw.headers.items()}
            # ChunkedEncodingError: the connection broke mid-body (IncompleteRead) — a connection
            # error in all but name, and not a subclass of requests.ConnectionError.
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                last_error, last_status = f"{type(exc).__name__}: {exc}", None
                if attempt == self.max_retries:
                    break
                delay = self._backoff(attempt)
                self.stats["retries"] += 1
                log.warning("%s: %s failed (%s); retry %d/%d in %.1fs", self.source_id, req.describe(),
                            last_error, attempt + 1, self.max_retries, delay)
                self.sleep(delay)
                continue

            self.stats["bytes"] += len(body)
            self._respect_rate_headers(limiter, resp_headers)
            log.info("%s: %s -> %s (%d bytes, attempt %d)", self.source_id, req.describe(), status,
                     len(body), attempt + 1)
            if status in RETRYABLE_STATUS:
                retry_after = _retry_after_seconds(resp_headers.get("retry-after"))
                last_error = f"HTTP {status}"
                last_status = status
                if attempt == self.max_retries:
                    break
                if retry_after is not None and retry_after > self.max_retry_after:
                    raise UpstreamError(
                        f"{self.source_id}: {req.describe()} answered {status} with Retry-After "
                        f"{retry_after:.0f}s, beyond the {self.max_retry_after:.0f}s this client waits; "
                        "the task's own retries will try again later",
                        url=req.full_url, status=status)
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                self.stats["retries"] += 1
                log.warning("%s: %s answered %s; retry %d/%d in %.1fs%s", self.source_id, req.describe(),
                            status, attempt + 1, self.max_retries, delay,
                            " (Retry-After)" if retry_after is not None else "")
                self.sleep(delay)
                continue
            if status >= 400:
                snippet = body[:300].decode("utf-8", errors="replace")
                raise UpstreamError(f"{self.source_id}: {req.describe()} answered {status}: {snippet}",
                                    url=req.full_url, status=status)
            return HttpResponse(req, status, resp_headers, body, elapsed=time.monotonic() - started,
                                attempts=attempt + 1)
        raise UpstreamUnavailable(
            f"{self.source_id}: {req.describe()} failed after {self.max_retries + 1} attempts: {last_error}",
            url=req.full_url, status=last_status)

    def _read_capped(self, req: HttpRequest, raw) -> bytes:
        declared = raw.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise ResponseTooLarge(
                f"{self.source_id}: {req.describe()} declares {int(declared):,} bytes, over the "
                f"{self.max_bytes:,}-byte cap", url=req.full_url, status=raw.status_code)
        chunks, size = [], 0
        for chunk in raw.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise ResponseTooLarge(
                    f"{self.source_id}: {req.describe()} sent more than the {self.max_bytes:,}-byte cap",
                    url=req.full_url, status=raw.status_code)
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _respect_rate_headers(limiter: HostRateLimiter, headers: Mapping[str, str]) -> None:
        remaining = headers.get("x-ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset")
        if remaining is not None and remaining.strip().isdigit() and int(remaining) <= 0 and reset:
            try:
                seconds = float(reset)
            except ValueError:
                return
            # Some servers send an epoch timestamp, others a number of seconds.
            if seconds > 10**9:
                seconds = max(0.0, seconds - time.time())
            limiter.hold_until(seconds)

    # ---------------------------------------------------------------- robots.txt
    def robots(self, url: str):
        """The parsed robots.txt (a protego `Protego`) of `url`'s host, fetched once per client.

        A 404 means everything is allowed; any other failure raises (a scraper must not run on
        without knowing the rules)."""
        from protego import Protego

        parts = urlsplit(url)
        if parts.netloc not in self._robots:
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            try:
                text = self.get(robots_url).text
            except UpstreamError as exc:
                if exc.status == 404:  # no robots.txt: everything is allowed (RFC 9309 §2.3.1.3)
                    text = ""
                else:
                    raise
            self._robots[parts.netloc] = Protego.parse(text)
        return self._robots[parts.netloc]

    def _check_robots(self, req: HttpRequest) -> None:
        parts = urlsplit(req.url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        if req.url == robots_url:
            return
        if not self.robots(req.url).can_fetch(req.full_url, self.user_agent):
            raise RobotsDisallowed(f"{self.source_id}: robots.txt at {robots_url} disallows {req.full_url} "
                                   f"for {self.user_agent!r}; the run stops here", url=req.full_url)
