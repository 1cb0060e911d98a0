"""/api/v1/ endpoints of the deliberation app."""

from ninja import Router

from deliberation.views_ledger import ledger_json

router = Router(tags=["deliberation"])

# The public ledger of a hall (docs/ledger.md); streamed JSON, so no response schema.
router.get(
    "/halls/{hall_id}/ledger",
    auth=None,
    url_name="ledger_json",
    summary="A hall's ledger (台账链): every entry in seq order, re-verifiable",
    tags=["ledger"],
)(ledger_json)

# --- votes: ballots, casting, results, resolutions, objections (api_votes)
from deliberation.api_votes import router as votes_router  # noqa: E402

router.add_router("", votes_router)
# --- end votes
