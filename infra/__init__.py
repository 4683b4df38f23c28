"""Handover's AWS CDK app: `app.py` is the entry point, `stack.py` composes the constructs."""
