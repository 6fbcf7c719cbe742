"""Rapid official response: an incident (a false claim circulating in public) and the
office's sourced clarification on its own channels (`core`), and its report (`report`)."""
