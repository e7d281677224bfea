"""``riskline serve --workers N``: one writer process and N - 1 front processes on one port.

The process started by the command only supervises: it binds the public socket, starts the
writer (:mod:`riskline.api.writer`, the one process that owns the runtime and writes the
database), waits until it listens on its unix socket, then starts the fronts
(:mod:`riskline.api.front`), which inherit the public socket and share its connections.
A process that dies is started again after ``restart_delay`` seconds (a writer replays the
ledger first; meanwhile the fronts answer 503). SIGTERM or SIGINT stops the fronts first, then
the writer, which commits what it holds and stops cleanly.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from riskline.errors import InvalidConfig, Unavailable

__all__ = ["Supervisor", "serve_workers", "stop_processes"]

log = logging.getLogger(__name__)


def stop_processes(procs: Sequence[subprocess.Popen[bytes]], grace: float = 30.0) -> None:
    """SIGTERM every process still running, then wait for each (killed after ``grace`` s)."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass(slots=True)
class Supervisor:
    """The processes of one multi-process server and how to start each again."""

    workers: int
    listener: socket.socket
    ipc: Path
    restart_delay: float = 1.0
    start_timeout: float = 600.0
    writer: subprocess.Popen[bytes] | None = None
    fronts: list[subprocess.Popen[bytes]] = field(default_factory=list)
    stopping: bool = False

    def start(self) -> None:
        """Start the writer, wait for it, then the fronts."""
        self.writer = self._start_writer()
        self.fronts = [self._start_front() for _ in range(self.workers - 1)]

    def watch(self, poll: float = 0.2) -> None:
        """Start again whatever dies, until :meth:`stop` is asked."""
        while not self.stopping:
            time.sleep(poll)
            if self.stopping:
                break
            assert self.writer is not None
            if self.writer.poll() is not None and not self.stopping:
                log.error(
                    "the writer process exited (%s); starting it again", self.writer.returncode
                )
                time.sleep(self.restart_delay)
                self.writer = self._start_writer()
            for i, front in enumerate(self.fronts):
                if front.poll() is not None and not self.stopping:
                    log.error("a front process exited (%s); starting it again", front.returncode)
                    self.fronts[i] = self._start_front()

    def stop(self) -> None:
        """Stop the fronts, then the writer (each given 30 s before it is killed)."""
        self.stopping = True
        stop_processes(self.fronts)
        stop_processes([self.writer] if self.writer is not None else [])

    def _start_writer(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "riskline.api.writer", str(self.ipc)])
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise Unavailable(f"the writer process exited at start ({proc.returncode})")
            if _listening(self.ipc):
                return proc
            time.sleep(0.05)
        proc.kill()
        raise Unavailable("the writer process did not start listening in time")

    def _start_front(self) -> subprocess.Popen[bytes]:
        fd = self.listener.fileno()
        args = [sys.executable, "-m", "riskline.api.front", str(fd), str(self.ipc)]
        return subprocess.Popen(args, pass_fds=(fd,))


def _listening(path: Path) -> bool:
    if not path.exists():
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def serve_workers(host: str, port: int, workers: int) -> None:
    """Serve on ``host:port`` with one writer and ``workers - 1`` fronts until SIGTERM/SIGINT.

    The processes read their settings from the ``RISKLINE_*`` environment, as ``riskline
    serve`` does.
    """
    if workers < 2:
        raise InvalidConfig("--workers N runs one writer and N - 1 fronts: N must be 2 or more")
    listener = socket.create_server((host, port), backlog=2048)
    listener.set_inheritable(True)
    folder = Path(tempfile.mkdtemp(prefix="riskline-serve-"))  # mode 0700: this user only
    supervisor = Supervisor(workers, listener, folder / "writer.sock")

    def stop(signum: int, frame: FrameType | None) -> None:
        supervisor.stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        supervisor.start()
        supervisor.watch()
    finally:
        supervisor.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)
