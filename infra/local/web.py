"""The web pages beside the API: the static site, its content types, the request handler, the server.

Like the cloud (CloudFront in front of API Gateway, see infra/template/web.py), a path that is
neither a page nor an API route is answered 404 in the app's JSON error shape, and an app's
folder without its slash (`/tech`, `/book`, `/office`) redirects to the folder."""
import functools
import json
import mimetypes
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from chalice import local as chalice_local

from infra.local.environment import ROOT

WEB = ROOT / "web"
LISTEN_BACKLOG = 1024  # connections waiting to be accepted (Linux caps it at net.core.somaxconn)


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/vnd.microsoft.icon",
    ".woff2": "font/woff2",
}


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class StaticAnswer:
    status: int  # 200 (path), 301 (location) or 404 (message)
    path: Path | None = None
    location: str | None = None
    message: str | None = None


def _missing(url_path: str) -> StaticAnswer:
    return StaticAnswer(404, message=f"There is no file at {url_path}.")


@dataclass
class StaticSite:
    """URL prefixes served from folders (`mounts`) and single URLs served from files (`files`).
    A request never reaches a file outside its folder: `..` segments (raw or %-encoded) and
    symbolic links that lead out are answered 404."""

    mounts: dict = field(default_factory=dict)  # "/book" -> Path
    files: dict = field(default_factory=dict)  # "/openapi.yaml" -> Path

    def lookup(self, raw_path: str) -> StaticAnswer | None:
        """The answer for a request path, or None when the path is not a static one. A mount's
        own path without its slash redirects to the folder even before the folder exists."""
        split = urllib.parse.urlsplit(raw_path)
        url_path = split.path
        if url_path in self.files:
            path = self.files[url_path]
            return StaticAnswer(200, path=path) if path.is_file() else _missing(url_path)
        for prefix, folder in self.mounts.items():
            if url_path == prefix:
                return StaticAnswer(301, location=prefix + "/" + (f"?{split.query}" if split.query else ""))
            if url_path.startswith(prefix + "/"):
                return self._from_folder(folder, url_path, url_path[len(prefix):], split.query)
        return None

    @staticmethod
    def _from_folder(folder: Path, url_path: str, rest: str, query: str) -> StaticAnswer:
        relative = urllib.parse.unquote(rest).lstrip("/")
        parts = relative.split("/")
        if any(p in (".", "..") for p in parts) or "\\" in relative or "\x00" in relative:
            return _missing(url_path)
        root = folder.resolve()
        target = (root / relative).resolve()
        if not target.is_relative_to(root) or not root.is_dir():
            return _missing(url_path)
        if target.is_dir():
            if not url_path.endswith("/"):  # so relative links in the page resolve inside it
                return StaticAnswer(301, location=url_path + "/" + (f"?{query}" if query else ""))
            target = target / "index.html"
        return StaticAnswer(200, path=target) if target.is_file() else _missing(url_path)


def default_site(chalice_app=None) -> StaticSite:
    files = {"/openapi.yaml": ROOT / "docs" / "openapi.yaml"}
    if chalice_app is None or "/" not in chalice_app.routes:  # never shadow an API route
        files["/"] = WEB / "index.html"
    # The URL paths are the cloud's (infra/template/web.py WEB_PATHS and APP_PATHS).
    return StaticSite(mounts={"/book": WEB / "booking", "/tech": WEB / "tech", "/office": WEB / "office"}, files=files)


def api_paths(chalice_app) -> chalice_local.RouteMatcher:
    """The app's routes, matched the way `chalice local` (and API Gateway) match them."""
    return chalice_local.RouteMatcher(list(chalice_app.routes))


def answer_for(site: StaticSite, routes: chalice_local.RouteMatcher, raw_path: str) -> StaticAnswer | None:
    """What the local server answers a path with: a file or redirect of the site, a 404 for a
    path nobody serves (API Gateway's "Missing Authentication Token" 403, made a 404 in the
    app's error shape as the cloud's gateway response makes it), or None: the API's."""
    answer = site.lookup(raw_path)
    if answer is not None:
        return answer
    try:
        routes.match_route(raw_path)
    except ValueError:
        return StaticAnswer(404, message=f"There is nothing at {urllib.parse.urlsplit(raw_path).path}.")
    return None


class WebRequestHandler(chalice_local.ChaliceRequestHandler):
    """Chalice's local request handler, plus the static pages of `site`."""

    # Headers and body go out in two writes; with Nagle's algorithm on, a kept-alive connection
    # waits ~40 ms on each answer (the technician app's service worker caches 28 files at install).
    disable_nagle_algorithm = True

    def __init__(self, request, client_address, server, app_object, config, site: StaticSite,
                 routes: chalice_local.RouteMatcher | None = None):
        self.site = site
        self.routes = routes if routes is not None else api_paths(app_object)
        super().__init__(request, client_address, server, app_object=app_object, config=config)

    def _handle(self) -> None:
        answer = answer_for(self.site, self.routes, self.path)
        if answer is None:
            # The request context's sourceIp, as API Gateway gives it: the socket's peer (Chalice
            # writes 127.0.0.1 for every request); the abuse limits count by it.
            self.local_gateway.event_converter.LOCAL_SOURCE_IP = self.client_address[0]
            self._generic_handle()
            return
        self._discard_body()  # keep-alive: an unread body would be parsed as the next request
        if answer.status == 404:  # whatever the method, as API Gateway answers an unknown path
            self._send_json(404, "not_found", answer.message)
        elif self.command not in ("GET", "HEAD"):
            self._send_json(405, "method_not_allowed", f"{self.command} is not allowed here.", {"Allow": "GET, HEAD"})
        elif answer.status == 301:
            self._send(301, {"Location": answer.location}, b"")
        else:
            self._send(200, {"Content-Type": content_type(answer.path)}, answer.path.read_bytes())

    # The base class binds its own _generic_handle to these names, so rebind them here. TRACE and
    # QUERY too: without them the standard library answers 501 in HTML, where the app answers 405.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_QUERY = _handle

    def _discard_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > 0:
            self.rfile.read(length)

    def _send_json(self, status: int, code: str, message: str, headers: dict | None = None) -> None:
        body = {"error": {"code": code, "message": message, "details": None}}
        self._send(status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode())

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body)), "Cache-Control": "no-cache",
                            "X-Content-Type-Options": "nosniff"}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def api_server(chalice_app, config, host: str, port: int, site: StaticSite):
    """Chalice's threaded local server (binds the port now; a daemon thread per connection) with
    the static-aware handler and a listen backlog of `LISTEN_BACKLOG`.

    `create_local_server` also makes `app.current_request` thread-local, which a threaded server
    needs; its default handler class is then swapped for ours."""
    server = chalice_local.create_local_server(chalice_app, config, host, port)
    # The standard library listens with a backlog of 5: a burst of clients (a page loading its
    # files, a load test) then gets connection resets before the accept loop catches up. Listening
    # again on the bound socket only sets a longer queue.
    server.server.socket.listen(LISTEN_BACKLOG)
    server.server.RequestHandlerClass = functools.partial(
        WebRequestHandler, app_object=chalice_app, config=config, site=site, routes=api_paths(chalice_app)
    )
    server.server.handle_error = functools.partial(_report_unless_gone, server.server.handle_error)
    return server


def _report_unless_gone(report: Callable, request, client_address) -> None:
    """A client that hung up (a timed-out probe, a closed tab) is not worth a traceback."""
    if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
        report(request, client_address)
