"""Email templates rendered with Jinja2 in a sandbox that bounds what a template may reach and
how much work it may do."""

from ticketbase.adapters.jinja.email_templates import JinjaEmailTemplates

__all__ = ["JinjaEmailTemplates"]
