"""``chronos serve``: a local workspace in the browser, private by design.

The pages (:mod:`chronos.serve.pages`) drive the same library functions as the command
line (:mod:`chronos.app`: build, chronology, explain-link, new case, mapping scaffold,
inspect, agencies' returns) and keep people's decisions in the case folder: annotations through
:mod:`chronos.annotations`, link decisions in ``overrides.yaml``.

Built on Starlette (a small, well-kept ASGI toolkit, tested in-process with its
``TestClient``), Jinja2 templates (autoescaped) and uvicorn. Private:

- it listens on 127.0.0.1 only (:data:`HOST`), on a free port unless given one;
- a random token per run is in the first URL and then in a cookie; requests without it,
  or with a Host header other than loopback, are refused (:mod:`chronos.serve.security`);
- every script, style sheet and picture comes from the package (``static/``) under a
  strict Content-Security-Policy; nothing is fetched from anywhere else;
- whatever it writes goes through :mod:`chronos.report.safe_files` (owner-only).

This module sits beside the command line, above :mod:`chronos.app`.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"


def create_app(path: str | Path, *, token: str, out: str | Path | None = None,
               cookie: str = "chronos_token"):
    """The workspace application (ASGI) over the case or folder of cases at ``path``."""
    import jinja2
    from starlette.applications import Starlette
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from chronos.serve import pages
    from chronos.serve.security import Guard
    from chronos.serve.workspace import Workspace

    routes = [
        Route("/", pages.home),
        Route("/new", pages.new_case, methods=["POST"]),
        Route("/case/{key}", pages.case_page),
        Route("/case/{key}/build", pages.build_page),
        Route("/case/{key}/build", pages.build, methods=["POST"]),
        Route("/case/{key}/status", pages.status),
        Route("/case/{key}/files/{name}", pages.download),
        Route("/case/{key}/chronology", pages.chronology),
        Route("/case/{key}/event/{event_id}", pages.event),
        Route("/case/{key}/annotate", pages.annotate, methods=["POST"]),
        Route("/case/{key}/annotations", pages.annotations_page),
        Route("/case/{key}/findings", pages.findings),
        Route("/case/{key}/pictures", pages.pictures),
        Route("/case/{key}/ingest", pages.ingest),
        Route("/case/{key}/links", pages.links),
        Route("/case/{key}/links", pages.decide_link, methods=["POST"]),
        Route("/case/{key}/explain", pages.explain),
        Route("/case/{key}/mapping", pages.mapping_page),
        Route("/case/{key}/mapping", pages.mapping_preview, methods=["POST"]),
        Route("/case/{key}/returns", pages.returns_page),
        Route("/case/{key}/returns", pages.returns_action, methods=["POST"]),
        Route("/case/{key}/returns/files/{name}", pages.returns_download),
        Mount("/static", StaticFiles(packages=[("chronos.serve", "static")]), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.workspace = Workspace(path, out)
    app.state.templates = jinja2.Environment(
        loader=jinja2.PackageLoader("chronos.serve", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return Guard(app, token, cookie)


@dataclass
class Server:
    """A workspace server bound to a loopback port, ready to run."""

    url: str
    port: int
    token: str
    app: object
    sock: socket.socket

    def run(self) -> None:
        """Serve until interrupted (Ctrl+C)."""
        import uvicorn

        config = uvicorn.Config(self.app, log_level="warning", access_log=False,
                                server_header=False, lifespan="off")
        uvicorn.Server(config).run(sockets=[self.sock])

    def start_in_thread(self):
        """Serve in a daemon thread (tests, the benchmark, the screenshots); returns the
        uvicorn server (``should_exit = True`` stops it)."""
        import threading
        import time

        import uvicorn

        config = uvicorn.Config(self.app, log_level="warning", access_log=False,
                                server_header=False, lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [self.sock]},
                                  daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return server


def prepare(path: str | Path, *, port: int = 0, out: str | Path | None = None,
            token: str | None = None) -> Server:
    """Check ``path`` (a case.yaml, a case folder or a folder of cases), bind 127.0.0.1
    (``port`` 0: a free one) and make the application; :meth:`Server.run` serves it."""
    from chronos.errors import ChronosError
    from chronos.serve.security import new_token

    path = Path(path)
    if not path.exists():
        raise ChronosError(f"{path} does not exist", hint="give a case folder, a case.yaml "
                                                          "or a folder of cases")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise ChronosError(f"cannot listen on {HOST}:{port}: {exc.strerror}",
                           hint="give another --port, or leave it out for a free one") from None
    sock.listen(64)
    port = sock.getsockname()[1]
    token = token or new_token()
    app = create_app(path, token=token, out=out, cookie=f"chronos_token_{port}")
    return Server(f"http://{HOST}:{port}/?token={token}", port, token, app, sock)
