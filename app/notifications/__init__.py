"""Notifications: milestone emails, recorded with the event that causes them and sent by the worker."""
