"""moto's server in a process of its own (local tooling only): ``StackOptions(moto_process=True)``.

The local stack runs moto's server on a thread of its own process by default: one process, one GIL, so
under load every DynamoDB or SQS request the functions make is served by the same interpreter that runs
the functions, the emulators and the API. A burst (bench_burst.py) spends more than half of that
interpreter's time inside moto's request handling. Here moto answers from a child process, on the other
core, as AWS answers from elsewhere; everything else reaches it over HTTP exactly as before (the stack
never touches moto's backends in-process). The child applies ``moto_patches`` (moto's costs in
proportion to what a table or queue holds) and lives as long as its parent keeps its stdin open.

``MotoProcess`` has ThreadedMotoServer's surface: ``start()``, ``get_host_and_port()``, ``stop()``.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import IO, Any

READY_TIMEOUT = 60.0


class MotoProcess:
    def __init__(self, ip_address: str = "127.0.0.1") -> None:
        self._ip = ip_address
        self._proc: subprocess.Popen[str] | None = None
        self._port = 0

    def start(self) -> MotoProcess:
        self._proc = subprocess.Popen(  # this interpreter, this module
            [sys.executable, "-m", "textloop_local.moto_process", self._ip],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = _first_line(self._proc.stdout, self._proc)
        try:
            self._port = int(line)
        except ValueError:
            self.stop()
            raise RuntimeError(f"moto's process did not start: {line!r}") from None
        return self

    def get_host_and_port(self) -> tuple[str, int]:
        return self._ip, self._port

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the child's signal to stop
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _first_line(stream: IO[str] | None, proc: subprocess.Popen[str]) -> str:
    import threading

    found: list[str] = []
    reader = threading.Thread(target=lambda: found.append(stream.readline() if stream else ""), daemon=True)
    reader.start()
    reader.join(READY_TIMEOUT)
    if not found:
        proc.kill()
        raise RuntimeError(f"moto's process did not answer within {READY_TIMEOUT:.0f} s")
    return found[0].strip()


def main(argv: list[str] | None = None) -> int:
    from moto.server import ThreadedMotoServer

    from textloop_local import moto_patches

    args = sys.argv[1:] if argv is None else argv
    ip = args[0] if args else "127.0.0.1"
    moto_patches.apply()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request (as serve.py does)
    sys.setswitchinterval(0.0005)  # werkzeug's threads hand the GIL to each other on every request
    server: Any = ThreadedMotoServer(ip_address=ip, port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(port, flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
