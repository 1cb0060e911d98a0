"""The ballot room: people who may see a ballot follow its turnout (and counts, when shown) live.

Casting is a page POST (and, at integration, a meeting-room command); this room only listens:
`ballot.tally` (coalesced, docs/votes.md) and `ballot.state` events.
"""

from __future__ import annotations

from typing import Any

from deliberation.models import Ballot
from deliberation.votes.selectors import tally_data
from deliberation.votes.services import ballot_room
from realtime.consumers import RoomConsumer


class BallotConsumer(RoomConsumer):
    track_presence = False

    def authorize(self, user) -> str | None:
        if user is None or not user.is_authenticated:
            return None
        ballot = (
            Ballot.objects.select_related("hall__compound__community")
            .filter(pk=self.scope["url_route"]["kwargs"]["ballot_id"])
            .first()
        )
        if ballot is None or not user.has_perm("deliberation.view_ballot", ballot):
            return None
        self.ballot_id = ballot.pk
        return ballot_room(ballot.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return tally_data(self.ballot_id)
