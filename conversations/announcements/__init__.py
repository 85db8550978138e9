"""Announcements to people who asked for them: subscribing (/langganan) and stopping (/berhenti)."""
