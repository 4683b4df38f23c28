"""Webhooks to bots: what a change tells the bot, recorded with the change, then delivered
signed, in order per lead and at least once (docs/webhooks.md)."""
