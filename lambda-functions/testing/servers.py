"""Real local servers the handler tests talk to: PostgreSQL (TLS only), s3rver and dynalite on 127.0.0.1."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pg8000.native

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
class CertificateAuthority:
    """A throw-away CA made with the openssl command line for one test session."""

    cert_file: Path
    key_file: Path


def _openssl(*args: str) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl not found: install the openssl package (the PostgreSQL TLS tests make their CA with it)")
    result = subprocess.run([openssl, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {result.stderr}")


def create_certificate_authority(directory: Path, name: str) -> CertificateAuthority:
    """A self-signed CA (P-256, valid for a day) with the extensions strict verifiers require."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = CertificateAuthority(directory / f"{name}.crt", directory / f"{name}.key")
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(ca.key_file), "-out", str(ca.cert_file), "-days", "1", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-addext", "subjectKeyIdentifier=hash",
    )  # fmt: skip
    return ca


def issue_server_certificate(ca: CertificateAuthority, directory: Path, name: str, subject_alt_names: list[str]) -> tuple[Path, Path]:
    """(certificate, key) for a TLS server, signed by `ca`, valid for exactly these names (e.g. IP:127.0.0.1)."""
    key_file, csr_file, cert_file, ext_file = (directory / f"{name}.{suffix}" for suffix in ("key", "csr", "crt", "ext"))
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", str(key_file), "-out", str(csr_file), "-subj", f"/CN={name}",
    )  # fmt: skip
    ext_file.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid:always\n"
        f"subjectAltName={','.join(subject_alt_names)}\n"
    )
    _openssl(
        "x509", "-req", "-in", str(csr_file), "-CA", str(ca.cert_file), "-CAkey", str(ca.key_file),
        "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "1", "-extfile", str(ext_file), "-out", str(cert_file),
    )  # fmt: skip
    csr_file.unlink()
    ext_file.unlink()
    return cert_file, key_file


def verifying_context(ca_file: Path) -> ssl.SSLContext:
    """What platform_db builds from a CA bundle: chain and host name verified."""
    return ssl.create_default_context(cafile=str(ca_file))


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    superuser: str
    superuser_password: str
    data_dir: Path
    # The CA that signed the server's certificate, which names only `host` (IP:127.0.0.1).
    ca_file: Path
    _run_as: list[str]
    _pg_ctl: Path

    def connect(self, user: str, password: str, database: str = "postgres") -> pg8000.native.Connection:
        """A verified TLS connection as `user` (the server accepts no other kind)."""
        return pg8000.native.Connection(
            user, password=password, host=self.host, port=self.port, database=database, ssl_context=verifying_context(self.ca_file)
        )

    def stop(self) -> None:
        subprocess.run(
            [*self._run_as, str(self._pg_ctl), "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """initdb + pg_ctl in a temp dir, TCP on 127.0.0.1 only, TLS only, password (SCRAM) authentication.

    The server certificate comes from a CA made for this run and names IP:127.0.0.1 only, so a
    client verifying it (platform_db) succeeds with that CA and fails with any other CA or host
    name. pg_hba.conf admits `hostssl` only, as RDS does with rds.force_ssl=1.
    PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
    (PG_USER overrides) and the temp dir is handed to that user.
    """
    bin_dir = postgres_bin_dir()
    root = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    data_dir = root / "data"
    run_as: list[str] = []
    try:
        password = os.urandom(12).hex()
        password_file = root / "password"
        password_file.write_text(password)
        ca = create_certificate_authority(root / "ca", "pytest-postgres-ca")
        server_cert, server_key = issue_server_certificate(ca, root, "server", [f"IP:{LOCALHOST}"])
        # PostgreSQL refuses a key file others can read.
        server_key.chmod(0o600)
        if os.geteuid() == 0:
            user = pwd.getpwnam(os.environ.get("PG_USER", "postgres"))
            for path in (root, password_file, server_cert, server_key):
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
        (data_dir / "pg_hba.conf").write_text(f"hostssl all all {LOCALHOST}/32 scram-sha-256\n")
        port = free_port()
        options = (
            f"-c listen_addresses={LOCALHOST} -c port={port} -c unix_socket_directories='' -c fsync=off -c full_page_writes=off "
            f"-c ssl=on -c ssl_cert_file={server_cert} -c ssl_key_file={server_key}"
        )
        pg_ctl = bin_dir / "pg_ctl"
        started = subprocess.run(
            [*run_as, str(pg_ctl), "start", "-D", str(data_dir), "-w", "-t", "30", "-l", str(root / "server.log"), "-o", options],
            capture_output=True,
            text=True,
        )
        if started.returncode != 0:
            log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {started.stdout}{started.stderr}{log}")
        return PostgresServer(LOCALHOST, port, "postgres", password, data_dir, ca.cert_file, run_as, pg_ctl)
    except BaseException:
        # initdb or pg_ctl failed (or timed out with a server half up): stop what may run, remove the folder.
        if (data_dir / "postmaster.pid").exists():
            subprocess.run(
                [*run_as, str(bin_dir / "pg_ctl"), "stop", "-D", str(data_dir), "-m", "immediate", "-w"], check=False, capture_output=True
            )
        shutil.rmtree(root, ignore_errors=True)
        raise
