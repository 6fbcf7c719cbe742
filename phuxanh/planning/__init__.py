"""The campaign file (its schema and loader) and the best-time hints the planner uses."""
