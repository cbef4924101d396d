"""Outgoing mail: SMTP when MAIL_SERVER is set; otherwise (development, tests) the log.

Messages are discreet by design: no word about therapy, the practice or a partner, and
never clinical content — only a greeting and a link.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def send_mail(to: str, subject: str, template: str, **context: object) -> None:
    """Render templates/email/<template>.txt and send it as plain text."""
    config = current_app.config
    body = render_template(f"email/{template}.txt", **context)
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="rekindle.local")
    message.set_content(body)

    if config.get("MAIL_TO_LOG") or not config.get("MAIL_SERVER"):
        if config["REKINDLE_ENV"] == "production":
            raise MailError("no mail server is configured")
        current_app.logger.info("mail (not sent, development) to %s: %s\n%s", to, subject, body)
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        current_app.logger.error("mail to a recipient failed: %s", type(error).__name__)
        raise MailError("the mail server did not accept the message") from error
