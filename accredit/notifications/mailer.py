"""SMTP: one connection per delivery batch, opened on first use, and failures sorted into what to do next."""
from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any


class DeliveryError(Exception):
    """A send that did not happen. `permanent`: retrying will not help (5xx for this message).
    `connection`: the server could not be reached or refused us, so the rest of the batch should wait."""

    def __init__(self, reason: str, *, permanent: bool = False, connection: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.permanent, self.connection = reason, permanent, connection


def build_message(notification: Any, config: Mapping[str, Any], now: datetime) -> EmailMessage:
    """The email for a notification: plain text with an HTML alternative, a stable Message-ID."""
    sender = config["MAIL_FROM"]
    domain = sender.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(notification.dedupe_key.encode()).hexdigest()[:16]
    message = EmailMessage()
    message["Subject"] = notification.subject
    message["From"] = sender
    message["To"] = formataddr((notification.recipient.name, notification.recipient.email))
    message["Date"] = format_datetime(now)
    # The same notification always has the same Message-ID, so a receiving server can drop a duplicate.
    message["Message-ID"] = f"<accredit.{notification.id}.{digest}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should not answer
    message.set_content(notification.body_text)
    message.add_alternative(notification.body_html, subtype="html")
    return message


class Mailer:
    """`with Mailer(config) as mailer: mailer.send(message)`: connects on the first send, quits at the end."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        """Send one message; raises DeliveryError saying whether to retry and whether the connection is lost."""
        try:
            smtp = self._connect()
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as refused:
            code, text = next(iter(refused.recipients.values()))
            raise DeliveryError(_describe(code, text, "recipient"), permanent=code >= 500) from refused
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, smtplib.SMTPHeloError,
                smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as lost:
            self._drop()
            raise DeliveryError(_connection_reason(lost, self._config), connection=True) from lost
        except smtplib.SMTPResponseException as refused:
            raise DeliveryError(_describe(refused.smtp_code, refused.smtp_error, "message"),
                                permanent=refused.smtp_code >= 500) from refused
        except (OSError, smtplib.SMTPException) as lost:
            self._drop()
            raise DeliveryError(_connection_reason(lost, self._config), connection=True) from lost

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        c = self._config
        if c["SMTP_USE_SSL"]:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(c["SMTP_HOST"], c["SMTP_PORT"], timeout=c["SMTP_TIMEOUT"],
                                                  context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(c["SMTP_HOST"], c["SMTP_PORT"], timeout=c["SMTP_TIMEOUT"])
            if c["SMTP_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
        if c.get("SMTP_USERNAME"):
            smtp.login(c["SMTP_USERNAME"], c.get("SMTP_PASSWORD") or "")
        self._smtp = smtp
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _describe(code: int, text: bytes | str, what: str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"The mail server refused the {what}: {code} {text}".strip()


def _connection_reason(error: BaseException, config: Mapping[str, Any]) -> str:
    where = f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"
    detail = str(error) or type(error).__name__
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"The mail server {where} did not accept the username and password: {detail}"
    return f"Could not deliver through the mail server {where}: {detail}"
