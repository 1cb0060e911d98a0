"""The minutes are kept in Chinese whoever closes the meeting; an English reader reads them
assembled in English, marked as a translation."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from deliberation.meetings import services
from tests.community.factories import HallFactory, client_for
from tests.deliberation.meetings.factories import meeting_people, scheduled_meeting
from tests.i18n.cjk import CJK, chinese_in, visible_text

pytestmark = pytest.mark.django_db


def test_minutes_are_kept_in_chinese_and_read_in_english(db):
    hall = HallFactory(name="Hall", home_name="Home")
    people = meeting_people(hall)
    for p in people.values():
        p.display_name = p.username
        p.save(update_fields=["display_name"])
    meeting = scheduled_meeting(hall, people, free_items=("Other business",))
    meeting.title, meeting.venue = "Monthly meeting", "Room 1"
    meeting.save(update_fields=["title", "venue"])
    mod = people["moderator"]
    with translation.override("en"):  # an English moderator runs and closes it
        services.meeting_open(actor=mod, meeting=meeting)
        services.meeting_check_in_member(actor=mod, meeting=meeting, user_id=people["wang"].pk)
        services.meeting_open_item(actor=mod, meeting=meeting)
        services.meeting_close(actor=mod, meeting=meeting)
    meeting.refresh_from_db()
    assert "出席情况" in meeting.minutes_final  # the record, in the site's language

    reader = client_for(people["wang"])
    chinese_page = reader.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert "出席情况" in chinese_page and "译文" not in chinese_page
    reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english_page = reader.get(f"/meetings/{meeting.pk}/minutes/").content.decode()
    assert "Attendance" in english_page and "translation" in english_page
    assert chinese_in(visible_text(english_page)) == []
    assert CJK.search(meeting.minutes_final)
