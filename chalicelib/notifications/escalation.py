"""The waiting-room escalation: a dialog that stays on Waiting longer than
`waiting_too_long` is pushed again to every operator as `dialog.waiting_too_long`
`{dialog: DialogSummary, waiting_seconds}` and counted (CloudWatch metric
`DialogsWaitingTooLong`), so that a forgotten lead is noticed even when every operator's page
is open (docs/notifications.md).

Each tick Queries the sparse, keys-only `waiting-since` index of the leads table (one Query
per tab shard) for the dialogs that crossed the threshold lately: entered Waiting between
`now - threshold - LOOKBACK_PERIODS * period` and `now - threshold`. The look-back covers a
late or missed tick; a conditional PutItem per crossing (`escalations` table) makes each
crossing escalated exactly once however many ticks see it. A dialog that leaves Waiting and
comes back has a new `waiting_since`, so it is a new crossing.

DynamoDB requests per tick: one Query per tab shard when nothing crossed; otherwise + one
conditional PutItem per crossing seen, one BatchGetItem of the new crossings' leads, one
Query of the `online` index (per shard), and the pushes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from chalicelib import observability
from chalicelib.clock import Clock, iso
from chalicelib.domain.tabs import TabPlace
from chalicelib.live.fanout import Fanout, Frame
from chalicelib.storage.connections import ConnectionStore
from chalicelib.storage.dialogs import DialogStore, dialog_of, summary_of
from chalicelib.storage.notifications import EscalationMarks

logger = logging.getLogger("handover.notifications")

# How many periods back a tick looks for crossings: two ticks see each one, so one late or
# lost tick loses nothing; the marks keep the second from pushing it again.
LOOKBACK_PERIODS = 2


def _parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


class WaitingEscalation:
    def __init__(self, dialogs: DialogStore, connections: ConnectionStore, fanout: Fanout, marks: EscalationMarks,
                 clock: Clock, *, threshold_seconds: float, period_seconds: float) -> None:
        self.dialogs = dialogs
        self.connections = connections
        self.fanout = fanout
        self.marks = marks
        self.clock = clock
        self.threshold = timedelta(seconds=threshold_seconds)
        self.lookback = timedelta(seconds=period_seconds * LOOKBACK_PERIODS)

    def tick(self) -> int:
        """Escalate the dialogs that crossed the threshold; answer how many."""
        now = self.clock.now()
        newest = now - self.threshold
        crossed = self.dialogs.entered_waiting(iso(newest - self.lookback), iso(newest))
        fresh = [(lead_id, since) for lead_id, since in crossed if self.marks.first_time(lead_id, since, now)]
        if not fresh:
            return 0
        wanted = dict(fresh)
        escalated: list[tuple[str, Frame]] = []
        for lead in self.dialogs.leads(wanted):
            # It may have left Waiting (or left and come back) since the index was read.
            if not TabPlace.of(dialog_of(lead)).waiting or lead.waiting_since != wanted.get(lead.id):
                continue
            waited = int((now - _parse(lead.waiting_since)).total_seconds())
            escalated.append((lead.waiting_since,
                              {"type": "dialog.waiting_too_long", "dialog": summary_of(lead), "waiting_seconds": waited}))
        if not escalated:
            return 0
        # The longest-waiting first.
        frames = [frame for _, frame in sorted(escalated, key=lambda pair: pair[0])]
        everyone = self.connections.everyone(now)
        self.fanout.send({connection.connection_id: frames for connection in everyone})
        observability.count(observability.DIALOGS_WAITING_TOO_LONG, len(frames))
        logger.info("escalated %d dialogs waiting over %s", len(frames), self.threshold)
        return len(frames)
