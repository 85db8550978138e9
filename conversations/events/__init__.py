"""Events from the participant's side: browsing upcoming events, registering, /acarasaya."""
