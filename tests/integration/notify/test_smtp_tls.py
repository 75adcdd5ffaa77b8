"""The SMTP sender over STARTTLS and over SSL, with credentials from the environment, against aiosmtpd."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from baton_itsm.core.settings.notifications import SmtpConfig
from baton_itsm.plugins.email.errors import MailServerRefused
from baton_itsm.plugins.email.smtp import SmtpSender
from tests.mail import CollectingHandler, MailServer, free_port

LOGIN = ("baton", "s3cret")
# Over SMTPS the server must be told AUTH is fine without STARTTLS, and aiosmtpd warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A throwaway self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def mail() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "baton@desk.example.com", "carol@example.com", "hello"
    message.set_content("over TLS")
    return message


@pytest.fixture
def tls_server(certificate):
    started = []

    def start(mode: str) -> MailServer:
        server = MailServer(free_port(), login=LOGIN)
        # Credentials only after TLS: aiosmtpd's default (auth_require_tls) is what a careful relay does. Over
        # SMTPS aiosmtpd cannot tell the transport is TLS, so it would never offer AUTH unless told.
        tls = (
            {"tls_context": server_context(certificate), "require_starttls": True}
            if mode == "starttls"
            else {"ssl_context": server_context(certificate), "auth_require_tls": False}
        )
        controller = Controller(
            CollectingHandler(server.received, set()),
            hostname="127.0.0.1",
            port=server.port,
            authenticator=server._check_login,
            auth_required=True,
            **tls,
        )
        controller.start()
        started.append(controller)
        return server

    yield start
    for controller in started:
        controller.stop()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_sends_over_tls_with_credentials_from_the_environment(tls_server, certificate, security):
    server = tls_server(security)
    config = SmtpConfig(host="127.0.0.1", port=server.port, security=security, username_env="U", password_env="P")
    trust_test_ca = lambda: ssl.create_default_context(cafile=str(certificate[0]))  # noqa: E731
    SmtpSender(config, {"U": LOGIN[0], "P": LOGIN[1]}, trust_test_ca).send(mail())
    assert [r.envelope_to for r in server.received] == [["carol@example.com"]]

    with pytest.raises(MailServerRefused, match="535"):
        SmtpSender(config, {"U": LOGIN[0], "P": "wrong"}, trust_test_ca).send(mail())


def test_an_untrusted_certificate_is_not_accepted(tls_server):
    server = tls_server("starttls")
    config = SmtpConfig(host="127.0.0.1", port=server.port, security="starttls")
    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
        SmtpSender(config, {}).send(mail())
    assert server.received == []
