"""An unknown websocket path is told 4404, not a server error."""

import pytest

from tests.wsclient import open_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/meetings/abc/", "/elsewhere"])
async def test_an_unknown_path_is_closed_with_4404(path):
    comm, connected, _code = await open_socket(path)
    assert connected
    closed = await comm.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": 4404}
    await comm.disconnect()
