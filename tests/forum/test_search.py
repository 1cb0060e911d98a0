"""Searching proposals: one Chinese character is enough, on SQLite and on PostgreSQL alike."""

import pytest
from django.test import Client

from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db


def titles(hall, q: str) -> tuple[set[str], str]:
    """The titles the list page shows for a query, and the page's text."""
    page = Client().get(f"/halls/{hall.slug}/proposals/", {"q": q}).content.decode()
    api = Client().get(f"/api/v1/halls/{hall.pk}/proposals", {"q": q}).json()
    return {i["title"] for i in api["items"]}, page


@pytest.fixture
def stairs(hall):
    proposal(hall, title="楼道灯不亮", body="三号楼二单元晚上很黑")
    proposal(hall, title="小区绿化带补种", body="门口的路灯旁边也种一些")
    proposal(hall, title="长者助餐点", body="希望增加座椅")
    return hall


def test_one_character_finds_titles_and_bodies(stairs):
    found, page = titles(stairs, "灯")
    assert found == {"楼道灯不亮", "小区绿化带补种"}  # 楼道灯 in a title，路灯 in a body
    assert "楼道灯不亮" in page and "长者助餐点" not in page
    assert "请输入至少两个字" not in page
    found, _ = titles(stairs, "黑")
    assert found == {"楼道灯不亮"}


def test_two_characters_and_words_split_by_spaces_and_punctuation(stairs):
    assert titles(stairs, "楼道")[0] == {"楼道灯不亮"}
    # Every word must be there, wherever it stands：楼道 and 灯 are both in the first proposal only.
    assert titles(stairs, " 楼道，灯！")[0] == {"楼道灯不亮"}
    assert titles(stairs, "灯 座椅")[0] == set()
    assert titles(stairs, "灯、门口")[0] == {"小区绿化带补种"}


def test_an_empty_query_or_only_punctuation_lists_everything(stairs):
    every = {"楼道灯不亮", "小区绿化带补种", "长者助餐点"}
    assert titles(stairs, "")[0] == every
    assert titles(stairs, " ，。！ ")[0] == every


def test_a_query_matching_nothing_says_so(stairs):
    found, page = titles(stairs, "电梯")
    assert found == set()
    assert "没有符合条件的议题。" in page and "楼道灯不亮" not in page
