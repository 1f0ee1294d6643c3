"""Payment gateways: Stripe-compatible card payments over HTTP, and the free and box-office
gateways that move no money through a provider."""

from ticketbase.adapters.payments.offline import FreeGateway, ManualGateway
from ticketbase.adapters.payments.stripe import StripeGateway

__all__ = ["FreeGateway", "ManualGateway", "StripeGateway"]
