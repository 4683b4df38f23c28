"""What each function may touch: least privilege, declared per function.

Chalice puts every REST route in one function (`APIHandler`); each websocket route, schedule
and stream handler is a function of its own. Each gets its own IAM role with exactly the
tables (and their indexes), bucket prefix and websocket management access listed here, with
named actions only (never `dynamodb:*`, never Scan: the app Queries keys and indexes).

A function that is in the Chalice app but not here stops the synth with a message naming
it: add its line when you add a handler (and read which services it reaches in
`chalicelib/runtime.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

# DynamoDB actions. Transactions need no action of their own: IAM checks the item actions
# inside them (ConditionCheckItem, PutItem, UpdateItem, DeleteItem).
READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem")
WRITE_ACTIONS = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams")
# Attachments: a presigned POST (upload) is signed with s3:PutObject, and with
# s3:PutObjectTagging since it tags the object `handover-upload=pending`; a message that uses
# an upload retags it (s3:PutObjectTagging); the server's check of what arrived (ranged GET)
# and presigned downloads need s3:GetObject. All under the `uploads/` prefix the app uses.
UPLOAD = ("s3:PutObject", "s3:PutObjectTagging", "s3:GetObject")
DOWNLOAD = ("s3:GetObject",)
ATTACHMENTS_PREFIX = "uploads/"
# The admin screens' operator list (docs/operator-ui.md): the pool's users and the admins group.
# Read only: operators are managed in the console. On the operators' user pool alone.
LIST_OPERATORS = ("cognito-idp:ListUsers", "cognito-idp:ListUsersInGroup")
# Pushes to websocket clients; GET/DELETE of a connection for the management API's checks.
MANAGE_CONNECTIONS_METHODS = ("POST", "GET", "DELETE")


@dataclass(frozen=True)
class Access:
    read: frozenset[str] = frozenset()  # table kinds read
    write: frozenset[str] = frozenset()  # table kinds read and written
    attachments: tuple[str, ...] = ()  # S3 actions on the attachments under ATTACHMENTS_PREFIX
    manage_connections: bool = False
    # Table kinds whose stream triggers the function.
    streams: frozenset[str] = frozenset()
    # May queue webhook wake-ups (sqs:SendMessage on the wake-up queue, docs/webhooks.md).
    wakeups: bool = False
    # May publish to the supervisors' SNS topic (sns:Publish on that topic only; the escalation
    # ladder, docs/notifications.md).
    supervisors: bool = False
    # Cognito actions on the operators' user pool (never on every pool).
    cognito: tuple[str, ...] = ()
    # May keep the bots' API Gateway keys in step (create, rotate, enable, disable: infra/bot_limits.py).
    bot_keys: bool = False
    timeout_seconds: int = 30

    def tables(self) -> frozenset[str]:
        return self.read | self.write | self.streams


def _access(read: str = "", write: str = "", **kwargs: object) -> Access:
    return Access(read=frozenset(read.split()), write=frozenset(write.split()), **kwargs)  # type: ignore[arg-type]


# Keyed by the function's logical id in Chalice's template.
FUNCTIONS: dict[str, Access] = {
    # Every REST route: bot API, operator API, admin API, auth, uploads, dead letters.
    "APIHandler": _access(
        read="",
        write="bots leads operator_dialogs messages message_refs uploads ws_tickets connections counters "
              "deliveries dead_letters notifications operator_states canned_replies search",
        attachments=UPLOAD,
        manage_connections=True,
        # AdminGetUser: a note's @mentions are checked against the pool (docs/operator-api.md).
        cognito=LIST_OPERATORS + ("cognito-idp:AdminGetUser",),
        bot_keys=True,
        # API Gateway gives a REST integration at most 29 s.
        timeout_seconds=25,
    ),
    # The bot API's authorizer (chalicelib/api/bot_authorizer.py): hashes the presented key, no I/O.
    "BotKeyAuthorizer": _access(timeout_seconds=5),
    # $connect: redeems the one-time ticket and records the connection; the operator's first
    # connection is announced to the team as an `operator.presence` frame (docs/assignment.md).
    "WebsocketConnect": _access(read="", write="ws_tickets connections operator_states", manage_connections=True,
                                timeout_seconds=10),
    # $default: view / visibility / ping frames; answers on the same connection.
    # `visibility` frames clear or extend the operator's notification (docs/notifications.md).
    "WebsocketMessage": _access(write="connections notifications", manage_connections=True, timeout_seconds=10),
    # $disconnect: forgets the connection; the last one gone is announced as offline (docs/assignment.md).
    "WebsocketDisconnect": _access(read="operator_states", write="connections notifications",
                                   manage_connections=True, timeout_seconds=10),
    # The delivery function: the deliveries stream; webhooks to bots; delivery state of messages.
    # It writes `bots` too: a 410 Gone disables the bot's webhook (webhook_disabled_at).
    # Attachments: fresh download links in message.created (signed with s3:GetObject).
    "DeliverWebhooks": _access(
        write="bots deliveries dead_letters messages connections",
        attachments=DOWNLOAD,
        manage_connections=True,
        streams=frozenset({"deliveries"}),
        wakeups=True,
        timeout_seconds=120,
    ),
    # Per minute: retries that are due, and deliveries whose function died mid-attempt.
    "RetryWebhooks": _access(
        write="bots deliveries dead_letters messages connections",
        attachments=DOWNLOAD,
        manage_connections=True,
        wakeups=True,
        timeout_seconds=55,
    ),
    # The wake-up queue: retries due within seconds (1 s, 5 s, 30 s after a failure). Its
    # trigger's receive/delete rights on the queue are added with the trigger (infra/functions.py).
    "RetryWebhooksSoon": _access(
        write="bots deliveries dead_letters messages connections",
        attachments=DOWNLOAD,
        manage_connections=True,
        wakeups=True,
        timeout_seconds=60,
    ),
    # Per minute: reminders (R14) and the escalation ladder (docs/notifications.md): its
    # supervisor rung enqueues the bot's `dialog.escalated` webhook and publishes to SNS.
    "SendReminders": _access(
        read="leads",
        write="notifications escalations connections deliveries",
        manage_connections=True,
        supervisors=True,
        timeout_seconds=55,
    ),
    # Per minute: closes the websockets of disabled or deleted operators (AdminGetUser per
    # operator online) and of clients that stopped re-confirming their token (docs/security.md).
    "CloseRevokedConnections": _access(
        write="connections notifications",
        manage_connections=True,
        cognito=("cognito-idp:AdminGetUser",),
        timeout_seconds=55,
    ),
    # Per minute: open connections, waiting dialogs and the oldest wait for the dashboard
    # (chalicelib/handlers.py report_levels; the oldest wait is the leads' waiting-since index).
    "ReportLevels": _access(read="counters connections leads", timeout_seconds=30),
}
