"""The SMS backends without a provider: the file backend writes what tests and demos read."""

from __future__ import annotations

import json

from community import sms


def test_the_file_backend_writes_one_json_line_per_message(tmp_path, settings):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "out" / "sms.jsonl")
    sms.send_text("13800138000", "您的验证码是 123456,5 分钟内有效。")
    sms.send_text("13900139000", "明天上午九点开会。")
    lines = [json.loads(x) for x in (tmp_path / "out" / "sms.jsonl").read_text().splitlines()]
    assert [(x["to"], x["text"][:6]) for x in lines] == [
        ("13800138000", "您的验证码是"),
        ("13900139000", "明天上午九点"),
    ]
    assert all(x["at"] for x in lines)


def test_the_console_and_locmem_backends(capsys, settings):
    settings.SMS_BACKEND = "console"
    sms.send_text("13800138000", "你好")
    assert "13800138000: 你好" in capsys.readouterr().out
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    sms.send_text("13800138000", "你好", template="SMS_1", params={"code": "1"})
    assert sms.outbox[0].params == {"code": "1"} and sms.outbox[0].to == "13800138000"
