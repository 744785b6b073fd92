"""A fork server for fault-injection tests: one fresh Python process imports the toolkit once,
then forks a child per request, which runs a command (``resilience-qda ARGS``) or a snippet
with the environment it is given (e.g. ``RESILIENCE_QDA_CRASH_AFTER_RENAMES=3``) and may be
ended by it mid-commit like ``kill -9``. Forking from a fresh process (not from pytest, which
may have threads) keeps the children safe, and each costs milliseconds, not an import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_SERVER = r"""
import json, os, sys, traceback
import importlib, pkgutil
import resilience_qda.cli as cli
# import every command and warm the language model once, before forking: each child then
# costs milliseconds, not seconds of imports
for m in pkgutil.iter_modules(cli.__path__):
    importlib.import_module(f"resilience_qda.cli.{m.name}")
from resilience_qda.io.language import detect_language
detect_language("Warming up the language model before the children are forked.")
out = sys.stdout
for line in sys.stdin:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 98
        try:
            os.environ.update(req.get("env", {}))
            fd = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            if "argv" in req:
                code = cli.main(req["argv"])
            else:
                exec(req["code"], {"__name__": "__forked__"})
                code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
            code = 99
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    out.write(json.dumps({"status": os.waitstatus_to_exitcode(status)}) + "\n")
    out.flush()
"""


class ForkServer:
    def __init__(self, log_dir: Path):
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.log_dir = Path(log_dir)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(REPO),
        )
        self.n = 0

    def _ask(self, req: dict) -> tuple[int, str]:
        self.n += 1
        log = self.log_dir / f"run-{self.n}.log"
        req["log"] = str(log)
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        return reply["status"], log.read_text(errors="replace")

    def run(self, argv: list[str], env: dict | None = None) -> tuple[int, str]:
        """Run ``resilience-qda ARGV`` in a forked child: (exit status, its output)."""
        return self._ask({"argv": [str(a) for a in argv], "env": env or {}})

    def exec(self, code: str, env: dict | None = None) -> tuple[int, str]:
        """Run Python ``code`` in a forked child: (exit status, its output)."""
        return self._ask({"code": code, "env": env or {}})

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
