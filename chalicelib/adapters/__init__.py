"""Adapters to the outside: S3, the websocket management API, webhooks, Cognito."""
