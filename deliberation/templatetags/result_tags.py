"""Includes that put published results （实施结果公开） on pages of the parts below results.

The notice board is a votes page; its 实施结果公开 section comes from here, so votes need not
know about results: `{% load result_tags %}` then `{% notice_board_results hall %}`.
"""

from django import template

from deliberation.results import selectors

register = template.Library()


@register.inclusion_tag("deliberation/results/notice_board_results.html")
def notice_board_results(hall):
    """Rounds being evaluated and recently closed ones, each in its effective state."""
    return {"hall": hall, **selectors.notice_board_results(hall=hall)}
