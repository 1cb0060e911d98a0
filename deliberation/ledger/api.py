"""/api/v1/ endpoints of the ledger (docs/ledger.md)."""

from ninja import Router

from deliberation.ledger.views import ledger_json

router = Router(tags=["ledger"])

# The public ledger of a hall; streamed JSON, so no response schema.
router.get(
    "/halls/{hall_id}/ledger",
    auth=None,
    url_name="ledger_json",
    summary="A hall's ledger (台账链): every entry in seq order, re-verifiable",
)(ledger_json)
