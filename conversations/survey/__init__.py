"""The survey conversation: consent, questions, review, submit, cancel."""
