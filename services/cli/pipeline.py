"""Running the services as separate OS processes on one machine (demo and end-to-end tests)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from services.common.kafka_local import free_port


@dataclass
class ServiceProcess:
    name: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None

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
    services: tuple[str, ...] = ("intake", "dedup", "escalation", "notification")
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    def env_for(self, name: str, port: int) -> dict[str, str]:
        env = dict(os.environ)
        upper = name.upper()
        env.update(
            {
                "XINFANG_BOOTSTRAP_SERVERS": self.bootstrap,
                "XINFANG_TOPIC_PREFIX": self.prefix,
                "XINFANG_DATA_DIR": str(self.work_dir / "state"),
                "XINFANG_DEMO_MODE": "true",
                "XINFANG_STANDBY_REPLICAS": "0",
                # A killed worker's partitions move after this long: keep restarts quick.
                "XINFANG_SESSION_TIMEOUT_SECONDS": "10",
                # Digests of escalation alerts after seconds, not the policy's minutes.
                "XINFANG_NOTIFICATION_MAX_GROUP_SECONDS": "2",
                f"XINFANG_{upper}_WEB_PORT": str(port),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, name: str) -> ServiceProcess:
        """Start (or restart) one service process; its output goes to <work_dir>/logs."""
        existing = self.processes.get(name)
        port = existing.port if existing else free_port()
        log_dir = self.work_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        proc = ServiceProcess(name, port, log_dir / f"{name}.log")
        proc.log_file = proc.log_path.open("ab")
        proc.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "run", name],
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

    def kill(self, name: str) -> None:
        """kill -9: no shutdown, no final commit (reliability tests)."""
        proc = self.processes[name]
        if proc.process is not None and proc.process.poll() is None:
            proc.process.send_signal(signal.SIGKILL)
            proc.process.wait(timeout=30)

    def stop(self, name: str, timeout: float = 30.0) -> int | None:
        """SIGTERM and wait for a graceful stop; SIGKILL after ``timeout``."""
        proc = self.processes[name]
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
        return {name: self.stop(name) for name in list(self.processes)}
