"""Who is calling an `/api/...` route: the Bearer access token, verified by the app."""

from __future__ import annotations

from chalice.app import Request

from chalicelib.api.http import bearer_token
from chalicelib.api.rate_limits import limit_operator
from chalicelib.auth.operators import Operator
from chalicelib.bootstrap import services
from chalicelib.domain.errors import Forbidden, Unauthorized


def current_operator(request: Request) -> Operator:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("sign in first: send Authorization: Bearer <access token>")
    operator = services().verifier.verify(token)
    limit_operator(operator.username)
    return operator


def current_admin(request: Request) -> Operator:
    operator = current_operator(request)
    if not operator.admin:
        raise Forbidden("only admins may do this")
    return operator
