"""A local Apache Kafka 3.9 broker in KRaft mode (one combined node on 127.0.0.1).

Used by `xinfang kafka up|down`, the demo and the test suite. The jars come from Maven
Central through deploy/kafka/pom.xml and stay in ~/.m2; the resolved classpath is cached
in ~/.cache/xinfang so a second start needs no network.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

KAFKA_VERSION: Final = "3.9.1"
CACHE_DIR: Final = Path(os.environ.get("XINFANG_CACHE_DIR", Path.home() / ".cache" / "xinfang"))
REPO_ROOT: Final = Path(__file__).resolve().parents[2]
POM: Final = REPO_ROOT / "deploy" / "kafka" / "pom.xml"
LOG4J: Final = REPO_ROOT / "deploy" / "kafka" / "log4j.properties"

log = logging.getLogger(__name__)


class KafkaLocalError(RuntimeError):
    """The local broker could not be set up, started or stopped; the message says why."""


def classpath() -> str:
    """The broker's Java classpath, resolving the jars through Maven on first use."""
    cached = CACHE_DIR / f"kafka-{KAFKA_VERSION}.classpath"
    if cached.exists():
        entries = cached.read_text().strip().split(os.pathsep)
        if entries and all(Path(entry).exists() for entry in entries):
            return os.pathsep.join(entries)
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaLocalError("Maven (mvn) is not installed: it fetches the Kafka jars")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    command = [
        mvn, "-q", "-B", "-f", str(POM), "dependency:build-classpath",
        f"-Dmdep.outputFile={cached}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not cached.exists():
        raise KafkaLocalError(
            "Maven could not fetch the Kafka jars from Maven Central:\n"
            + (result.stdout + result.stderr)[-3000:]
        )
    return cached.read_text().strip()


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise KafkaLocalError("Java 17 is not installed: the Kafka broker needs it")
    return java


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


_EPHEMERAL_RANGE: Final = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST_PORT: Final = 20000
_given_ports: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = (int(part) for part in _EPHEMERAL_RANGE.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now, for a server started a little later.

    The port is chosen below the kernel's ephemeral range, at random, and never twice in one
    process: the kernel hands ephemeral ports to every outgoing connection (a Kafka client
    opens many), so a port picked there can be taken between being picked and being bound,
    and so can one a parallel test run picked the same way."""
    low, _ = _ephemeral_range()
    ceiling = max(low, _LOWEST_PORT + 1000)
    chooser = random.SystemRandom()
    for _ in range(200):
        port = chooser.randrange(_LOWEST_PORT, ceiling)
        if port not in _given_ports and _bindable(port):
            _given_ports.add(port)
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        fallback: int = sock.getsockname()[1]
        return fallback


@dataclass(frozen=True)
class KafkaLocal:
    """One broker whose data, configuration, log and pid file live under ``home``."""

    home: Path
    port: int = 9092
    controller_port: int = 9093
    heap: str = "768m"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.home / "kafka.log"

    @property
    def _pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def _data(self) -> Path:
        return self.home / "data"

    @property
    def _config(self) -> Path:
        return self.home / "server.properties"

    def _write_config(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self._config.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
                    f"CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={self._data}",
                    "num.partitions=4",
                    # One node: internal topics cannot have more replicas than brokers.
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=8",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    # Topics come from the registry (`xinfang topics create`); a typo in a
                    # topic name must fail, not create a stray topic.
                    "auto.create.topics.enable=false",
                    "log.cleaner.backoff.ms=1000",
                    "",
                ]
            )
        )

    def running_pid(self) -> int | None:
        """The broker's pid if this home's broker process is alive."""
        try:
            pid = int(self._pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def up(self, timeout: float = 90.0) -> None:
        """Format the storage if new, start the broker and wait until it answers."""
        if self.running_pid() is not None and port_open("127.0.0.1", self.port):
            log.info("kafka already running", extra={"bootstrap": self.bootstrap})
            return
        if port_open("127.0.0.1", self.port):
            raise KafkaLocalError(f"port {self.port} is taken by another process")
        cp = classpath()
        self._write_config()
        java = _java()
        if not (self._data / "meta.properties").exists():
            self._format(java, cp)
        with self.log_file.open("ab") as out:
            process = subprocess.Popen(
                [java, f"-Xmx{self.heap}", f"-Xms{self.heap}", "-XX:+UseG1GC",
                 "-Djava.awt.headless=true",
                 f"-Dlog4j.configuration=file:{LOG4J}",
                 f"-Dkafka.logs.file={self.log_file}",
                 "-cp", cp, "kafka.Kafka", str(self._config)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        self._pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise KafkaLocalError(
                    f"the broker exited with {process.returncode}; see {self.log_file}"
                )
            if port_open("127.0.0.1", self.port) and self._answers():
                log.info("kafka up", extra={"bootstrap": self.bootstrap, "pid": process.pid})
                return
            time.sleep(0.5)
        self.down()
        raise KafkaLocalError(
            f"the broker did not answer within {timeout:.0f}s; see {self.log_file}"
        )

    def _format(self, java: str, cp: str, attempts: int = 3) -> None:
        # Base64url may start with "-" (one id in 32): in "-t ID" argparse would take it for
        # an option and refuse the command, so the id goes in the "--cluster-id=" form.
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        problem = ""
        for _ in range(attempts):
            # A JVM can die at start-up on a loaded machine; formatting is safe to repeat.
            fmt = subprocess.run(
                [java, "-cp", cp, "kafka.tools.StorageTool", "format", "--ignore-formatted",
                 f"--cluster-id={cluster_id}", "-c", str(self._config)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if fmt.returncode == 0:
                return
            problem = f"exit status {fmt.returncode}\n{fmt.stdout}{fmt.stderr}"
            time.sleep(1)
        raise KafkaLocalError(f"formatting the storage failed: {problem}")

    def _answers(self) -> bool:
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        try:
            admin = KafkaAdminClient(
                bootstrap_servers=self.bootstrap, request_timeout_ms=3000, client_id="xinfang-probe"
            )
        except (KafkaError, OSError, ValueError):
            return False
        try:
            admin.list_topics()
            return True
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()

    def down(self, timeout: float = 30.0) -> bool:
        """Stop the broker (SIGTERM, then SIGKILL after ``timeout``). False if none ran."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            _reap(pid)
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
        self._pid_file.unlink(missing_ok=True)
        log.info("kafka down", extra={"pid": pid})
        return True


def _reap(pid: int) -> None:
    # The broker is our child when this process started it; reap it so it is not a zombie.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
