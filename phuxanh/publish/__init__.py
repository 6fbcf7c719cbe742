"""The exactly-once core: the publisher, pacing, pauses, resolving in-doubt sends,
channel tokens, channels and reach metrics."""
