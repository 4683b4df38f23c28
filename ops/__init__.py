"""Commands for ops (development and operations machines; not packaged into Lambda)."""
