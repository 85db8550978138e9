"""Events from the participant's side: browsing upcoming events now; registering comes later."""
