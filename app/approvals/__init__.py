"""Approvals' domain: policies and routing, decisions on steps, reminders and escalation, the inbox queries."""
