"""Admins in the chat: who is staff (/staf), and the audit log (/audit)."""
