"""The Django admin works for every registered model (all apps), with Chinese labels."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.community.factories import UserFactory

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_changelist_and_add_pages_open(admin_client, model):
    info = (model._meta.app_label, model._meta.model_name)
    assert admin_client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
    assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code in (200, 403)


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_models_have_chinese_names(model):
    name = str(model._meta.verbose_name)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in name), f"{model._meta.label}: {name!r}"


def test_admin_index_in_chinese(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "芳华议事厅 管理后台" in page and "社区与议事厅" in page
