"""Real local servers the handler tests talk to: PostgreSQL, s3rver and dynalite on 127.0.0.1."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LOCALHOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout_seconds: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before listening on {port}")
        try:
            with socket.create_connection((LOCALHOST, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on {LOCALHOST}:{port} within {timeout_seconds} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class NodeServer:
    """A Node.js server from the project's node_modules/.bin, started on a free port."""

    def __init__(self, repo_root: Path, binary: str, args: list[str]) -> None:
        executable = repo_root / "node_modules" / ".bin" / binary
        if not executable.exists():
            raise RuntimeError(f"{executable} is missing: run 'npm ci' first")
        self.port = free_port()
        self.endpoint_url = f"http://{LOCALHOST}:{self.port}"
        command = [str(executable), *[arg.replace("{port}", str(self.port)) for arg in args]]
        # A file, not a pipe: nobody drains a pipe while the tests run, and a full one blocks the server.
        self._log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(self.port, self._process)
        except (RuntimeError, TimeoutError) as exc:
            stop_process(self._process)
            output = self._output()
            self._log.close()
            raise RuntimeError(f"{binary}: {exc}\n{output}") from None

    def _output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        stop_process(self._process)
        self._log.close()


def start_s3rver(repo_root: Path, directory: Path) -> NodeServer:
    return NodeServer(
        repo_root,
        "s3rver",
        ["--directory", str(directory), "--port", "{port}", "--address", LOCALHOST, "--silent"],
    )


def start_dynalite(repo_root: Path) -> NodeServer:
    # Tables are created in the tests; the short createTableMs keeps setup fast.
    return NodeServer(repo_root, "dynalite", ["--host", LOCALHOST, "--port", "{port}", "--createTableMs", "0"])


def postgres_bin_dir() -> Path:
    """PG_BIN if set, else the directory of initdb on PATH, else `pg_config --bindir`."""
    configured = os.environ.get("PG_BIN")
    if configured:
        return Path(configured)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        bindir = subprocess.run([pg_config, "--bindir"], check=True, capture_output=True, text=True).stdout.strip()
        if (Path(bindir) / "initdb").exists():
            return Path(bindir)
    raise RuntimeError("PostgreSQL server binaries not found: install postgresql or set PG_BIN to the dir of initdb")


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    superuser: str
    superuser_password: str
    data_dir: Path
    _run_as: list[str]
    _pg_ctl: Path

    def stop(self) -> None:
        subprocess.run(
            [*self._run_as, str(self._pg_ctl), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb + pg_ctl in a temp dir, TCP on 127.0.0.1 only, password (SCRAM) authentication.

    PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
    (PG_USER overrides) and the temp dir is handed to that user.
    """
    bin_dir = postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    data_dir = root / "data"
    password = os.urandom(12).hex()
    password_file = root / "password"
    password_file.write_text(password)
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam(os.environ.get("PG_USER", "postgres"))
        for path in (root, password_file):
            os.chown(path, user.pw_uid, user.pw_gid)
        run_as = ["runuser", "-u", user.pw_name, "--"]
    subprocess.run(
        [
            *run_as,
            str(bin_dir / "initdb"),
            "--pgdata",
            str(data_dir),
            "--username",
            "postgres",
            "--pwfile",
            str(password_file),
            "--auth",
            "scram-sha-256",
            "--no-sync",
            "--no-instructions",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    options = f"-c listen_addresses={LOCALHOST} -c port={port} -c unix_socket_directories='' -c fsync=off -c full_page_writes=off"
    pg_ctl = bin_dir / "pg_ctl"
    started = subprocess.run(
        [*run_as, str(pg_ctl), "start", "-D", str(data_dir), "-w", "-t", "30", "-l", str(root / "server.log"), "-o", options],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stdout}{started.stderr}{log}")
    return PostgresServer(LOCALHOST, port, "postgres", password, data_dir, run_as, pg_ctl)
