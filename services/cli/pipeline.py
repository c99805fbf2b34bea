"""Running the services as separate OS processes on one machine (demo and end-to-end tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from services.devtools.kafka_local import free_port

#: What ``supervise`` allows per service before it leaves one down.
MAX_RESTARTS = 5
#: The exit status of a service whose settings are invalid.
SETTINGS_ERROR = 2
#: ``XINFANG_HANDLER_TIMEOUT_SECONDS`` of local pipelines: a stuck handler is over soon.
HANDLER_TIMEOUT_SECONDS = 25


@dataclass(frozen=True)
class Restart:
    """A service the supervisor started again: its exit status and its last critical line."""

    name: str
    code: int
    reason: str


#: Separates a service from its worker number in a process name: "dedup#2" is the second
#: worker of dedup, in the same consumer group with its own state and port.
WORKER_MARK = "#"


def service_of(name: str) -> tuple[str, int]:
    """The service a process runs and its worker number (1 for a bare service name)."""
    service, _, worker = name.partition(WORKER_MARK)
    return service, int(worker or 1)


@dataclass
class ServiceProcess:
    name: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None
    #: Set before the harness stops or kills it: the supervisor leaves such an exit alone.
    expected_exit: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def metrics_text(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=5) as response:
            body: bytes = response.read()
            return body.decode()


@dataclass
class LocalPipeline:
    """The services of one deployment: same broker, same topic prefix, own ports and logs."""

    bootstrap: str
    prefix: str
    work_dir: Path
    services: tuple[str, ...] = ("intake", "dedup", "escalation", "notification", "ledger")
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    #: Restarts made by the supervisor, in order.
    restarts: list[Restart] = field(default_factory=list)
    _supervisor: threading.Thread | None = field(default=None, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def env_for(self, name: str, port: int) -> dict[str, str]:
        env = dict(os.environ)
        service, worker = service_of(name)
        upper = service.upper()
        state = "state" if worker == 1 else f"state-{worker}"
        env.update(
            {
                "XINFANG_BOOTSTRAP_SERVERS": self.bootstrap,
                "XINFANG_TOPIC_PREFIX": self.prefix,
                # Every worker keeps its own local state, as on its own machine.
                "XINFANG_DATA_DIR": str(self.work_dir / state),
                "XINFANG_DEMO_MODE": "true",
                "XINFANG_STANDBY_REPLICAS": "0",
                # A killed worker's partitions move after this long: keep restarts quick.
                "XINFANG_SESSION_TIMEOUT_SECONDS": "10",
                # Digests of escalation alerts after seconds, not the policy's minutes.
                "XINFANG_NOTIFICATION_MAX_GROUP_SECONDS": "2",
                # A stuck handler stops its service soon; the supervisor restarts it.
                "XINFANG_HANDLER_TIMEOUT_SECONDS": str(HANDLER_TIMEOUT_SECONDS),
                f"XINFANG_{upper}_WEB_PORT": str(port),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, name: str) -> ServiceProcess:
        """Start (or restart) one service process; its output goes to <work_dir>/logs."""
        with self._lock:
            return self._start(name)

    def _start(self, name: str) -> ServiceProcess:
        existing = self.processes.get(name)
        port = existing.port if existing else free_port()
        log_dir = self.work_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        proc = ServiceProcess(name, port, log_dir / f"{name}.log")
        proc.log_file = proc.log_path.open("ab")
        proc.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "run", service_of(name)[0]],
            env=self.env_for(name, port),
            stdout=proc.log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.processes[name] = proc
        return proc

    def start_all(self) -> None:
        for name in self.services:
            self.start(name)

    def wait_healthy(self, timeout: float = 120.0) -> None:
        """Wait until every service answers /health with 200, or raise with its log tail."""
        deadline = time.monotonic() + timeout
        pending = set(self.processes)
        while pending and time.monotonic() < deadline:
            for name in sorted(pending):
                proc = self.processes[name]
                if proc.process is not None and proc.process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.process.returncode}:\n"
                                       + self.log_tail(name))  # fmt: skip
                if proc.healthy():
                    pending.discard(name)
            time.sleep(0.5)
        if pending:
            raise RuntimeError(
                "not healthy in time: "
                + ", ".join(sorted(pending))
                + "\n"
                + "\n".join(self.log_tail(name) for name in sorted(pending))
            )

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.processes[name].log_path
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def supervise(self, max_restarts: int = MAX_RESTARTS) -> None:
        """Restart a service that exits on its own, as ``restart: unless-stopped`` does.

        A service leaves on purpose when it cannot go on safely (exit 70, 74, 75: nothing
        committed, see the README's Guarantees) and relies on its supervisor to start it
        again. Not after exit 2 (bad settings: a restart would fail the same way), nor
        after ``stop`` or ``kill`` here, nor more than ``max_restarts`` times per service.
        """
        if self._supervisor is not None:
            return

        def watch() -> None:
            while not self._stopping.wait(0.5):
                with self._lock:
                    for name, proc in list(self.processes.items()):
                        code = proc.process.poll() if proc.process is not None else None
                        if code is None or proc.expected_exit or code == SETTINGS_ERROR:
                            continue
                        proc.expected_exit = True  # this exit is handled
                        if sum(1 for r in self.restarts if r.name == name) >= max_restarts:
                            continue
                        self.restarts.append(Restart(name, code, self._last_critical(name)))
                        if proc.log_file is not None:
                            note = f"supervisor: {name} exited with {code}; starting it again\n"
                            proc.log_file.write(note.encode())
                            proc.log_file.close()
                        self._start(name)

        self._supervisor = threading.Thread(target=watch, name="supervisor", daemon=True)
        self._supervisor.start()

    def _last_critical(self, name: str) -> str:
        lines = self.log_tail(name, 200).splitlines()
        return next((line for line in reversed(lines) if '"critical"' in line), "")

    def kill(self, name: str) -> None:
        """kill -9: no shutdown, no final commit (reliability tests)."""
        proc = self.processes[name]
        proc.expected_exit = True
        if proc.process is not None and proc.process.poll() is None:
            proc.process.send_signal(signal.SIGKILL)
            proc.process.wait(timeout=30)

    def stop(self, name: str, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait for a graceful stop; SIGKILL after ``timeout``."""
        proc = self.processes[name]
        proc.expected_exit = True
        code = None
        if proc.process is not None:
            if proc.process.poll() is None:
                proc.process.send_signal(signal.SIGTERM)
                try:
                    proc.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.process.kill()
                    proc.process.wait(timeout=10)
            code = proc.process.returncode
        if proc.log_file is not None:
            proc.log_file.close()
        return code

    def stop_all(self) -> dict[str, int | None]:
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=10)
        return {name: self.stop(name) for name in list(self.processes)}
