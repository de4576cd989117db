"""Integrationsmonitor: steering, data and reporting for municipal integration concepts."""

__version__ = "0.1.0"
