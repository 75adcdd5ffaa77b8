"""Handing one message to the mail server: plain, STARTTLS or SSL, with credentials from the environment."""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

from baton_itsm.core.settings.notifications import SmtpConfig, SmtpSecurity
from baton_itsm.plugins.email.errors import MailRefused, MailUnavailable

log = logging.getLogger(__name__)


def _is_temporary(code: int | None) -> bool:
    return code is not None and 400 <= code < 500


@dataclass
class SmtpSender:
    config: SmtpConfig
    environ: Mapping[str, str] = field(repr=False)  # holds the credentials: never in a log line
    tls_context: Callable[[], ssl.SSLContext] = field(default=ssl.create_default_context)

    def send(self, mail: EmailMessage) -> None:
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as error:  # refused, timed out, no such host, greeting 4xx
            raise MailUnavailable(f"cannot reach the mail server {self._where()}: {error}") from None
        try:
            self._secure_and_log_in(smtp)
            smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            kind = MailUnavailable if all(map(_is_temporary, codes)) else MailRefused
            raise kind(f"the mail server refused {', '.join(error.recipients)}: {error.recipients}") from None
        except smtplib.SMTPResponseException as error:
            kind = MailUnavailable if _is_temporary(error.smtp_code) else MailRefused
            raise kind(f"the mail server {self._where()} answered {error.smtp_code} {_text(error.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as error:  # TLS refused, connection dropped: the message was not taken
            raise MailUnavailable(f"the conversation with the mail server {self._where()} failed: {error}") from None
        finally:
            _close(smtp)

    def _connect(self) -> smtplib.SMTP:
        host, port, timeout = self.config.host, self.config.effective_port, self.config.timeout_seconds
        if self.config.security is SmtpSecurity.SSL:
            return smtplib.SMTP_SSL(host, port, timeout=timeout, context=self.tls_context())
        return smtplib.SMTP(host, port, timeout=timeout)

    def _secure_and_log_in(self, smtp: smtplib.SMTP) -> None:
        if self.config.security is SmtpSecurity.STARTTLS:
            smtp.starttls(context=self.tls_context())
        if self.config.username_env:
            user, password = (self.environ.get(self.config.username_env), self.environ.get(self.config.password_env))
            if not user or not password:
                # Retryable: the message waits while the administrator sets the variables and restarts.
                raise MailUnavailable(f"set {self.config.username_env} and {self.config.password_env} in the "
                                      "environment: the mail server needs credentials")
            smtp.login(user, password)

    def _where(self) -> str:
        return f"{self.config.host}:{self.config.effective_port}"


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def _close(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a failure now cannot undo a message the server already took, so it must not fail the send."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException) as error:
        log.debug("closing the SMTP connection: %s", error)
        smtp.close()
