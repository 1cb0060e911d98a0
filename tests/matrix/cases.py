"""The requests of the authorisation matrix: one per row of its table.

A row is `METHOD name` for a page (the URL pattern's name, with `:variant` for the values of a
`<str:…>` part), `METHOD /api/v1/…` for an API operation (its OpenAPI path, with `:variant` for
the `{action}` of the meeting and task commands). Each request is one that an allowed role would
make with success: the matrix sends the same one as every role.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from deliberation.taizhang.rows import SHEETS_BY_KEY
from deliberation.tasks.services import ACTIONS as TASK_ACTIONS

MULTIPART = "multipart"
PHOTO_FORM = "photo-form"  # data made per request: a form with one small photo
JSON = "application/json"


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    data: Any = None
    content_type: str = MULTIPART
    # The request changes the client's own session (sign in or out, a new account): it is sent
    # from a copy of the role's client.
    fresh: bool = False
    # Success writes no row (a cookie, a preview, a sign-out): judged as a GET is.
    no_effect: bool = False


def _later(days: int = 3) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")


def meeting_command_data(i: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each room command: the meeting it is sent to (key of `i`) and data that would succeed."""
    live = "live_meeting"
    return {
        "open_meeting": ("scheduled_meeting", {}),
        "set_checkin": (live, {"open": False}),
        "check_in": (live, {"token": i["checkin_token"]}),
        "check_in_member": (live, {"user_id": i["helper2"]}),
        "open_item": (live, {"item_id": i["last_item"]}),
        "next_item": (live, {}),
        "raise_hand": (live, {"stance": "against"}),
        "lower_hand": (live, {}),
        "remove_hand": (live, {"speech_id": i["speech"]}),
        "reorder_queue": (live, {"order": [i["speech"]]}),
        "give_floor": (live, {"speech_id": i["speech"]}),
        "end_speech": (live, {}),
        "extend_speech": (live, {"seconds": 30}),
        "save_minutes": (live, {"body": "会议记录", "base_version": i["minutes_version"]}),
        "confirm_minutes": ("flow_meeting", {"role": "moderator"}),
        "add_item": (live, {"title": "新议题", "budget_minutes": 10}),
        "remove_item": (live, {"item_id": i["last_item"]}),
        "move_item": (live, {"item_id": i["last_item"], "direction": "up"}),
        "set_budget": (live, {"item_id": i["last_item"], "budget_minutes": 15}),
        "ballot_open": ("scheduled_meeting", {"title": "表决"}),
        "ballot_cast": (live, {"choice": "for"}),
        "hand_count": (live, {"voters": 0, "votes": {}}),
        "presence_list": (live, {}),
        # Last, for the websocket matrix (whose room moves on as allowed roles act).
        "ballot_close": (live, {}),
        "close_meeting": (live, {}),
    }


def page_cases(i: dict[str, Any]) -> dict[str, Case]:
    """The pages (Django URL patterns), by row."""
    slug = i["slug"]
    c: dict[str, Case] = {}

    def get(name: str, path: str) -> None:
        c[f"GET {name}"] = Case("GET", path)

    def post(name: str, path: str, data: Any = None, **kw) -> None:
        c[f"POST {name}"] = Case("POST", path, data or {}, **kw)

    def both(name: str, path: str, data: Any = None, **kw) -> None:
        get(name.split(":")[0] if ":" in name else name, path)
        post(name, path, data, **kw)

    get("home", "/")
    get("healthz", "/healthz")
    get("service_worker", "/sw.js")
    get("offline", "/offline/")
    get("openapi-json", "/api/v1/openapi.json")
    get("openapi-view", "/api/v1/docs")
    get("api-root", "/api/v1/")
    both(
        "set_language",
        "/i18n/setlang/",
        {"language": "en", "next": "/"},
        fresh=True,
        no_effect=True,
    )
    get("javascript-catalog", "/jsi18n/")
    login = {"username": "m_outsider", "password": "correct-horse-battery"}
    both("login", "/accounts/login/", login, fresh=True)
    both("logout", "/accounts/logout/", fresh=True, no_effect=True)
    both(
        "password_change",
        "/accounts/password/",
        {
            "old_password": "correct-horse-battery",
            "new_password1": "a-new-long-secret-9",
            "new_password2": "a-new-long-secret-9",
        },
        fresh=True,
    )
    get("password_change_done", "/accounts/password/done/")
    both(
        "register",
        "/accounts/register/",
        {
            "username": "newcomer",
            "display_name": "新邻居",
            "password1": "a-new-long-secret-9",
            "password2": "a-new-long-secret-9",
            "accept_privacy": "on",
        },
        fresh=True,
    )
    # phone accounts (community/accounts.py)
    both(
        "phone_login",
        "/accounts/phone/",
        {"phone": i["sms_phone"] or "13900000009", "code": i["sms_code"], "action": "login"},
        fresh=True,
    )
    both("welcome", "/accounts/welcome/", {"display_name": "新邻居", "accept_privacy": "on"})
    both("phone_change", "/me/phone/", {"phone": "13900000008", "action": "send"})
    both(
        "password_forgot",
        "/accounts/password/forgot/",
        {"phone": "13900000007", "action": "send"},
    )
    both("password_reset", "/accounts/password/reset/", {"email": "outsider@example.com"})
    get("password_reset_done", "/accounts/password/reset/sent/")
    both(
        "password_reset_confirm",
        "/accounts/password/reset/MQ/bad-token/",
        {"new_password1": "a-new-long-secret-9", "new_password2": "a-new-long-secret-9"},
    )
    get("password_reset_complete", "/accounts/password/reset/complete/")
    both("email_verify", f"/accounts/email/{i['email_token']}/")
    both("email_verify_send", "/me/email/verify/")
    get("my_memberships", "/me/memberships/")
    both("api_tokens", "/me/tokens/", {"name": "小程序"})
    get("my_data", "/me/data/")
    get("my_data_json", "/me/data.json")
    both("my_profile", "/me/profile/", {"display_name": "新名字"})
    # 长辈模式：anyone may switch it (a cookie; for the signed-in also the profile), then back
    both("elder_mode", "/me/elder-mode/", {"on": "1", "next": "/"}, fresh=True, no_effect=True)
    both("delete_account", "/me/delete/", {"password": "correct-horse-battery"}, fresh=True)
    both("privacy_notice", "/privacy/")
    get("help", "/help/")
    get("help_guide", "/help/guide/resident/")
    get("hall", f"/halls/{slug}/")
    both("join_hall", f"/halls/{slug}/join/", {"message": "我也想参加"})
    get("manage_members", f"/halls/{slug}/members/")
    get("audit_log", f"/halls/{slug}/audit/")
    for decision in ("approve", "decline"):
        both(f"decide_membership:{decision}", f"/memberships/{i['request']}/{decision}/")
    both(
        "set_roles",
        f"/memberships/{i['helper_membership']}/roles/set/",
        {f"m{i['helper_membership']}-roles": ["resident", "member", "volunteer"]},
    )

    # forum
    get("proposal_list", f"/halls/{slug}/proposals/")
    both("proposal_new", f"/halls/{slug}/proposals/new/", {"title": "新议题", "body": "内容"})
    get("moderation_queue", f"/halls/{slug}/moderation/")
    get("proposal", f"/proposals/{i['collecting']}/")
    both("proposal_edit", f"/proposals/{i['draft']}/edit/", {"title": "改过的草稿", "body": "改"})
    both("proposal_publish", f"/proposals/{i['draft']}/publish/")
    both("proposal_second", f"/proposals/{i['collecting']}/second/")
    both(
        "proposal_review",
        f"/proposals/{i['awaiting_review']}/review/",
        {"decision": "accept", "reason": "符合条件"},
    )
    both("proposal_lock", f"/proposals/{i['collecting']}/lock/", {"locked": "1"})
    both("proposal_report", f"/proposals/{i['collecting']}/report/", {"reason": "广告"})
    both("comment_create", f"/proposals/{i['collecting']}/comments/", {"body": "同意。"})
    actions = {
        "edit": {"body": "改过的评论"},
        "delete": {},
        "agree": {"agree": "1"},
        "report": {"reason": "不文明"},
    }
    for action, data in actions.items():
        both(f"comment_action:{action}", f"/comments/{i['comment']}/{action}/", data)
    both(
        "moderation_decide:comment",
        f"/moderation/comment/{i['hidden_comment']}/",
        {"decision": "restore"},
    )
    both(
        "moderation_decide:proposal",
        f"/moderation/proposal/{i['hidden_proposal']}/",
        {"decision": "restore"},
    )
    get("notifications", "/notifications/")
    both("notifications_read", "/notifications/read/")
    both("notification_settings", "/notifications/settings/", {})
    both("markdown_preview", "/forum/preview/", {"text": "**粗**"}, no_effect=True)

    # meetings
    live = i["live_meeting"]
    get("meeting_list", f"/halls/{slug}/meetings/")
    both(
        "meeting_new",
        f"/halls/{slug}/meetings/new/",
        {
            "title": "十二月议事会",
            "starts_at": _later(),
            "venue": "活动室",
            "moderator": i["moderator"],
            "recorder": i["recorder"],
            "free_items": "其他事项",
        },
    )
    get("meeting", f"/meetings/{live}/")
    get("meeting_screen", f"/meetings/{live}/screen/")
    get("meeting_qr", f"/meetings/{live}/qr.svg")
    get("meeting_qr_page", f"/meetings/{live}/qr/")
    get("meeting_minutes", f"/meetings/{live}/minutes/")
    both("meeting_checkin", f"/meetings/{live}/checkin/{i['checkin_token']}/")
    get("meeting_action", f"/meetings/{live}/do/next_item/")
    planned, planned_item = i["scheduled_meeting"], i["scheduled_item"]
    get("meeting_agenda", f"/meetings/{planned}/agenda/")
    get("meeting_agenda_do", f"/meetings/{planned}/agenda/move/")
    for op, data in (
        ("add", {"title": "新增议程", "budget_minutes": "10"}),
        ("remove", {"item_id": planned_item}),
        ("move", {"item_id": planned_item, "direction": "up"}),
        ("budget", {"item_id": planned_item, "budget_minutes": "20"}),
    ):
        post(f"meeting_agenda_do:{op}", f"/meetings/{planned}/agenda/{op}/", data)
    both(
        "meeting_reschedule",
        f"/meetings/{planned}/reschedule/",
        {"starts_at": _later(5), "venue": "社区礼堂", "reason": "活动室维修"},
    )
    both(
        "meeting_cancel",
        f"/meetings/{planned}/cancel/",
        {"reason": "活动室维修", "confirm": "1"},
    )
    for name, (meeting_key, data) in meeting_command_data(i).items():
        form = {k: json.dumps(v) if isinstance(v, (list, dict)) else v for k, v in data.items()}
        if name in ("set_checkin",):
            form = {"open": "0"}
        post(f"meeting_action:{name}", f"/meetings/{i[meeting_key]}/do/{name}/", form)

    # votes
    get("ballot_list", f"/halls/{slug}/ballots/")
    both(
        "ballot_new",
        f"/halls/{slug}/ballots/new/",
        {
            "title": "是否更换路灯",
            "kind": "for_against",
            "max_choices": "1",
            "mode": "online",
            "ends_at": _later(2),
            "secret": "1",
            "electorate_scope": "members",
            "majority_rule": "simple",
            "quorum_fraction": "0.5",
            "proxy_cap": "1",
        },
    )
    get("notice_board", f"/halls/{slug}/notices/")
    get("ballot", f"/ballots/{i['open_ballot']}/")
    both("ballot_cast", f"/ballots/{i['open_ballot']}/cast/", {"choice": "for", "confirm": "1"})
    both("ballot_open", f"/ballots/{i['draft_ballot']}/open/")
    both("ballot_close", f"/ballots/{i['open_ballot']}/close/")
    both(
        "ballot_hand_count",
        f"/ballots/{i['live_ballot']}/hand-count/",
        {"voters": "0", "votes_for": "0", "votes_against": "0"},
    )
    both(
        "ballot_proxy",
        f"/ballots/{i['open_ballot']}/proxies/",
        {"grantor": str(i["helper2"]), "holder": str(i["helper"])},
    )
    get("ballot_results", f"/ballots/{i['passed_ballot']}/results/")
    both(
        "resolution_new",
        f"/ballots/{i['passed_ballot']}/resolution/",
        {"title": "决议", "text": "由物业落实。"},
    )
    get("resolution", f"/resolutions/{i['on_notice']}/")
    get("resolution_print", f"/resolutions/{i['on_notice']}/print/")
    both(
        "objection_lodge",
        f"/resolutions/{i['on_notice']}/objections/",
        {"reason": "我有不同意见。"},
    )
    both(
        "objection_answer",
        f"/objections/{i['objection']}/answer/",
        {"answer": "明细将公开。", "upheld": "0"},
    )

    # ledger, tasks, results, story, dashboards，台账
    get("hall_ledger", f"/halls/{slug}/ledger/")
    get("task_list", f"/halls/{slug}/tasks/")
    both(
        "task_new",
        f"/resolutions/{i['resolution']}/tasks/new/",
        {
            "title": "修路灯",
            "owner": i["helper"],
            "due_on": str(timezone.localdate() + timedelta(9)),
        },
    )
    task = i["task"]
    get("task", f"/tasks/{task}/")
    both(
        "task_edit",
        f"/tasks/{task}/edit/",
        {
            "title": "清洗水池",
            "owner": i["helper"],
            "due_on": str(timezone.localdate() + timedelta(9)),
        },
    )
    get("task_action", f"/tasks/{task}/do/block/")
    for action in TASK_ACTIONS:
        target = i["done_task"] if action == "reopen" else task
        post(f"task_action:{action}", f"/tasks/{target}/do/{action}/", {"note": "原因"})
    both("task_report", f"/tasks/{task}/report/", {"body": "已经开始清洗。"})
    both("task_progress_set", f"/tasks/{task}/progress/", {"progress": "40"})
    both("subtask_add", f"/tasks/{task}/subtasks/", {"title": "验收", "weight": "1"})
    both("subtask_toggle", f"/tasks/{task}/subtasks/{i['subtask']}/toggle/")
    both("subtask_remove", f"/tasks/{task}/subtasks/{i['subtask']}/remove/")
    get("hall_results", f"/halls/{slug}/results/")
    get("result", f"/results/{i['result']}/")
    both(
        "result_evaluate",
        f"/results/{i['result']}/evaluate/",
        {"rating": "satisfied", "confirm": "1"},
    )
    both(
        "result_summary", f"/results/{i['result']}/summary/", {"text": "补充说明。", "append": "1"}
    )
    get("proposal_story", f"/proposals/{i['flow_proposal']}/story/")
    get("hall_dashboard", f"/halls/{slug}/dashboard/")
    get("community_dashboard", f"/communities/{i['community']}/dashboard/")
    get("street_dashboard", f"/streets/{i['street']}/dashboard/")
    get("taizhang", f"/halls/{slug}/taizhang/")
    get("taizhang_xlsx", f"/halls/{slug}/taizhang/xlsx/")
    for sheet in SHEETS_BY_KEY:
        get(f"taizhang_csv:{sheet}", f"/halls/{slug}/taizhang/csv/{sheet}/")
    get("media", "/media/nothing-here.jpg")
    return c


def api_cases(i: dict[str, Any]) -> dict[str, Case]:
    """The API operations (OpenAPI paths), by row."""
    c: dict[str, Case] = {}
    hall, task = i["hall"], i["task"]
    due = str(timezone.localdate() + timedelta(days=9))

    def op(method: str, path: str, url: str, body: Any = None, variant: str = "") -> None:
        key = f"{method} /api/v1{path}" + (f":{variant}" if variant else "")
        c[key] = Case(method, "/api/v1" + url, json.dumps(body) if body is not None else "", JSON)

    op("GET", "/me", "/me")
    op("PATCH", "/me", "/me", {"display_name": "矩阵里的称呼"})
    op("POST", "/auth/sms-code", "/auth/sms-code", {"phone": "13900000006"})
    op(
        "POST",
        "/auth/sms-login",
        "/auth/sms-login",
        {"phone": i["sms_phone"] or "13900000009", "code": i["sms_code"] or "246810"},
    )
    op("GET", "/halls", "/halls")
    op("GET", "/halls/{hall_id}", f"/halls/{hall}")
    op("POST", "/halls/{hall_id}/memberships", f"/halls/{hall}/memberships", {"message": "你好"})
    op("GET", "/halls/{hall_id}/memberships", f"/halls/{hall}/memberships")
    op("POST", "/memberships/{pk}/approve", f"/memberships/{i['request']}/approve")
    op("POST", "/memberships/{pk}/decline", f"/memberships/{i['request']}/decline", {"reason": "-"})
    op(
        "PUT",
        "/memberships/{pk}/roles",
        f"/memberships/{i['helper_membership']}/roles",
        {"roles": ["resident", "member", "volunteer"]},
    )
    op("GET", "/halls/{hall_id}/proposals", f"/halls/{hall}/proposals")
    op(
        "POST",
        "/halls/{hall_id}/proposals",
        f"/halls/{hall}/proposals",
        {"title": "新", "body": "新"},
    )
    op("PUT", "/proposals/{pk}", f"/proposals/{i['draft']}", {"title": "改", "body": "改"})
    op("GET", "/proposals/{pk}", f"/proposals/{i['collecting']}")
    op("POST", "/proposals/{pk}/images", f"/proposals/{i['draft']}/images", None)
    op("POST", "/proposals/{pk}/publish", f"/proposals/{i['draft']}/publish")
    op("POST", "/proposals/{pk}/second", f"/proposals/{i['collecting']}/second")
    op(
        "POST",
        "/proposals/{pk}/review",
        f"/proposals/{i['awaiting_review']}/review",
        {"decision": "accept", "reason": "符合"},
    )
    op("GET", "/proposals/{pk}/comments", f"/proposals/{i['collecting']}/comments")
    op("POST", "/proposals/{pk}/comments", f"/proposals/{i['collecting']}/comments", {"body": "好"})
    op("PATCH", "/comments/{pk}", f"/comments/{i['comment']}", {"body": "改过"})
    op("DELETE", "/comments/{pk}", f"/comments/{i['comment']}")
    op("POST", "/comments/{pk}/react", f"/comments/{i['comment']}/react", {"agree": True})
    op(
        "POST",
        "/reports",
        "/reports",
        {"proposal_id": i["collecting"], "reason": "广告"},
    )
    op("GET", "/notifications", "/notifications")
    op("POST", "/notifications/read", "/notifications/read", {})
    op("GET", "/halls/{hall_id}/meetings", f"/halls/{hall}/meetings")
    op(
        "POST",
        "/halls/{hall_id}/meetings",
        f"/halls/{hall}/meetings",
        {
            "title": "十二月议事会",
            "starts_at": (timezone.now() + timedelta(days=3)).isoformat(),
            "venue": "活动室",
            "moderator_id": i["moderator"],
            "recorder_id": i["recorder"],
        },
    )
    op("GET", "/meetings/{meeting_id}", f"/meetings/{i['live_meeting']}")
    planned = i["scheduled_meeting"]
    op(
        "POST",
        "/meetings/{meeting_id}/reschedule",
        f"/meetings/{planned}/reschedule",
        {
            "starts_at": (timezone.now() + timedelta(days=5)).isoformat(),
            "venue": "社区礼堂",
            "reason": "活动室维修",
        },
    )
    op(
        "POST",
        "/meetings/{meeting_id}/cancel",
        f"/meetings/{planned}/cancel",
        {"reason": "活动室维修"},
    )
    for name, (meeting_key, data) in meeting_command_data(i).items():
        op(
            "POST",
            "/meetings/{meeting_id}/actions/{action}",
            f"/meetings/{i[meeting_key]}/actions/{name}",
            data,
            variant=name,
        )
    op("GET", "/meetings/{meeting_id}/minutes", f"/meetings/{i['flow_meeting']}/minutes")
    op("GET", "/halls/{hall_id}/ballots", f"/halls/{hall}/ballots")
    op(
        "POST",
        "/halls/{hall_id}/ballots",
        f"/halls/{hall}/ballots",
        {"title": "是否更换路灯", "ends_at": (timezone.now() + timedelta(days=2)).isoformat()},
    )
    op("GET", "/ballots/{pk}", f"/ballots/{i['open_ballot']}")
    op("POST", "/ballots/{pk}/open", f"/ballots/{i['draft_ballot']}/open")
    op("POST", "/ballots/{pk}/close", f"/ballots/{i['open_ballot']}/close")
    op("POST", "/ballots/{pk}/cast", f"/ballots/{i['open_ballot']}/cast", {"choices": ["for"]})
    op(
        "POST",
        "/ballots/{pk}/proxies",
        f"/ballots/{i['open_ballot']}/proxies",
        {"grantor_id": i["helper2"], "holder_id": i["helper"]},
    )
    op(
        "POST",
        "/ballots/{pk}/hand-count",
        f"/ballots/{i['live_ballot']}/hand-count",
        {"voters": 0, "votes": {}},
    )
    op("GET", "/ballots/{pk}/results", f"/ballots/{i['passed_ballot']}/results")
    op(
        "POST",
        "/ballots/{pk}/resolution",
        f"/ballots/{i['passed_ballot']}/resolution",
        {"title": "决议", "text": "由物业落实。"},
    )
    op("GET", "/halls/{hall_id}/resolutions", f"/halls/{hall}/resolutions")
    op("GET", "/resolutions/{pk}", f"/resolutions/{i['on_notice']}")
    op(
        "POST",
        "/resolutions/{pk}/objections",
        f"/resolutions/{i['on_notice']}/objections",
        {"reason": "我有不同意见。"},
    )
    op(
        "POST",
        "/objections/{pk}/answer",
        f"/objections/{i['objection']}/answer",
        {"answer": "明细将公开。", "upheld": False},
    )
    op("GET", "/halls/{hall_id}/ledger", f"/halls/{hall}/ledger")
    op("GET", "/proposals/{pk}/story", f"/proposals/{i['flow_proposal']}/story")
    op("GET", "/halls/{hall_id}/dashboard", f"/halls/{hall}/dashboard")
    op("GET", "/communities/{pk}/dashboard", f"/communities/{i['community']}/dashboard")
    op("GET", "/streets/{pk}/dashboard", f"/streets/{i['street']}/dashboard")
    op("GET", "/results/{pk}", f"/results/{i['result']}")
    op(
        "POST",
        "/results/{pk}/evaluations",
        f"/results/{i['result']}/evaluations",
        {"rating": "satisfied"},
    )
    op("GET", "/halls/{hall_id}/results", f"/halls/{hall}/results")
    op("GET", "/halls/{hall_id}/tasks", f"/halls/{hall}/tasks")
    op(
        "POST",
        "/resolutions/{resolution_id}/tasks",
        f"/resolutions/{i['resolution']}/tasks",
        {"title": "修路灯", "owner_id": i["helper"], "due_on": due},
    )
    op("GET", "/tasks/{task_id}", f"/tasks/{task}")
    op("PATCH", "/tasks/{task_id}", f"/tasks/{task}", {"title": "清洗水池"})
    for action in TASK_ACTIONS:
        target = i["done_task"] if action == "reopen" else task
        op(
            "POST",
            "/tasks/{task_id}/transitions/{action}",
            f"/tasks/{target}/transitions/{action}",
            {"note": "原因"},
            variant=action,
        )
    op("POST", "/tasks/{task_id}/reports", f"/tasks/{task}/reports", {"body": "已经开始。"})
    op("POST", "/tasks/{task_id}/reports/photos", f"/tasks/{task}/reports/photos", None)
    op("POST", "/tasks/{task_id}/subtasks", f"/tasks/{task}/subtasks", {"title": "验收"})
    op(
        "POST",
        "/tasks/{task_id}/subtasks/{subtask_id}/toggle",
        f"/tasks/{task}/subtasks/{i['subtask']}/toggle",
        {},
    )
    op("DELETE", "/tasks/{task_id}/subtasks/{subtask_id}", f"/tasks/{task}/subtasks/{i['subtask']}")
    op("PUT", "/tasks/{task_id}/progress", f"/tasks/{task}/progress", {"progress": 40})
    # Multipart operations: a form with a photo instead of JSON.
    for key in (
        "POST /api/v1/proposals/{pk}/images",
        "POST /api/v1/tasks/{task_id}/reports/photos",
    ):
        c[key] = Case("POST", c[key].path, PHOTO_FORM, MULTIPART)
    return c
