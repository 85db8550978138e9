"""Staff in the chat: making, changing and cancelling events, and their registrants."""
