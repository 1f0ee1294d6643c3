"""The development mailer: each outgoing message becomes an ``.eml`` file in a folder."""

from ticketbase.adapters.mailbox.mailer import MailboxMailer, MailboxProbe

__all__ = ["MailboxMailer", "MailboxProbe"]
