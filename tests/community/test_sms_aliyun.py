"""The Aliyun SMS backend against a local fake of its API that checks the RPC signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from community import sms
from community.sms import aliyun

KEY_ID, SECRET = "LTAI-test-key", "test-secret/with+odd=chars"


def expected_signature(query: dict[str, str]) -> str:
    """Aliyun's algorithm written out again, independently of the backend's helpers."""

    def enc(s: str) -> str:
        return (
            urllib.parse.quote_plus(s, encoding="utf-8")
            .replace("+", "%20")
            .replace("*", "%2A")
            .replace("%7E", "~")
        )

    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(query.items()))
    to_sign = "GET&" + enc("/") + "&" + enc(canonical)
    mac = hmac.new((SECRET + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


class FakeAliyun(BaseHTTPRequestHandler):
    answer_code = "OK"
    seen: list[dict[str, str]] = []

    def do_GET(self):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        signature = query.pop("Signature", "")
        FakeAliyun.seen.append(query)
        if signature != expected_signature(query) or query.get("AccessKeyId") != KEY_ID:
            status, body = 400, {"Code": "SignatureDoesNotMatch", "Message": "bad signature"}
        elif FakeAliyun.answer_code == "OK":
            status, body = 200, {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"}
        else:
            status, body = 200, {"Code": FakeAliyun.answer_code, "Message": "x", "RequestId": "r"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeAliyun.seen, FakeAliyun.answer_code = [], "OK"
    settings.SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = SECRET
    settings.ALIYUN_SMS_ENDPOINT = f"http://127.0.0.1:{server.server_port}/"
    settings.SMS_SIGN_NAME = "芳华议事厅"
    settings.SMS_TEMPLATE_CODE = "SMS_000001"
    settings.SMS_TIMEOUT_SECONDS = 2
    yield FakeAliyun
    server.shutdown()
    server.server_close()


def test_a_signed_request_is_accepted(fake):
    sms.send_text("13800138000", "您的验证码是 123456", params={"code": "123456"})
    (query,) = fake.seen
    assert query["Action"] == "SendSms" and query["PhoneNumbers"] == "13800138000"
    assert query["SignName"] == "芳华议事厅" and query["TemplateCode"] == "SMS_000001"
    assert json.loads(query["TemplateParam"]) == {"code": "123456"}
    assert query["SignatureMethod"] == "HMAC-SHA1" and query["Version"] == "2017-05-25"


def test_the_signature_follows_aliyuns_documented_example():
    # The worked example of Aliyun's RPC signature documentation (secret "testsecret").
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert aliyun.sign(params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_a_wrong_secret_is_refused_by_the_fake_and_reported_in_chinese(fake, settings):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "not-the-secret"
    with pytest.raises(sms.SmsError, match="短信服务配置有误"):
        sms.send_text("13800138000", "x", params={"code": "1"})


@pytest.mark.parametrize(
    "code, words",
    [
        ("isv.BUSINESS_LIMIT_CONTROL", "太频繁"),
        ("isv.AMOUNT_NOT_ENOUGH", "余额不足"),
        ("isv.MOBILE_NUMBER_ILLEGAL", "手机号格式不正确"),
        ("isv.SOMETHING_NEW", "isv.SOMETHING_NEW"),
    ],
)
def test_error_codes_become_clear_messages(fake, code, words):
    fake.answer_code = code
    with pytest.raises(sms.SmsError, match=words):
        sms.send_text("13800138000", "x", params={"code": "1"})


def test_no_answer_is_a_clear_error(settings):
    settings.SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ACCESS_KEY_ID, settings.ALIYUN_SMS_ACCESS_KEY_SECRET = KEY_ID, SECRET
    settings.SMS_SIGN_NAME, settings.SMS_TEMPLATE_CODE = "芳华议事厅", "SMS_1"
    settings.ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:9/"  # nothing listens on the discard port
    settings.SMS_TIMEOUT_SECONDS = 1
    with pytest.raises(sms.SmsError, match="连不上"):
        sms.send_text("13800138000", "x", params={"code": "1"})


def test_missing_keys_are_a_configuration_error(settings):
    settings.SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = ""
    with pytest.raises(sms.SmsError, match="配置有误"):
        sms.send_text("13800138000", "x")


@pytest.mark.django_db
def test_a_failed_text_leaves_the_page_with_the_reason_and_no_code(fake):
    from community.models import PhoneCode
    from tests.community.factories import BrowserClient

    fake.answer_code = "isv.DAY_LIMIT_CONTROL"
    page = BrowserClient().post("/accounts/phone/", {"phone": "13800138000", "action": "send"})
    assert "今天收到的短信已达上限" in page.content.decode()
    assert not PhoneCode.objects.exists()
