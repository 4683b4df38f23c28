"""Notifications kept by the server: each operator's pending notification and the per-minute
`reminder` (R14), and the waiting-room escalation (docs/notifications.md)."""
