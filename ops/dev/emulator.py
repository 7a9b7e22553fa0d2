"""A local AWS API emulator (moto) on 127.0.0.1, started and stopped by us, bounded in time."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from model.paths import PROJECT_ROOT

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Emulator:
    """``moto_server`` on a free loopback port; ``endpoint`` is its URL."""

    def __init__(self, log: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._log_path = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> Emulator:
        log = self._log_path.open("wb")
        self._process = subprocess.Popen(  # moto's server app, answering in one write (serve)
            [sys.executable, "-m", "ops.dev.emulator", "127.0.0.1", str(self.port)],
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto_server exited at start; see {self._log_path}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=2).close()
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.endpoint} in {timeout:.0f} s")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def environment(self, region: str) -> dict[str, str]:
        """Variables that aim the AWS provider, the cdktf CLI and boto3 at this emulator."""
        return aws_environment(self.endpoint, region)


def aws_environment(endpoint: str, region: str) -> dict[str, str]:
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    for name, value in DUMMY_CREDENTIALS.items():
        env[name] = os.environ.get(name, value)
    return env


@contextlib.contextmanager
def running(log: Path, keep: bool = False) -> Iterator[Emulator]:
    emulator = Emulator(log).start()
    try:
        yield emulator
    finally:
        if not keep:
            emulator.stop()


def serve(host: str, port: int) -> None:
    """What ``moto_server -H host -p port`` runs, except that each response leaves in one
    ``send()``. Werkzeug's handler writes unbuffered: the status line and headers, then the
    body, in separate sends, at times milliseconds apart on a loaded machine. The AWS
    provider's SDK (smithy-go) closes a request's body as soon as the response headers are in;
    when the HTTP client's writer has not yet finished with that body, it takes the close for
    a read error and closes the connection, so a body that had not arrived yet is lost ("use
    of closed network connection"). The SDK retries that, and a create the emulator had
    applied comes back as a conflict (409 ``Function already exist``, ``EntityAlreadyExists``,
    ``PriorityInUse``). Sent together, the body is in the client's buffer with the headers."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import WSGIRequestHandler, run_simple

    class OneWriteHandler(WSGIRequestHandler):
        wbufsize = -1  # buffered; werkzeug flushes once per body chunk (moto answers in one)

    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # type: ignore[attr-defined]  # as moto_server sets it
    run_simple(host, port, app, threaded=True, request_handler=OneWriteHandler)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
