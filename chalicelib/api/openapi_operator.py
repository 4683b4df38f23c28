"""The operator and admin API's routes, as the table its OpenAPI 3.1 document is generated from
(`openapi.py`), served at GET /api/openapi.json. The bodies are the Structs of
`schemas_operator.py`, `schemas_admin.py` and `schemas.py`, the classes the routes decode with.

Tests check it against the app's routes (every `/api` route is in it, nothing else), every
example against its schema, and real answers of the API against the documented schemas.
docs/operator-api.md is the prose version.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.api.openapi import FORGED_CURSOR, MERGED_LEAD, UPLOAD_REFUSED, Api, Route, StateRefusal, document
from chalicelib.api.schemas import Upload, UploadInput
from chalicelib.api.schemas_admin import (
    AdminBotList,
    Bot,
    BotCreated,
    BotCreateInput,
    BotInput,
    BotKey,
    BotWebhookSecret,
    DeadLetter,
    DeadLetterQuery,
    DeadLetters,
    OperatorList,
    OperatorQuery,
    PingResult,
    Replayed,
    ReplayInput,
    ScriptPreview,
    ScriptPreviewInput,
)
from chalicelib.api.schemas_auth import (
    Challenge,
    ChallengeInput,
    CodeSent,
    ForgotPasswordInput,
    MfaState,
    PasswordReset,
    ResetPasswordInput,
    TotpCodeInput,
    TotpSetup,
    TotpSetupInput,
)
from chalicelib.api.schemas_canned import CannedQuery, CannedReply, CannedReplyEdit, CannedReplyInput, CannedReplyList
from chalicelib.api.schemas_operator import (
    BotList,
    Counts,
    DialogPanel,
    Lead,
    LeadEdit,
    LeadId,
    LeadResult,
    LoginInput,
    Me,
    Message,
    MessageInput,
    MessagePage,
    MessageWindow,
    NoteInput,
    PanelQuery,
    RefreshInput,
    TabName,
    TabPage,
    TabQuery,
    Tokens,
    WsTicket,
)
from chalicelib.api.schemas_presence import StatusInput, TeamList, TeamMember
from chalicelib.api.schemas_search import SearchQueryString, SearchResults

AUTH = {401: "No access token, or one that is expired, tampered or from another pool (unauthorized); "
             "revoked in Cognito: disabled, deleted or signed out (token_revoked)",
        429: "Too many requests from this operator (rate_limited); wait Retry-After seconds",
        503: "Busy or unavailable (busy, unavailable); nothing was written, retry after Retry-After"}
ADMIN = {**AUTH, 403: "Only admins (Cognito group admins)"}
BODY = {400: "Malformed JSON or no body", 413: "Body over 256 KB", 415: "The body is not application/json",
        422: "Invalid fields (details.fields)"}
# Cognito's throttling and lockouts (chalicelib/auth/cognito.py, docs/security.md).
THROTTLED = {429: "Cognito throttled these attempts or locked the account for a while (too_many_attempts); "
                  "wait Retry-After seconds",
             503: "Cognito is unavailable (busy, unavailable); retry after Retry-After"}
SIGNED_IN = ("Signed in (tokens), or a challenge to answer at POST /api/auth/challenge", (Tokens, Challenge))
CHALLENGE_ERRORS = {**BODY, **THROTTLED, 401: "The session expired or was used (session_expired): sign in again",
                    422: "Invalid fields; a wrong or expired code (invalid_code); a password the pool's policy "
                         "refuses (password_refused, details.fields.new_password says why)"}
NO_DIALOG = {404: "No such dialog (lead_not_found)"}
NO_BOT = {404: "No such bot"}
NO_LETTER = {404: "No such dead letter"}
BOT_OFF = {409: "The bot is disabled (bot_disabled): enable it first"}
DIALOG = {"lead_id": LeadId}
BOT = {"bot_id": str}
LETTER = {"letter_id": str}
# Codes are checked against what Cognito sent or set up: a well-formed one may still be wrong.
WRONG_CODE = StateRefusal("invalid_code", "The code must be the one Cognito e-mailed, or the authenticator's current "
                          "code for the secret set up.", "code")
PASSWORD_REFUSED = StateRefusal("password_refused", "Cognito checks a new password against the pool's policy and "
                                "the user's history.", "new_password")
NO_SECRET_YET = StateRefusal("validation_failed", "A TOTP secret must have been set up first (POST /api/me/totp).",
                              "code")
WEBHOOK_REFUSED = StateRefusal("validation_failed", "Handover calls only addresses it may: in AWS https only (http to "
                               "localhost only in the local runtime).", "webhook_url")


def _action(name: str, operation_id: str, summary: str) -> Route:
    return Route("post", f"/api/dialogs/{{lead_id}}/{name}", operation_id, summary,
                 ok={200: ("The dialog's new state", LeadResult)},
                 errors={**AUTH, **NO_DIALOG, 409: "Refused by the state machine (invalid_transition, details.state)",
                         503: "The dialog kept changing; retry"}, path_params=DIALOG)


CANNED_FULL = StateRefusal("validation_failed", "An owner (the team, or one operator) keeps at most 100 canned "
                           "replies: delete one first.", "shortcut")
# Not stored state but the path: JSON Schema cannot tie a query parameter to a path parameter's value.
ALL_TAB_ONLY = (StateRefusal("validation_failed", "Only the All tab is filtered by state or bot.", "state"),
                StateRefusal("validation_failed", "Only the All tab is filtered by state or bot.", "bot_id"))
# What normalisation leaves of a query is not a schema's business: "#" alone, or only punctuation for a name.
NOTHING_TO_SEARCH = StateRefusal("validation_failed", "A query must keep something to compare once normalised: a tag "
                                 "after #, letters or digits for a name.", "q")
NO_CANNED = {404: "No such canned reply (canned_reply_not_found)"}
CANNED = {"shortcut": str}
CANNED_REFUSED = {409: "Another reply of the same owner has this shortcut (shortcut_taken)",
                  422: "Invalid fields (details.fields); a create over 100 replies for this owner "
                       "(details.fields.shortcut)"}


def _canned_routes(owner: str, prefix: str, errors: dict[int, str]) -> tuple[Route, ...]:
    name = owner.capitalize()
    whose = "the team's" if owner == "team" else "the operator's own"
    listing = (Route("get", prefix, "teamCannedReplies", "The team's canned replies",
                     ok={200: ("The replies", CannedReplyList)}, errors=errors),) if owner == "team" else ()
    return (*listing,
            Route("post", prefix, f"create{name}CannedReply", f"Create one of {whose} canned replies",
                  ok={201: ("Created", CannedReply)}, errors={**errors, **BODY, **CANNED_REFUSED},
                  body=CannedReplyInput, state_refusals=(CANNED_FULL,)),
            Route("patch", f"{prefix}/{{shortcut}}", f"edit{name}CannedReply", f"Edit one of {whose} canned replies",
                  ok={200: ("Edited", CannedReply)}, errors={**errors, **BODY, **NO_CANNED, **CANNED_REFUSED},
                  body=CannedReplyEdit, path_params=CANNED),
            Route("delete", f"{prefix}/{{shortcut}}", f"delete{name}CannedReply",
                  f"Delete one of {whose} canned replies", ok={204: ("Deleted", None)},
                  errors={**errors, **NO_CANNED}, path_params=CANNED))


ROUTES = (
    Route("post", "/api/auth/login", "login", "Sign in with Cognito (USER_PASSWORD_AUTH)",
          ok={200: SIGNED_IN}, errors={**BODY, **THROTTLED, 401: "Wrong username or password (invalid_credentials)"},
          body=LoginInput, public=True),
    Route("post", "/api/auth/challenge", "answerChallenge",
          "Answer a challenge: a new password, a TOTP code, or the first code of a TOTP set-up",
          ok={200: SIGNED_IN}, errors=CHALLENGE_ERRORS, body=ChallengeInput, public=True),
    Route("post", "/api/auth/totp-setup", "totpSetupWhileSigningIn",
          "During MFA_SETUP: a TOTP secret (and its otpauth URI for a QR code)",
          ok={200: ("Scan it, then answer MFA_SETUP with its first code and this session", TotpSetup)},
          errors=CHALLENGE_ERRORS, body=TotpSetupInput, public=True),
    Route("post", "/api/auth/forgot-password", "forgotPassword",
          "E-mail a code to reset the password (the same answer whether the user exists or not)",
          ok={202: ("If the account exists and has a verified e-mail, a code is on its way", CodeSent)},
          errors={**BODY, **THROTTLED}, body=ForgotPasswordInput, public=True),
    Route("post", "/api/auth/reset-password", "resetPassword", "Set a new password with the e-mailed code",
          ok={200: ("Reset: sign in with the new password", PasswordReset)},
          errors={**BODY, **THROTTLED, 422: "Invalid fields; a wrong or expired code, or an unknown user "
                                            "(invalid_code); a password the policy refuses (password_refused)"},
          body=ResetPasswordInput, public=True, state_refusals=(WRONG_CODE, PASSWORD_REFUSED)),
    Route("post", "/api/auth/refresh", "refresh", "New access and id tokens from a refresh token",
          ok={200: ("Refreshed", Tokens)}, errors={**BODY, 401: "The refresh token no longer works"},
          body=RefreshInput, public=True),
    Route("get", "/api/me", "me", "Who the token belongs to", ok={200: ("The operator", Me)}, errors=AUTH),
    Route("post", "/api/me/totp", "totpSetup", "Start turning on TOTP MFA: a new secret and its otpauth URI",
          ok={200: ("Scan it, then send its first code to /api/me/totp/verify", TotpSetup)},
          errors={**AUTH, **THROTTLED}),
    Route("post", "/api/me/totp/verify", "totpVerify", "Turn on TOTP MFA with the first code of the new secret",
          ok={200: ("On: every sign-in asks for a code", MfaState)},
          errors={**AUTH, **BODY, **THROTTLED, 422: "Invalid fields; a wrong code (invalid_code); no secret set up "
                                                     "first (validation_failed)"},
          body=TotpCodeInput, state_refusals=(WRONG_CODE, NO_SECRET_YET)),
    Route("post", "/api/ws-ticket", "wsTicket", "A one-time websocket ticket (60 s)",
          ok={200: ("Connect to ws_url?ticket=…", WsTicket)}, errors=AUTH),
    Route("get", "/api/tabs/{tab}", "tabPage", "A page of a tab, newest activity first",
          ok={200: ("The page", TabPage)},
          errors={**AUTH, 422: "Unknown tab, bad limit or cursor, a state or bot_id filter on a tab other than All"},
          query=TabQuery, path_params={"tab": TabName}, state_refusals=(FORGED_CURSOR, *ALL_TAB_ONLY)),
    Route("get", "/api/search", "search",
          "Find dialogs by lead id, lead_ref, phone, e-mail, tag or name prefix (one Query a page)",
          ok={200: ("How the query was read, and a page of dialog rows", SearchResults)},
          errors={**AUTH, 422: "An empty or over-long q, a bad limit, or a cursor of another search"},
          query=SearchQueryString, state_refusals=(FORGED_CURSOR, NOTHING_TO_SEARCH)),
    Route("get", "/api/counts", "counts", "How many dialogs each tab has", ok={200: ("The counts", Counts)},
          errors=AUTH),
    Route("get", "/api/dialogs/{lead_id}", "openDialog", "The lead and its newest messages",
          ok={200: ("The dialog panel", DialogPanel)}, errors={**AUTH, **NO_DIALOG, 422: "Bad limit"},
          query=PanelQuery, path_params=DIALOG),
    Route("get", "/api/dialogs/{lead_id}/messages", "messages",
          "Older messages (before, newest first) or newer ones (after, oldest first)",
          ok={200: ("A page", MessagePage)}, errors={**AUTH, **NO_DIALOG, 422: "Bad before/after/limit"},
          query=MessageWindow, path_params=DIALOG),
    Route("post", "/api/dialogs/{lead_id}/messages", "sendMessage", "Send a message to the lead (participants only)",
          ok={200: ("Already sent under this client_id", Message), 201: ("Sent", Message)},
          errors={**AUTH, **BODY, **NO_DIALOG, 403: "Not in the dialog (not_participant)",
                  409: "The client_id was used for another message (idempotency_conflict)",
                  422: "Invalid fields (details.fields), or an attachment that is not an upload of yours or "
                       "was used before (upload_rejected)"},
          body=MessageInput, path_params=DIALOG, state_refusals=(UPLOAD_REFUSED,)),
    Route("post", "/api/dialogs/{lead_id}/notes", "addNote",
          "Add a private note (operators only; never sent to the lead or the bot); @username mentions an operator",
          ok={200: ("Already added under this client_id", Message), 201: ("Added", Message)},
          errors={**AUTH, **BODY, **NO_DIALOG,
                  409: "The client_id was used for another note (idempotency_conflict)"},
          body=NoteInput, path_params=DIALOG),
    Route("patch", "/api/dialogs/{lead_id}/lead", "editLead", "Edit the lead",
          ok={200: ("The lead", Lead)}, errors={**AUTH, **BODY, **NO_DIALOG}, body=LeadEdit, path_params=DIALOG,
          state_refusals=MERGED_LEAD),
    _action("start", "start", "Start conversation"),
    _action("leave", "leave", "Leave the dialog"),
    _action("resolve", "resolve", "Mark resolved and return to the bot"),
    _action("read", "markRead", "Mark the lead's messages read"),
    Route("post", "/api/uploads", "createUpload", "A presigned S3 POST for an attachment (max 20 MB)",
          ok={201: ("Upload it, then reference upload_id in a message", Upload)},
          errors={**AUTH, **BODY, 413: "Body over 256 KB, or a file over 20 MB (upload_too_large)"},
          body=UploadInput),
    Route("get", "/api/operators", "team",
          "Every operator who has connected, with presence (online, away, offline): online first, for pickers",
          ok={200: ("The team", TeamList)}, errors=AUTH),
    Route("get", "/api/presence", "ownPresence", "Your presence and the status you set",
          ok={200: ("You", TeamMember)}, errors=AUTH),
    Route("put", "/api/presence", "setPresence",
          "Set your status: away (not offered new dialogs) or available (offered the oldest waiting ones "
          "when fair assignment is on)", ok={200: ("You, after the change", TeamMember)},
          errors={**AUTH, **BODY}, body=StatusInput),
    Route("get", "/api/bots", "bots", "Bots by name (admins see every field)",
          ok={200: ("The bots: by name to operators, every field to admins", (BotList, AdminBotList))}, errors=AUTH),
    Route("get", "/api/admin/bots", "adminListBots", "Every bot", ok={200: ("The bots", AdminBotList)},
          errors=ADMIN),
    Route("post", "/api/admin/bots", "createBot", "Create a bot; its API key and webhook secret are shown once",
          ok={201: ("Created", BotCreated)}, errors={**ADMIN, **BODY}, body=BotCreateInput,
          state_refusals=(WEBHOOK_REFUSED,)),
    Route("get", "/api/admin/bots/{bot_id}", "getBot", "A bot", ok={200: ("The bot", Bot)},
          errors={**ADMIN, **NO_BOT}, path_params=BOT),
    Route("patch", "/api/admin/bots/{bot_id}", "editBot", "Edit name, webhook URL, scripts, enabled",
          ok={200: ("The bot", Bot)}, errors={**ADMIN, **BODY, **NO_BOT}, body=BotInput, path_params=BOT,
          state_refusals=(WEBHOOK_REFUSED,)),
    Route("post", "/api/admin/bots/{bot_id}/rotate-key", "rotateKey", "A new API key (the old one stops at once)",
          ok={200: ("The new key, shown once", BotKey)}, errors={**ADMIN, **NO_BOT}, path_params=BOT),
    Route("post", "/api/admin/bots/{bot_id}/rotate-webhook-secret", "rotateWebhookSecret",
          "A new webhook secret (the previous one keeps signing until the next rotation)",
          ok={200: ("The new secret, shown once", BotWebhookSecret)}, errors={**ADMIN, **NO_BOT}, path_params=BOT),
    Route("post", "/api/admin/bots/{bot_id}/test-delivery", "testDelivery",
          "Send a signed ping event to the bot's webhook now and answer what came back (docs/webhooks.md)",
          ok={200: ("The outcome (ok false for a failed call: the call was made)", PingResult)},
          errors={**ADMIN, **NO_BOT, 409: "The bot has no webhook URL (no_webhook_url)"}, path_params=BOT),
    Route("post", "/api/admin/scripts/preview", "previewScript",
          "Render script texts against a sample lead, as the bot would send them (nothing is saved)",
          ok={200: ("The rendered messages", ScriptPreview)}, errors={**ADMIN, **BODY}, body=ScriptPreviewInput),
    Route("get", "/api/admin/operators", "operators",
          "The operators (Cognito users), whether each is an admin and online now; a link to the console",
          ok={200: ("A page", OperatorList)}, errors={**ADMIN, 422: "Bad limit or cursor"}, query=OperatorQuery,
          state_refusals=(FORGED_CURSOR,)),
    Route("get", "/api/admin/webhooks/dead-letters", "deadLetters",
          "Webhook calls that failed for good (docs/webhooks.md)", ok={200: ("A page", DeadLetters)},
          errors={**ADMIN, 422: "Bad limit, cursor or bot_id"}, query=DeadLetterQuery,
          state_refusals=(FORGED_CURSOR,)),
    Route("get", "/api/admin/webhooks/dead-letters/{letter_id}", "deadLetter", "One dead letter",
          ok={200: ("The dead letter", DeadLetter)}, errors={**ADMIN, **NO_LETTER}, path_params=LETTER),
    Route("post", "/api/admin/webhooks/dead-letters/{letter_id}/replay", "replayDeadLetter",
          "Deliver a dead letter again", ok={202: ("Queued", Replayed)}, errors={**ADMIN, **NO_LETTER, **BOT_OFF},
          path_params=LETTER),
    Route("post", "/api/admin/webhooks/replay", "replayDeadLetters", "Deliver dead letters again (optionally one bot's)",
          ok={202: ("Queued", Replayed)}, errors={**ADMIN, **BODY, **BOT_OFF}, body=ReplayInput,
          body_required=False),
    *(route for owner, prefix, errors in (("personal", "/api/canned-replies", AUTH),
                                          ("team", "/api/admin/canned-replies", ADMIN))
      for route in _canned_routes(owner, prefix, errors)),
    Route("get", "/api/canned-replies", "cannedReplies",
          "The team's canned replies and the operator's own; with lead_id, each rendered for that lead",
          ok={200: ("The replies", CannedReplyList)}, errors={**AUTH, **NO_DIALOG, 422: "Bad lead_id"},
          query=CannedQuery),
    Route("get", "/api/openapi.json", "openapi", "This document", ok={200: ("OpenAPI 3.1", None)}, public=True),
)

API = Api(
    title="Handover operator and admin API",
    description="What the operator UI calls (docs/operator-api.md). Every route except sign-in and this document "
    "needs a Cognito access token; /api/admin/... needs the admins group. Errors are "
    "{\"error\": {\"code\", \"message\", \"details\"?}}. Generated from chalicelib/api/schemas*.py and "
    "chalicelib/api/openapi_operator.py.",
    security=("cognito", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                          "description": "A Cognito access token from POST /api/auth/login"}),
    routes=ROUTES,
)


@lru_cache(maxsize=1)
def operator_openapi() -> dict[str, Any]:
    return document(API)
