"""Notifications: the EventBus contract and its default, the durable log in the metadata store."""

from .bus import ConsumerSpec, ConsumerState, Delivery, EventBus
from .log import StoreLogBus

__all__ = ["ConsumerSpec", "ConsumerState", "Delivery", "EventBus", "StoreLogBus"]
