"""Operator authentication: Cognito access tokens and websocket tickets."""
