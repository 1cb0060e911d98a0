"""/api/v1/ endpoints of the ledger (docs/ledger.md)."""

from ninja import Router

from community.apierrors import answers
from deliberation.ledger.views import ledger_json

router = Router(tags=["ledger"])

# The public ledger of a hall, streamed as one JSON object (docs/ledger.md).
router.get(
    "/halls/{hall_id}/ledger",
    response=answers(dict, 404, 422),
    auth=None,
    url_name="ledger_json",
    summary="A hall's ledger （台账链）：every entry in seq order, re-verifiable",
)(ledger_json)
