"""The installed `matcher` command: the engine's commands (matcher.cli) and the HTTP
service's: serve, token create, import, demo."""
from __future__ import annotations

import sys

from matcher import cli

DATABASE = {"metavar": "URL", "help": "database URL (default: MATCHER_DATABASE_URL, or sqlite:///matcher.db)"}


def cmd_serve(args) -> int:
    from api.commands import serve
    return serve(args.host, args.port, args.threads, args.database)


def cmd_token_create(args) -> int:
    from api.commands import token_create
    print(token_create(args.org, args.role, args.label, args.database))
    return 0


def cmd_import(args) -> int:
    from api.commands import import_file
    print(import_file(args.org, args.file, args.database))
    return 0


def cmd_demo(args) -> int:
    from api.commands import demo
    with cli.native_output_to_stderr():  # the solver runs in the demo's server threads
        report = demo(args.file, args.time_limit)
    print(report)
    return 0


def service_commands(sub) -> None:
    """Add the service's subcommands to the command line."""
    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve.add_argument("--threads", type=int, default=8)
    serve.add_argument("--database", **DATABASE)
    serve.set_defaults(run=cmd_serve)

    token = sub.add_parser("token", help="manage the service's bearer tokens")
    token_sub = token.add_subparsers(dest="action", required=True)
    create = token_sub.add_parser("create", help="print a new token for an organisation (created if new)")
    create.add_argument("--org", required=True)
    create.add_argument("--role", required=True, choices=["coordinator", "viewer"])
    create.add_argument("--label", help="who holds the token, for the audit trail (no personal names)")
    create.add_argument("--database", **DATABASE)
    create.set_defaults(run=cmd_token_create)

    spreadsheet = sub.add_parser("import", help="import a mentors or mentees spreadsheet (CSV), all or nothing")
    spreadsheet.add_argument("org")
    spreadsheet.add_argument("file", metavar="FILE.csv")
    spreadsheet.add_argument("--database", **DATABASE)
    spreadsheet.set_defaults(run=cmd_import)

    demo = sub.add_parser("demo", help="the coordinator's flow over HTTP on a fresh embedded database")
    demo.add_argument("file", nargs="?", default="scenarios/youth-mentors.json")
    demo.add_argument("--time-limit", type=cli.positive_number, default=10.0, metavar="S")
    demo.set_defaults(run=cmd_demo)


def main(argv: list[str] | None = None) -> int:
    return cli.main(argv, service_commands)


if __name__ == "__main__":
    sys.exit(main())
