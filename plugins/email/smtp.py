"""Handing one message to the mail server: plain, STARTTLS or SSL, with credentials from the environment.

A refusal of one message (its recipient, its content) fails that message. A refusal of Baton itself (the login, the
sender address, its HELO or STARTTLS) is the deployment's fault: it is logged at ERROR with what the admin should check,
and the message waits in the outbox for the fix (MailServerRefused). Neither message nor log shows the password.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage

from baton_itsm.core.plugin_api import SmtpConfig, SmtpSecurity
from baton_itsm.plugins.email.errors import MailRefused, MailServerRefused, MailUnavailable

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
            answer = f"{error.smtp_code} {self._masked(_text(error.smtp_error))}"
            if _is_temporary(error.smtp_code):
                raise MailUnavailable(f"the mail server {self._where()} answered {answer}") from None
            if isinstance(error, smtplib.SMTPDataError):  # this message's content or size: the next one may go
                raise MailRefused(f"the mail server {self._where()} refused the message: {answer}") from None
            raise self._refused_baton(error, answer) from None
        except smtplib.SMTPNotSupportedError as error:  # no AUTH offered: Baton's settings and the server disagree
            raise self._refused_baton(error, str(error)) from None
        except (OSError, smtplib.SMTPException) as error:  # TLS refused, connection dropped: the message was not taken
            raise MailUnavailable(f"the conversation with the mail server {self._where()} failed: {error}") from None
        finally:
            _close(smtp)

    def _refused_baton(self, error: Exception, answer: str) -> MailServerRefused:
        """The server refused Baton's login, sender or connection: logged now with what to check; the email waits."""
        config = self.config
        if (
            isinstance(error, (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError))
            or getattr(error, "smtp_code", None) == 530
        ):
            what = "refused Baton's login"
            check = (
                f"check the user name and password in the environment variables {config.username_env} and "
                f"{config.password_env}"
                if config.username_env
                else "it wants a login: set notifications.smtp.username_env and password_env"
            ) + " (notifications.smtp), and that the server offers AUTH on this port and security"
        elif isinstance(error, smtplib.SMTPSenderRefused):
            what = f"refused the sender {config.from_address}"
            check = "check that notifications.smtp.from_address may send through this server"
        else:
            what = "refused Baton"
            check = "check notifications.smtp (host, port, security) with the mail server's administrator"
        message = (
            f"the mail server {self._where()} {what} ({answer}): {check}; then restart Baton. Emails wait in "
            f"the outbox and are retried for {config.retry_hours:g} h"
        )
        log.error("%s", message)
        return MailServerRefused(message, keep_trying_for=timedelta(hours=config.retry_hours))

    def _masked(self, text: str) -> str:
        """A server's answer never shows the password, even if it echoes what it was sent."""
        password = self.environ.get(self.config.password_env) if self.config.password_env else None
        return text.replace(password, "***") if password else text

    def check(self) -> str:
        """Connect, secure and log in as a delivery would, and send nothing: what worked, in one line.

        Raises MailUnavailable or MailRefused with one line saying what is wrong and which setting or
        variable to look at; never the password.
        """
        where = self._where()
        try:
            smtp = self._connect()
        except ConnectionRefusedError:
            raise MailUnavailable(
                f"cannot reach the mail server {where}: nothing is listening there (connection "
                "refused); check notifications.smtp.host and port"
            ) from None
        except (OSError, smtplib.SMTPException) as error:  # no such host, timed out, TLS refused, greeting 4xx/5xx
            raise MailUnavailable(f"cannot reach the mail server {where}: {_one_line(error)}") from None
        try:
            self._secure_and_log_in(smtp)
        except smtplib.SMTPNotSupportedError as error:  # no STARTTLS or no AUTH offered
            raise MailRefused(
                f"the mail server {where} does not offer {_extension(error)}; check "
                "notifications.smtp.security and its credentials"
            ) from None
        except smtplib.SMTPAuthenticationError as error:
            raise MailRefused(
                f"the mail server {where} refused the login ({error.smtp_code} "
                f"{_one_line(self._masked(_text(error.smtp_error)))}): check {self.config.username_env} and "
                f"{self.config.password_env}"
            ) from None
        except smtplib.SMTPResponseException as error:
            raise MailUnavailable(
                f"the mail server {where} answered {error.smtp_code} {_one_line(self._masked(_text(error.smtp_error)))}"
            ) from None
        except (OSError, smtplib.SMTPException) as error:  # the TLS handshake or the connection failed
            raise MailUnavailable(f"the conversation with the mail server {where} failed: {_one_line(error)}") from None
        finally:
            _close(smtp)
        done = [str(self.config.security).upper()] if self.config.security is not SmtpSecurity.NONE else []
        if self.config.username_env:
            done.append(f"logged in as the user in {self.config.username_env}")
        return f"mail server {where}: reachable" + (f" ({', '.join(done)})" if done else "")

    def _connect(self) -> smtplib.SMTP:
        host, port, timeout = self.config.host, self.config.effective_port, self.config.timeout_seconds
        if self.config.security is SmtpSecurity.SSL:
            return smtplib.SMTP_SSL(host, port, timeout=timeout, context=self.tls_context())
        return smtplib.SMTP(host, port, timeout=timeout)

    def _secure_and_log_in(self, smtp: smtplib.SMTP) -> None:
        if self.config.security is SmtpSecurity.STARTTLS:
            smtp.starttls(context=self.tls_context())
        if self.config.username_env and self.config.password_env:  # the settings require both or neither
            user, password = (self.environ.get(self.config.username_env), self.environ.get(self.config.password_env))
            if not user or not password:
                # Retryable: the message waits while the administrator sets the variables and restarts.
                raise MailUnavailable(
                    f"set {self.config.username_env} and {self.config.password_env} in the "
                    "environment: the mail server needs credentials"
                )
            smtp.login(user, password)

    def _where(self) -> str:
        return f"{self.config.host}:{self.config.effective_port}"


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)


def _one_line(said: BaseException | str) -> str:
    """A multi-line answer or error as one line (`baton check` says each problem in one)."""
    return " ".join(str(said).split()) or type(said).__name__


def _extension(error: smtplib.SMTPNotSupportedError) -> str:
    """STARTTLS or AUTH, from smtplib's "STARTTLS extension not supported by server."."""
    return str(error).split(" extension", 1)[0] or "what the settings need"


def _close(smtp: smtplib.SMTP) -> None:
    """Say goodbye; a failure now cannot undo a message the server already took, so it must not fail the send."""
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException) as error:
        log.debug("closing the SMTP connection: %s", error)
        smtp.close()
