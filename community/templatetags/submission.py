"""`{% submission_token %}`: the hidden field that makes a create-form idempotent.

See community/submissions.py. Put it in every form that creates a record, next to
`{% csrf_token %}`; drawing the page writes nothing (the token is remembered only when used).
"""

from django import template
from django.utils.html import format_html

from community.submissions import FIELD, new_token

register = template.Library()


@register.simple_tag
def submission_token() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
