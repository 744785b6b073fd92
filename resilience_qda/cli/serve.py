"""``resilience-qda serve PROJECT [--coder NAME] [--port N] [--no-browser]``: the coding
screen on 127.0.0.1 with a token."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="code by hand in the browser: the coding screen on 127.0.0.1",
        description="Open a project in the coding screen, a local web app on 127.0.0.1. "
        "The first line printed is the address with this run's token "
        "(http://127.0.0.1:PORT/?token=TOKEN); every request needs the token. Codings are "
        "written to PROJECT/codings/<coder>.csv as they are made. Ctrl-C stops it.",
    )
    p.add_argument("project", help="project folder")
    p.add_argument("--coder", metavar="NAME", help="who codes (default: your login name)")
    p.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help="port on 127.0.0.1 (default 8765; 0 picks a free port)",
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..serve.server import DEFAULT_PORT, serve

    serve(
        args.project,
        coder=args.coder,
        port=DEFAULT_PORT if args.port is None else args.port,
        open_browser=not args.no_browser,
    )
    return 0
