from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data of 名苑小区 and `seed_demo`; no models, and nothing else imports it."""

    name = "demo"
    verbose_name = _("演示数据")
