"""The contact center's rules as plain Python: no AWS, no I/O."""
