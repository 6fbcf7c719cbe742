"""Official news feeds → link-post drafts in the review queue.

Each feed is fetched with a conditional GET (ETag / Last-Modified) within a wall-clock
budget (`--timeout`: connecting, redirects, headers and body all count) and a size cap, and
parsed by feedparser from the raw bytes (it honours the declared encoding). Feeds are fetched
side by side in a few threads, so one slow feed never holds up the others; the database is
written only by the calling thread, one transaction per feed. Only public addresses are
fetched (every redirect hop is checked again) unless a feed is marked `internal`. Entries are
de-duplicated by GUID and by canonical link, matched to themes by keywords with accents
ignored, and proposed as drafts that credit the outlet; only http(s) links become drafts. A
broken, huge, slow, refused or wrongly encoded feed is reported in one line and skipped; the
others go on. `feed_status` tells the desk when each feed was last polled, when it last
answered and what it brought; a feed that stops or starts answering is audited
(`feed.failed`, with the time of its last answer, and `feed.recovered`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import io
import ipaddress
import logging
import math
import os
import re
import socket
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser
import requests
import urllib3
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)
from requests.adapters import HTTPAdapter
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import create_connection

from phuxanh.core import audit
from phuxanh.core.db import session_scope
from phuxanh.core.text import fold as text_fold
from phuxanh.core.yamlio import load_located, validate_doc
from phuxanh.models import (
    AuditEvent,
    Channel,
    ContentItem,
    FeedEntry,
    FeedState,
    ItemStatus,
    Theme,
    Unit,
    User,
    utcnow,
)

log = logging.getLogger(__name__)
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_WORKERS = 8  # feeds fetched at once
# After its budget runs out a feed's sockets are shut down, which ends any read at once; a
# thread still busy GRACE_S later (stuck in a name lookup, which nothing can interrupt) is
# left behind: it writes nothing, and its feed is reported as timed out.
GRACE_S = 0.5
TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|zarsrc|zaloapp)$", re.I)
WEB_SCHEMES = ("http", "https")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedSpec(_Strict):
    code: str = Field(min_length=1, max_length=64)
    outlet: str
    url: str
    enabled: bool = True
    # True only for a feed on the office's own network: it may then be fetched from (and
    # redirect to) private, loopback and other non-public addresses.
    internal: StrictBool = False

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value.strip())
            parts.port  # noqa: B018 (raises ValueError on a bad port)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a URL ({exc})") from exc
        if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
            raise ValueError(f"{value!r}: a feed URL must be http:// or https:// with a host")
        return value.strip()


class FeedsFile(_Strict):
    unit: str
    author: str
    channels: list[str] = []
    feeds: list[FeedSpec]
    keywords: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_codes(self) -> FeedsFile:
        codes = [f.code for f in self.feeds]
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"feed code used twice: {', '.join(twice)}")
        return self


def load_feeds(path: Path) -> FeedsFile:
    return validate_doc(load_located(path), FeedsFile)


def fold(text: str) -> str:
    """Lower case without Vietnamese accents (đ → d), for keyword matching."""
    return text_fold(text).lower()


def canonical_link(url: str) -> str:
    """Scheme and host in lower case; no fragment, tracking parameters or trailing slash."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def match_theme(text: str, keywords: dict[str, list[str]]) -> tuple[str, list[str]] | None:
    """The theme with most keyword hits (whole words, accents ignored), and the hits."""
    folded = fold(text)
    best: tuple[int, str, list[str]] | None = None
    for code in sorted(keywords):
        hits = [
            k for k in keywords[code] if re.search(rf"(?<!\w){re.escape(fold(k))}(?!\w)", folded)
        ]
        if hits and (best is None or len(hits) > best[0]):
            best = (len(hits), code, hits)
    return (best[1], best[2]) if best else None


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html.unescape(text or ""))
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text).strip())


def entry_link(raw: str, base: str) -> tuple[str | None, str]:
    """An entry's link as it would go out (relative links resolved against `base`, the
    feed's URL, then canonical), or None and why not: only http(s) links with a host and
    no user name or password become drafts (never javascript:, data:, file:, mailto: …)."""
    try:
        link = canonical_link(urljoin(base, raw.strip()))
        parts = urlsplit(link)
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as exc:
        return None, f"not a valid link ({exc})"
    if parts.scheme not in WEB_SCHEMES:
        scheme = f"a {parts.scheme}: link" if parts.scheme else "not a web link"
        return None, f"{scheme}; only http(s) links become drafts"
    if not parts.hostname:
        return None, "a link without a host"
    if parts.username is not None or parts.password is not None:
        return None, "a link with a user name or password in it"
    return link, ""


# --- where a feed may be fetched from ---------------------------------------------------

Resolver = Callable[[str, int], list[str]]


def system_resolve(host: str, port: int) -> list[str]:
    """Every address of `host` (the system resolver, /etc/hosts included), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_problem(address: str) -> str | None:
    """What is wrong with fetching a feed from `address` (e.g. "loopback"), or None when it
    is a public address. An IPv6 address that carries an IPv4 one (IPv4-mapped, 6to4,
    Teredo) is judged by the IPv4 address as well."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone (%eth0)
    except ValueError:
        return "not an IP"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_problem(str(ip.ipv4_mapped))
        for inner in (ip.sixtofour, ip.teredo[1] if ip.teredo else None):
            if inner is not None and (problem := address_problem(str(inner))):
                return problem
    for problem, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),  # e.g. 100.64.0.0/10, shared by carriers
    ):
        if flag:
            return problem
    return None


@dataclass(frozen=True)
class NetPolicy:
    """How feed hosts are looked up and judged. The defaults are the real thing; tests swap
    in a resolver (a name → addresses seam) or a judge that takes a test server as public."""

    resolve: Resolver = system_resolve
    problem: Callable[[str], str | None] = address_problem


def check_hop(
    url: str, *, internal: bool, net: NetPolicy | None = None
) -> tuple[str, int, list[str]]:
    """The host, port and checked addresses to fetch `url` from (the feed's own URL or any
    redirect), or ValueError with the reason it may not be fetched: not http(s), no host, a
    name that does not resolve or, unless the feed is `internal`, any address of the host
    that is not public (loopback, private, link-local, multicast, reserved, unspecified)."""
    net = net or NetPolicy()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        raise ValueError(f"{url[:100]!r}: only http(s) URLs are fetched")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"{url[:100]!r} has no host")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = net.resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise ValueError(f"cannot resolve {host} ({exc})") from exc
    if not addresses:
        raise ValueError(f"{host} has no address")
    if not internal:
        for address in addresses:
            problem = net.problem(address)
            if problem:
                where = host if host == address else f"{host} ({address})"
                raise ValueError(
                    f"refused {where}: a {problem} address; only public addresses are "
                    "fetched unless the feed is marked `internal: true`"
                )
    return host, port, addresses


class _Watchdog:
    """Ends a fetch when its budget is spent. A per-read timeout cannot: a server sending
    one byte every second never leaves a read waiting long, and reads of a 64 KB chunk wait
    for all of it. So every socket the fetch opens is registered here (as a duplicate
    descriptor, which stays valid when TLS takes the socket over) and shut down when the
    budget runs out: a read in progress then returns at once, and the fetch fails."""

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self.deadline = time.monotonic() + budget_s
        self.expired = False
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._timer = threading.Timer(budget_s, self.expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock.dup())
            if self.expired:
                _shut(self._socks[-1])

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                _shut(sock)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._socks:
                sock.close()
            self._socks.clear()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other end
        sock.shutdown(socket.SHUT_RDWR)


def _pinned_session(
    pins: dict[tuple[str, int], list[str]], watchdog: _Watchdog
) -> requests.Session:
    """A session that connects only to the addresses check_hop approved for each host and
    port in `pins` (a host not in it is refused), and hands every socket to the watchdog.

    Connecting to the checked address, not to whatever a second lookup returns, rules out
    DNS rebinding (a name that answers public for the check and loopback for the connect).
    HTTPS still sends the host name (SNI) and verifies the certificate against it.
    Proxies from the environment are not used: a proxy would look the name up itself. A
    CA bundle named in REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE (an office's own CA) still is.
    What remains: an internal feed is trusted, with all its redirects; and a public host
    may itself forward the request inward (that is the host's business, not a fetch of
    ours).
    """

    def connect(conn: HTTPConnection) -> socket.socket:
        addresses = pins.get((conn.host.lower(), conn.port or 0))
        if not addresses:
            raise NewConnectionError(conn, f"{conn.host} was not checked; not connecting")
        failure: OSError = OSError("no address")
        for address in addresses:
            try:
                sock = create_connection(
                    (address, conn.port or 0),
                    conn.timeout,
                    source_address=conn.source_address,
                    socket_options=conn.socket_options,
                )
            except OSError as exc:
                failure = exc
                continue
            watchdog.watch(sock)
            return sock
        if isinstance(failure, TimeoutError):
            raise ConnectTimeoutError(conn, f"connecting to {conn.host} timed out") from failure
        raise NewConnectionError(conn, f"cannot connect: {failure}") from failure

    class PinnedHTTP(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return connect(self)

    class PinnedHTTPS(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return connect(self)

    class PinnedPool(HTTPConnectionPool):
        ConnectionCls = PinnedHTTP

    class PinnedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = PinnedHTTPS

    adapter = HTTPAdapter(max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = {"http": PinnedPool, "https": PinnedHTTPSPool}
    session = requests.Session()
    session.trust_env = False
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    session.verify = ca_bundle or True
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass
class Fetched:
    """A feed's answer: its bytes (None when unchanged since the last poll, a 304), the URL
    they came from after redirects (relative entry links resolve against it) and the
    validators for the next conditional GET."""

    body: bytes | None
    url: str
    etag: str | None = None
    last_modified: str | None = None


def _size(n: int) -> str:
    return f"{n // 2**20} MB" if n % 2**20 == 0 else f"{n:,} bytes"


def _request_problem(exc: Exception) -> str:
    """One readable line for a failed request (urllib3's wrappers and pool names dropped)."""
    if isinstance(exc, requests.ConnectTimeout):
        return "could not connect in time"
    if isinstance(exc, requests.ReadTimeout):
        return "the server stopped sending"
    reason: Any = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", None) or reason  # urllib3's MaxRetryError wraps it
    text = re.sub(r"\s+", " ", str(reason))
    text = re.sub(r"^\w+\(host=[^)]*\): ", "", text)
    return f"{exc.__class__.__name__}: {text}"[:300]


def fetch(
    spec: FeedSpec,
    *,
    budget_s: float,
    etag: str | None = None,
    last_modified: str | None = None,
    net: NetPolicy | None = None,
) -> Fetched:
    """The feed's answer within `budget_s` seconds of wall-clock time, connecting, every
    redirect, headers and body all included, and at most MAX_BYTES; ValueError with a reason
    otherwise. Redirects (at most MAX_REDIRECTS) are followed here, each hop checked by
    check_hop and connected only to the addresses it checked."""
    watchdog = _Watchdog(budget_s)
    pins: dict[tuple[str, int], list[str]] = {}
    http = _pinned_session(pins, watchdog)
    timed_out = f"timed out: no complete answer within {budget_s:g} s"
    headers = {"User-Agent": "phuxanh feed reader (official channels)"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    url = spec.url
    try:
        for hop in range(MAX_REDIRECTS + 1):
            request = http.prepare_request(requests.Request("GET", url, headers=headers))
            url = request.url or url
            try:
                host, port, addresses = check_hop(url, internal=spec.internal, net=net)
            except ValueError as exc:
                raise ValueError(f"redirect to {url[:200]}: {exc}" if hop else str(exc)) from None
            pins[(host.lower(), port)] = addresses
            remaining = watchdog.remaining()
            if remaining <= 0 or watchdog.expired:
                raise ValueError(timed_out)
            # The socket's own timeout, shorter than the budget, ends a read that has stalled
            # even if the watchdog's shutdown could not reach it.
            read_s = max(0.05, min(remaining, budget_s / 2))
            with http.send(
                request, stream=True, allow_redirects=False, timeout=(remaining, read_s)
            ) as response:
                target = http.get_redirect_target(response)
                if target:
                    url = urljoin(url, target)
                    continue
                if response.status_code == 304:
                    return Fetched(None, url)
                if response.status_code >= 400:
                    raise ValueError(f"HTTP {response.status_code}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > MAX_BYTES:
                    raise ValueError(f"larger than {_size(MAX_BYTES)} ({declared} bytes declared)")
                body = bytearray()
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > MAX_BYTES:
                        raise ValueError(f"larger than {_size(MAX_BYTES)}")
                    if watchdog.expired:
                        break
                if watchdog.expired:  # a body cut short by the shutdown is not the feed
                    raise ValueError(timed_out)
                return Fetched(
                    bytes(body),
                    url,
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                )
        raise ValueError(f"more than {MAX_REDIRECTS} redirects")
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        # requests wraps nearly everything; urllib3's and the socket's own errors are the
        # rest (a URL urllib3 cannot parse, a descriptor the watchdog closed under a read)
        raise ValueError(timed_out if watchdog.expired else _request_problem(exc)) from exc
    finally:
        watchdog.close()
        http.close()


@dataclass
class _Outcome:
    """What a worker thread learnt about one feed: why it failed, or its answer parsed."""

    error: str | None = None
    fetched: Fetched | None = None
    parsed: Any = None


def _fetch_and_parse(
    spec: FeedSpec,
    budget_s: float,
    net: NetPolicy | None,
    validators: tuple[str | None, str | None],
) -> _Outcome:
    """Runs in a worker thread: network and parsing only, never the database."""
    try:
        fetched = fetch(
            spec, budget_s=budget_s, etag=validators[0], last_modified=validators[1], net=net
        )
        if fetched.body is None:
            return _Outcome(fetched=fetched)
        # A stream, never the bytes: given bytes, feedparser first tries them as a file
        # name, and a feed whose body is a path would be read from this machine's disk.
        parsed = feedparser.parse(io.BytesIO(fetched.body))
        problem = parsed.get("bozo_exception") if parsed.bozo else None
        if problem is not None and not isinstance(problem, feedparser.NonXMLContentType):
            # Malformed XML or bytes that do not match the declared encoding: the loose
            # parser would still guess, and a wrong guess would put mojibake in a draft.
            raise ValueError(f"not a well-formed feed ({problem.__class__.__name__}: {problem})")
    except ValueError as exc:
        return _Outcome(error=str(exc))
    return _Outcome(fetched=fetched, parsed=parsed)


def _run_all(
    tasks: dict[str, Callable[[], _Outcome]], *, budget_s: float, workers: int
) -> dict[str, _Outcome]:
    """Run the tasks in up to `workers` daemon threads and return every outcome. A task
    still running GRACE_S after its budget is reported as timed out and left behind (its
    thread writes nothing), and a fresh thread takes its place in the pool."""
    pending = deque(tasks)
    started: dict[str, float] = {}
    results: dict[str, _Outcome] = {}
    changed = threading.Condition()

    def work() -> None:
        while True:
            with changed:
                if not pending:
                    return
                key = pending.popleft()
                started[key] = time.monotonic()
                changed.notify_all()
            try:
                outcome = tasks[key]()
            except Exception as exc:  # a bug must not take the other feeds down
                log.exception("feed %s: unexpected error", key)
                outcome = _Outcome(error=f"unexpected error: {exc.__class__.__name__}: {exc}")
            with changed:
                results.setdefault(key, outcome)
                changed.notify_all()

    def spawn() -> None:
        threading.Thread(target=work, name="feed-poll", daemon=True).start()

    for _ in range(min(workers, len(tasks))):
        spawn()
    with changed:
        while len(results) < len(tasks):
            now = time.monotonic()
            wake: float | None = None
            for key, t0 in list(started.items()):
                if key in results:
                    continue
                limit = t0 + budget_s + GRACE_S
                if now >= limit:
                    results[key] = _Outcome(
                        error=f"timed out: no complete answer within {budget_s:g} s"
                    )
                    spawn()
                else:
                    wake = limit if wake is None else min(wake, limit)
            if len(results) < len(tasks):
                changed.wait(None if wake is None else wake - now)
    return results


def _draft(
    session: Session,
    cfg: FeedsFile,
    spec: FeedSpec,
    entry: Any,
    link: str,
    theme: Theme,
    author: User,
    unit: Unit,
) -> ContentItem:
    title, summary = _plain(entry.get("title", "")), _plain(entry.get("summary", ""))
    caption = "\n\n".join(p for p in (title, summary, f"Nguồn: {spec.outlet}", link) if p)
    channels = session.exec(select(Channel).where(col(Channel.code).in_(cfg.channels))).all()
    item = ContentItem(
        theme_id=theme.id,
        unit_id=unit.id or 0,
        status=ItemStatus.in_review,
        caption=caption,
        link=link,
        author_id=author.id or 0,
        channel_ids=[c.id or 0 for c in channels],
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor="feeds",
        action="item.from_feed",
        entity="item",
        entity_id=item.id,
        detail={"feed": spec.code, "link": link},
    )
    return item


def _record(session: Session, cfg: FeedsFile, spec: FeedSpec, outcome: _Outcome) -> dict[str, Any]:
    """Write one feed's outcome (its state, seen entries, drafts) in the caller's session."""
    state = session.exec(select(FeedState).where(FeedState.code == spec.code)).first() or FeedState(
        code=spec.code, url=spec.url
    )
    # the poll before this one: did it answer, and when (for the desk's "last answered")
    answered_before = state.polled_at if state.id is not None and not state.last_error else None
    failing_before = state.last_error if state.id is not None else None
    state.url = spec.url
    state.polled_at = utcnow()
    session.add(state)
    error, fetched, parsed = outcome.error, outcome.fetched, outcome.parsed
    if error is None and fetched is not None and fetched.body is None:  # 304: nothing new
        state.last_error = None
        _note_recovery(session, spec, failing_before)
        return {"status": "unchanged", "new": 0}
    author = session.exec(select(User).where(User.username == cfg.author)).first()
    unit = session.exec(select(Unit).where(Unit.code == cfg.unit)).first()
    if error is None and (author is None or unit is None):
        error = f"feeds.yaml: author {cfg.author!r} or unit {cfg.unit!r} does not exist"
    if error is not None or fetched is None or parsed is None or author is None or unit is None:
        # The validators stay as they were, so the next poll fetches the feed in full.
        state.last_error = error = error or "no answer"
        log.warning("feed %s skipped: %s", spec.code, error)
        if failing_before is None:  # it answered last time (or was never polled)
            audit.record(
                session,
                actor="feeds",
                action="feed.failed",
                entity="feed",
                entity_id=spec.code,
                detail={
                    "feed": spec.code,
                    "reason": error[:300],
                    "answered_at": answered_before.isoformat() if answered_before else None,
                },
            )
        return {"status": "failed", "outlet": spec.outlet, "reason": error, "new": 0}
    state.etag, state.last_modified, state.last_error = fetched.etag, fetched.last_modified, None
    _note_recovery(session, spec, failing_before)
    themes = {t.code: t for t in session.exec(select(Theme))}
    new = irrelevant = 0
    skipped: list[dict[str, str]] = []
    for entry in parsed.entries:
        raw_link = str(entry.get("link") or "")
        link, why = entry_link(raw_link, fetched.url) if raw_link else (None, "no link")
        if link is None:
            skipped.append(
                {
                    "title": _plain(entry.get("title", ""))[:120],
                    "link": raw_link[:200],
                    "reason": why,
                }
            )
            log.warning("feed %s: entry %r skipped: %s", spec.code, raw_link[:200], why)
            continue
        guid = str(entry.get("id") or link)
        seen = session.exec(
            select(FeedEntry).where((col(FeedEntry.guid) == guid) | (col(FeedEntry.link) == link))
        ).first()
        if seen is not None:
            continue
        title = _plain(entry.get("title", ""))
        found = match_theme(f"{title} {_plain(entry.get('summary', ''))}", cfg.keywords)
        theme = themes.get(found[0]) if found else None
        row = FeedEntry(
            feed_code=spec.code,
            guid=guid,
            link=link,
            title=title or link,
            theme_id=theme.id if theme else None,
        )
        if theme is not None:
            row.content_item_id = _draft(session, cfg, spec, entry, link, theme, author, unit).id
            new += 1
        else:
            irrelevant += 1
        session.add(row)
        session.flush()
    result: dict[str, Any] = {
        "status": "ok",
        "new": new,
        "not_matched": irrelevant,
        "skipped_entries": len(skipped),
    }
    if skipped:
        result["skipped"] = skipped[:20]
    return result


def _note_recovery(session: Session, spec: FeedSpec, failing_before: str | None) -> None:
    """A feed that failed last time and answers now: the end of its failure, audited (as its
    start is, by `feed.failed`; a feed that keeps failing, or keeps answering, adds no row)."""
    if failing_before is not None:
        audit.record(
            session,
            actor="feeds",
            action="feed.recovered",
            entity="feed",
            entity_id=spec.code,
            detail={"feed": spec.code, "reason_before": failing_before[:300]},
        )


# --- what the desk shows of each feed ---------------------------------------------------

# Why a poll failed, by kind, from the reason `fetch` and `_record` give (one English line,
# kept as it is for the technician); the desk words each kind in its own language.
FAILURE_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("config", re.compile(r"^feeds\.yaml:")),
    ("timeout", re.compile(r"^timed out|the server stopped sending")),
    ("connect", re.compile(r"could not connect in time|cannot connect|ConnectionError")),
    ("refused", re.compile(r"refused .*: a [\w-]+ address|only http\(s\) URLs are fetched")),
    ("dns", re.compile(r"cannot resolve|has no address")),
    ("redirects", re.compile(r"^more than \d+ redirects")),
    ("http", re.compile(r"^HTTP \d{3}")),
    ("too_large", re.compile(r"^larger than")),
    ("not_feed", re.compile(r"^not a well-formed feed")),
)


def failure_kind(reason: str) -> str:
    """The kind of a poll's failure (`config`, `timeout`, `connect`, `refused`, `dns`,
    `redirects`, `http`, `too_large`, `not_feed`), or `other`."""
    for kind, pattern in FAILURE_KINDS:
        if pattern.search(reason):
            return kind
    return "other"


@dataclass(frozen=True)
class FeedStatus:
    """One configured feed as the desk shows it. `answer`: "ok" (the last poll answered
    and brought entries not seen before), "unchanged" (it answered with nothing new: a 304,
    or only entries already seen), "failed" (`reason` says why), "never" (not polled yet).
    `answered_at`: the last poll that answered; while a feed fails, the one before its
    failure began (`failing_since`), None when not known."""

    code: str
    outlet: str
    url: str
    enabled: bool
    answer: str
    polled_at: dt.datetime | None
    answered_at: dt.datetime | None
    failing_since: dt.datetime | None
    reason: str | None
    last_entries: int  # entries first seen by the last poll
    last_drafts: int  # of them, drafts made
    entries: int  # entries seen, all polls
    drafts: int  # drafts made, all polls


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def feed_status(session: Session, cfg: FeedsFile) -> list[FeedStatus]:
    """Each feed of `cfg`, in its order: its last poll, its last answer and what it brought,
    from the feed's state, its seen entries and the audit log's `feed.failed` rows."""
    states = {s.code: s for s in session.exec(select(FeedState))}
    out: list[FeedStatus] = []
    for spec in cfg.feeds:
        state = states.get(spec.code)
        rows = session.exec(
            select(FeedEntry.seen_at, FeedEntry.content_item_id).where(
                FeedEntry.feed_code == spec.code
            )
        ).all()
        polled = _aware(state.polled_at) if state is not None else None
        latest = [d for at, d in rows if polled is not None and (_aware(at) or at) >= polled]
        answered = failing = None
        if state is None or polled is None:
            answer = "never"
        elif state.last_error:
            answer = "failed"
            event = session.exec(
                select(AuditEvent)
                .where(
                    AuditEvent.entity == "feed",
                    AuditEvent.entity_id == spec.code,
                    AuditEvent.action == "feed.failed",
                )
                .order_by(col(AuditEvent.id).desc())
            ).first()
            if event is not None:
                failing = _aware(event.at)
                stamp = event.detail.get("answered_at")
                answered = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
        else:
            answer = "ok" if latest else "unchanged"
            answered = polled
        out.append(
            FeedStatus(
                code=spec.code,
                outlet=spec.outlet,
                url=spec.url,
                enabled=spec.enabled,
                answer=answer,
                polled_at=polled,
                answered_at=_aware(answered),
                failing_since=failing,
                reason=state.last_error if state is not None and answer == "failed" else None,
                last_entries=len(latest) if answer != "failed" else 0,
                last_drafts=sum(1 for d in latest if d is not None) if answer != "failed" else 0,
                entries=len(rows),
                drafts=sum(1 for _, d in rows if d is not None),
            )
        )
    return out


def poll_all(
    engine: Engine, feeds_file: Path, *, timeout_s: float = 15.0, net: NetPolicy | None = None
) -> dict[str, Any]:
    """Poll every enabled feed; one feed's failure never stops the others.

    Feeds are fetched MAX_WORKERS at a time, each within `timeout_s` seconds of wall-clock
    time, so the poll takes about the budget of its slowest feed, not the sum. Then, in this
    thread, each feed's outcome is written in a transaction of its own. Per feed code:
    {"status": "ok" | "unchanged" | "failed" | "disabled", "new": drafts made, and for "ok"
    "not_matched" and "skipped_entries" (entries whose link may not go out, listed under
    "skipped" with the reason); for "failed" the "outlet" and the "reason"}.
    """
    if not 0 < timeout_s < math.inf:
        raise ValueError(f"timeout_s must be a positive number of seconds, not {timeout_s!r}")
    cfg = load_feeds(feeds_file)
    enabled = [spec for spec in cfg.feeds if spec.enabled]
    with session_scope(engine) as session:
        states = {s.code: s for s in session.exec(select(FeedState))}
    tasks: dict[str, Callable[[], _Outcome]] = {}
    for spec in enabled:
        state = states.get(spec.code)
        validators: tuple[str | None, str | None] = (None, None)
        if state is not None and state.url == spec.url:  # a feed moved is fetched in full
            validators = (state.etag, state.last_modified)
        tasks[spec.code] = functools.partial(_fetch_and_parse, spec, timeout_s, net, validators)
    outcomes = _run_all(tasks, budget_s=timeout_s, workers=MAX_WORKERS)
    out: dict[str, Any] = {}
    for spec in cfg.feeds:
        if not spec.enabled:
            out[spec.code] = {"status": "disabled", "new": 0}
            continue
        with session_scope(engine) as session:
            out[spec.code] = _record(session, cfg, spec, outcomes[spec.code])
    return out
