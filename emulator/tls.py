"""HTTPS for the emulator: a certificate given by the user, or a self-signed one made with the `openssl` command.

The standard library cannot make certificates, so the emulator runs the `openssl` CLI (present wherever Python's ssl
module is built, on Linux and macOS); it never imports a third-party package for this.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import ssl
import subprocess  # nosec - runs openssl with fixed arguments
import tempfile


class TlsError(RuntimeError):
    """No certificate could be made or loaded; the message says why."""


def generate_certificate(directory: str, host: str) -> tuple[str, str]:
    """(certificate path, key path) of a new self-signed certificate for localhost, 127.0.0.1, ::1 and `host`."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise TlsError("--tls without --tls-cert needs the openssl command to make a certificate; install it or give --tls-cert/--tls-key")
    names = ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]
    if host and host not in ("localhost", "0.0.0.0", "::", "127.0.0.1", "::1"):  # nosec - compared, not bound
        try:
            names.append(f"IP:{ipaddress.ip_address(host)}")
        except ValueError:
            names.append(f"DNS:{host}")
    cert, key = os.path.join(directory, "emulator-cert.pem"), os.path.join(directory, "emulator-key.pem")
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30", "-subj", "/CN=cloudwall-ecs-emulator",
               "-addext", "subjectAltName=" + ",".join(names), "-keyout", key, "-out", cert]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # nosec - fixed arguments
    if result.returncode != 0:
        raise TlsError(f"openssl could not make a certificate: {result.stderr.strip()[-500:]}")
    os.chmod(key, 0o600)
    return cert, key


class ServerTls:
    """The server's SSL context, the certificate clients should trust, and the temporary directory of a generated
    certificate (None for a user's own), removed by cleanup() when the server stops."""

    def __init__(self, context: ssl.SSLContext, ca_cert: str, directory: str | None = None):
        self.context = context
        self.ca_cert = ca_cert
        self.directory = directory

    def cleanup(self) -> None:
        """Remove the generated certificate's directory; a user's own certificate and key are never touched."""
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def _load(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise TlsError(f"cannot load the certificate {cert} with key {key}: {error}") from None
    return context


def server_tls(cert: str | None, key: str | None, host: str) -> ServerTls:
    """HTTPS for the server: the user's certificate and key, or a self-signed certificate made in a new temporary
    directory. A generated private key is deleted as soon as the context holds it (it never has to be read again);
    the certificate stays for clients to trust until cleanup()."""
    if cert is not None and key is not None:
        return ServerTls(_load(cert, key), cert)
    directory = tempfile.mkdtemp(prefix="ecs-emulator-tls-")
    try:
        cert, key = generate_certificate(directory, host)
        context = _load(cert, key)
        os.unlink(key)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return ServerTls(context, cert, directory)
