"""Loopback emulators of the vendor APIs Textloop talks to (local runs and contract tests only)."""

from textloop_local.emulators.base import Emulator
from textloop_local.emulators.hubspot import HubSpotEmulator
from textloop_local.emulators.salesforce import SalesforceEmulator
from textloop_local.emulators.twilio import TwilioEmulator

__all__ = ["Emulator", "HubSpotEmulator", "SalesforceEmulator", "TwilioEmulator"]
