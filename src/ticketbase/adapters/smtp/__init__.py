"""The production mailer: delivery to an SMTP server (submission port, STARTTLS, AUTH)."""

from ticketbase.adapters.smtp.mailer import SmtpMailer, SmtpProbe

__all__ = ["SmtpMailer", "SmtpProbe"]
