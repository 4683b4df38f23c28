"""Live events: the websocket connections of the operator UI and what is pushed to them
(docs/live-events.md)."""
