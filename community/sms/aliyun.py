"""Aliyun SMS （阿里云短信服务，dysmsapi 2017-05-25 SendSms） through its RPC API, with the standard
library only (urllib): no SDK to pin, nothing secret in the repository.

Settings (config/settings.py, from the environment): `ALIYUN_SMS_ACCESS_KEY_ID`,
`ALIYUN_SMS_ACCESS_KEY_SECRET`, `SMS_SIGN_NAME` (the approved 签名), `SMS_TEMPLATE_CODE` (the
approved template of the sign-in code, e.g. SMS_123456789, with a `${code}` parameter; a message
may name its own template), `ALIYUN_SMS_ENDPOINT` and `SMS_TIMEOUT_SECONDS`. Use it with
`SMS_BACKEND=aliyun` (or the dotted path `community.sms.aliyun.AliyunSmsBackend`).

The signature (RPC, SignatureVersion 1.0): the parameters sorted by name, each name and value
percent-encoded as RFC 3986 asks (UTF-8; A–Z a–z 0–9 - _ . ~ kept; a space is %20, `*` is %2A),
joined with & and =; the string to sign is `GET&%2F&` + that string percent-encoded again; the
signature is Base64(HMAC-SHA1(AccessKeySecret + "&", string to sign)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext as _

from community.sms.backends import Message, SmsError

log = logging.getLogger(__name__)

API_VERSION = "2017-05-25"


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding, as Aliyun's RPC signature asks."""
    return urllib.parse.quote(str(value), safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def sign(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """The RPC signature of `params` (without `Signature`)."""
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _messages() -> dict[str, str]:
    # What a resident reads when a code cannot be sent; the operator finds Aliyun's code in the log.
    config = _("短信服务配置有误，暂时发不出短信，请联系管理员。")
    return {
        "isv.MOBILE_NUMBER_ILLEGAL": _("手机号格式不正确，请检查后再试。"),
        "isv.MOBILE_COUNT_OVER_LIMIT": _("一次发送的号码太多。"),
        "isv.BUSINESS_LIMIT_CONTROL": _("这个号码收短信太频繁了，请稍等几分钟再试。"),
        "isv.DAY_LIMIT_CONTROL": _("这个号码今天收到的短信已达上限，请明天再试。"),
        "isv.BLACK_KEY_CONTROL_LIMIT": _("短信内容被运营商拦截，请联系管理员。"),
        "isv.AMOUNT_NOT_ENOUGH": _("短信余额不足，暂时发不出短信，请联系管理员。"),
        "isv.OUT_OF_SERVICE": _("短信服务已停用（欠费），请联系管理员。"),
        "isv.SMS_SIGNATURE_ILLEGAL": config,
        "isv.SMS_SIGN_ILLEGAL": config,
        "isv.SMS_TEMPLATE_ILLEGAL": config,
        "isv.TEMPLATE_MISSING_PARAMETERS": config,
        "isv.INVALID_PARAMETERS": config,
        "isv.ACCOUNT_NOT_EXISTS": config,
        "isv.ACCOUNT_ABNORMAL": config,
        "isp.RAM_PERMISSION_DENY": config,
        "InvalidAccessKeyId.NotFound": config,
        "SignatureDoesNotMatch": config,
        "isp.SYSTEM_ERROR": _("短信服务暂时繁忙，请稍后再试。"),
        "Throttling.User": _("短信服务暂时繁忙，请稍后再试。"),
    }


def error_message(code: str) -> str:
    """The Chinese reason for one of Aliyun's error codes."""
    return _messages().get(
        code, _("短信没有发出去（%(code)s），请稍后再试或联系管理员。") % {"code": code}
    )


class AliyunSmsBackend:
    """Sends through Aliyun's SendSms; raises SmsError with a reason a person can read."""

    def __init__(self):
        self.key_id = settings.ALIYUN_SMS_ACCESS_KEY_ID
        self.secret = settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        self.endpoint = settings.ALIYUN_SMS_ENDPOINT
        self.sign_name = settings.SMS_SIGN_NAME
        self.timeout = settings.SMS_TIMEOUT_SECONDS

    def params(self, message: Message) -> dict[str, str]:
        template = message.template or settings.SMS_TEMPLATE_CODE
        return {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": message.to,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }

    def send(self, message: Message) -> None:
        if not (self.key_id and self.secret and self.sign_name):
            log.error("Aliyun SMS: ALIYUN_SMS_ACCESS_KEY_ID/SECRET or SMS_SIGN_NAME is not set")
            raise SmsError(_("短信服务配置有误，暂时发不出短信，请联系管理员。"))
        params = self.params(message)
        if not params["TemplateCode"]:
            log.error("Aliyun SMS: no template (SMS_TEMPLATE_CODE) for this message")
            raise SmsError(_("短信服务配置有误，暂时发不出短信，请联系管理员。"))
        signature = sign(params, self.secret)
        url = f"{self.endpoint}?Signature={percent_encode(signature)}&{canonical_query(params)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:
                body = answer.read()
        except urllib.error.HTTPError as failed:  # Aliyun answers errors with 4xx and a JSON body
            body = failed.read()
        except (urllib.error.URLError, TimeoutError, OSError) as failed:
            log.warning("Aliyun SMS: no answer from %s: %s", self.endpoint, failed)
            raise SmsError(_("短信服务暂时连不上，请稍后再试。")) from None
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            log.warning("Aliyun SMS: unreadable answer %r", body[:200])
            raise SmsError(_("短信服务暂时繁忙，请稍后再试。")) from None
        code = str(data.get("Code", ""))
        if code != "OK":
            log.warning(
                "Aliyun SMS refused: %s %s (RequestId %s)",
                code,
                data.get("Message", ""),
                data.get("RequestId", ""),
            )
            raise SmsError(error_message(code))
