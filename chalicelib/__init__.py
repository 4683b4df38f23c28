"""Handover: everything that runs in Lambda (this folder is packaged whole)."""
