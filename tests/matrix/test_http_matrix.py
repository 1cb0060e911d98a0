"""The authorisation matrix (issue 11): every page and every API operation × every role.

The rows come from the URL resolver (every pattern of the project, one row per value of a
`<str:…>` part such as a room command) and from the OpenAPI schema (every operation); the test
`test_every_endpoint_has_a_row` fails on a URL pattern, an operation or a meeting-room command
that has no row, so a new endpoint cannot escape the matrix. Each row's request is one that would
succeed for an allowed role (cases.py), sent by a browser-like client of each role (CSRF enforced,
token sent) in a transaction rolled back afterwards, in one busy hall built once (world.py).

Legend — what the role gets:
  A  allowed: the page (2xx), or for a write, rows written
  D  denied: 403, or sent back with the reason and nothing written
  L  asked to sign in: a redirect to the login page (the API: 401)
  N  404: the object is hidden (or, for a role with no business there, not found)
  R  redirected elsewhere (a GET), e.g. a signed-in person away from the login page
  V  answered without changing anything (a form shown again with its errors, a 400 or 422)
  M  405: the page takes POST only

Columns: an anonymous, ou outsider (registered, no hall), ap applicant (asked to join, not
approved), re resident, me member, vo volunteer (of the open task), rc recorder and mo moderator
(of the live meeting), ex executive, hd head, ca community admin (staff), sa street admin,
su superuser, oh the head of another hall.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict

import pytest
from django.db import transaction
from django.test.utils import override_settings

from tests.community.factories import BrowserClient, UserFactory, client_for
from tests.matrix.cases import api_cases, page_cases
from tests.matrix.run import observe
from tests.matrix.world import ROLES, build_world

COLUMNS = ("an", "ou", "ap", "re", "me", "vo", "rc", "mo", "ex", "hd", "ca", "sa", "su", "oh")
assert len(COLUMNS) == len(ROLES)

TABLE = """
# pages (the URL resolver)
                                                                    an ou ap re me vo rc mo ex hd ca sa su oh
GET home                                                            A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET healthz                                                         A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET service_worker                                                  A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET offline                                                         A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET openapi-json                                                    A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET openapi-view                                                    A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET api-root                                                        N  N  N  N  N  N  N  N  N  N  N  N  N  N
GET set_language                                                    R  R  R  R  R  R  R  R  R  R  R  R  R  R
POST set_language                                                   R  R  R  R  R  R  R  R  R  R  R  R  R  R
GET javascript-catalog                                              A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET login                                                           A  R  R  R  R  R  R  R  R  R  R  R  R  R
POST login                                                          A  D  D  D  D  D  D  D  D  D  D  D  D  D
GET logout                                                          M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST logout                                                         R  R  R  R  R  R  R  R  R  R  R  R  R  R
GET password_change                                                 L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST password_change                                                L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET password_change_done                                            L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET register                                                        A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST register                                                       A  A  A  A  A  A  A  A  A  A  A  A  A  A
# phone accounts: a signed-in person is sent home from the phone sign-in; the e-mail link's
# confirmation sends an anonymous visitor on to the sign-in page (L) after verifying; mails
# (a verification link, a reset link) write no row (D: sent back with the message)
GET phone_login                                                     A  R  R  R  R  R  R  R  R  R  R  R  R  R
POST phone_login                                                    A  D  D  D  D  D  D  D  D  D  D  D  D  D
GET welcome                                                         L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST welcome                                                        L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET phone_change                                                    L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST phone_change                                                   L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET password_forgot                                                 A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST password_forgot                                                A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET password_reset                                                  A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST password_reset                                                 D  D  D  D  D  D  D  D  D  D  D  D  D  D
GET password_reset_done                                             A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET password_reset_confirm                                          A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST password_reset_confirm                                         V  V  V  V  V  V  V  V  V  V  V  V  V  V
GET password_reset_complete                                         A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET email_verify                                                    A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST email_verify                                                   L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET email_verify_send                                               L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST email_verify_send                                              L  D  D  D  D  D  D  D  D  D  D  D  D  D
GET my_memberships                                                  L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET api_tokens                                                      L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST api_tokens                                                     L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET my_data                                                         L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET my_data_json                                                    L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET my_profile                                                      L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST my_profile                                                     L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET elder_mode                                                      M  M  M  M  M  M  M  M  M  M  M  M  M  M
POST elder_mode                                                     R  R  R  R  R  R  R  R  R  R  R  R  R  R
GET delete_account                                                  L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST delete_account                                                 L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET privacy_notice                                                  A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST privacy_notice                                                 L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET help                                                            A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET help_guide                                                      A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET hall                                                            A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET join_hall                                                       L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST join_hall                                                      L  A  D  D  D  D  D  D  D  D  A  A  A  A
GET manage_members                                                  L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET audit_log                                                       L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET decide_membership                                               L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST decide_membership:approve                                      L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST decide_membership:decline                                      L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET set_roles                                                       L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST set_roles                                                      L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET proposal_list                                                   A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET proposal_new                                                    L  D  D  A  A  A  A  A  A  A  A  A  A  D
POST proposal_new                                                   L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET moderation_queue                                                L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET proposal                                                        A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET proposal_edit                                                   L  D  D  A  D  D  D  D  D  D  D  D  D  D
POST proposal_edit                                                  L  D  D  A  D  D  D  D  D  D  D  D  D  D
GET proposal_publish                                                L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST proposal_publish                                               L  D  D  A  D  D  D  D  D  D  D  D  D  D
GET proposal_second                                                 L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST proposal_second                                                L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET proposal_review                                                 L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST proposal_review                                                L  D  D  D  D  D  D  D  A  A  A  A  A  D
GET proposal_lock                                                   L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST proposal_lock                                                  L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET proposal_report                                                 L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST proposal_report                                                L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET comment_create                                                  L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST comment_create                                                 L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET comment_action                                                  L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST comment_action:edit                                            L  D  D  D  A  D  D  D  D  D  D  D  D  D
POST comment_action:delete                                          L  D  D  D  A  D  D  D  D  D  D  D  D  D
POST comment_action:agree                                           L  D  D  A  D  A  A  A  A  A  A  A  A  D
POST comment_action:report                                          L  D  D  A  D  A  A  A  A  A  A  A  A  D
GET moderation_decide                                               L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST moderation_decide:comment                                      L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST moderation_decide:proposal                                     L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET notifications                                                   L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET notifications_read                                              L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST notifications_read                                             L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET notification_settings                                           L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST notification_settings                                          L  V  V  V  V  V  V  V  V  V  V  V  V  V
GET markdown_preview                                                L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST markdown_preview                                               L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET meeting_list                                                    A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET meeting_new                                                     L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_new                                                    L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET meeting                                                         L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET meeting_screen                                                  L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET meeting_qr                                                      L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET meeting_qr_page                                                 L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET meeting_minutes                                                 L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET meeting_checkin                                                 L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST meeting_checkin                                                L  V  V  A  A  A  V  V  A  V  A  A  A  V
GET meeting_action                                                  L  M  M  M  M  M  M  M  M  M  M  M  M  M
# The room's commands from a plain form: any refusal, of the role or of the room's state (already
# checked in, a ballot still open…), goes back to the room with its reason, so D here is also
# "not now"; the API rows below tell the two apart (D refused, V not now).
POST meeting_action:open_meeting                                    L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:close_meeting                                   L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:set_checkin                                     L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:check_in                                        L  D  D  A  A  A  D  D  A  D  A  A  A  D
POST meeting_action:check_in_member                                 L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:open_item                                       L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:next_item                                       L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:raise_hand                                      L  D  D  D  D  D  A  A  D  A  D  D  D  D
POST meeting_action:lower_hand                                      L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:remove_hand                                     L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:reorder_queue                                   L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:give_floor                                      L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:end_speech                                      L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:extend_speech                                   L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:save_minutes                                    L  D  D  D  D  D  A  D  D  A  A  A  A  D
POST meeting_action:confirm_minutes                                 L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST meeting_action:add_item                                        L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:remove_item                                     L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:move_item                                       L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:set_budget                                      L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:ballot_open                                     L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:ballot_close                                    L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_action:ballot_cast                                     L  D  D  D  D  D  A  A  D  A  D  D  D  D
POST meeting_action:hand_count                                      L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST meeting_action:presence_list                                   L  D  D  D  D  D  D  D  D  D  D  D  D  D
GET meeting_agenda                                                  L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET meeting_agenda_do                                               L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST meeting_agenda_do:add                                          L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_agenda_do:remove                                       L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_agenda_do:move                                         L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_agenda_do:budget                                       L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET meeting_reschedule                                              L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_reschedule                                             L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET meeting_cancel                                                  L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST meeting_cancel                                                 L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET ballot_list                                                     A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET ballot_new                                                      L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST ballot_new                                                     L  D  D  D  D  D  D  V  D  V  V  V  V  D
GET notice_board                                                    A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET ballot                                                          L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET ballot_cast                                                     L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST ballot_cast                                                    L  D  D  A  A  A  A  A  A  A  D  D  D  D
GET ballot_open                                                     L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST ballot_open                                                    L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET ballot_close                                                    L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST ballot_close                                                   L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET ballot_hand_count                                               L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST ballot_hand_count                                              L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET ballot_proxy                                                    L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST ballot_proxy                                                   L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET ballot_results                                                  D  D  D  A  A  A  A  A  A  A  A  A  A  D
GET resolution_new                                                  L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST resolution_new                                                 L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET resolution                                                      A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET resolution_print                                                A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET objection_lodge                                                 L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST objection_lodge                                                L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET objection_answer                                                L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST objection_answer                                               L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET hall_ledger                                                     A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET task_list                                                       A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET task_new                                                        L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST task_new                                                       L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET task                                                            A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET task_edit                                                       L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST task_edit                                                      L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET task_action                                                     L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST task_action:start                                              L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST task_action:block                                              L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST task_action:unblock                                            L  D  D  D  D  D  D  D  D  D  D  D  D  D
POST task_action:complete                                           L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST task_action:cancel                                             L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST task_action:reopen                                             L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET task_report                                                     L  D  D  D  D  A  D  D  D  A  A  A  A  D
POST task_report                                                    L  D  D  D  D  A  D  D  D  A  A  A  A  D
GET task_progress_set                                               L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST task_progress_set                                              L  D  D  D  D  D  D  D  D  D  D  D  D  D
GET subtask_add                                                     L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST subtask_add                                                    L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET subtask_toggle                                                  L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST subtask_toggle                                                 L  D  D  D  D  A  D  D  D  A  A  A  A  D
GET subtask_remove                                                  L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST subtask_remove                                                 L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET hall_results                                                    A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET result                                                          A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET result_evaluate                                                 L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST result_evaluate                                                L  D  D  A  A  A  A  A  A  A  D  D  D  D
GET result_summary                                                  L  M  M  M  M  M  M  M  M  M  M  M  M  M
POST result_summary                                                 L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET proposal_story                                                  A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET hall_dashboard                                                  L  D  D  D  D  D  D  D  A  A  A  A  A  D
GET community_dashboard                                             L  D  D  D  D  D  D  D  D  D  A  A  A  D
GET street_dashboard                                                L  D  D  D  D  D  D  D  D  D  D  A  A  D
GET taizhang                                                        L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET taizhang_xlsx                                                   L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET taizhang_csv:proposals                                          L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET taizhang_csv:meetings                                           L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET taizhang_csv:ballots                                            L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET taizhang_csv:resolutions                                        L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET taizhang_csv:tasks                                              L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET media                                                           N  N  N  N  N  N  N  N  N  N  N  N  N  N
# the API (OpenAPI operations)
                                                                    an ou ap re me vo rc mo ex hd ca sa su oh
GET /api/v1/me                                                      L  A  A  A  A  A  A  A  A  A  A  A  A  A
PATCH /api/v1/me                                                    L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/auth/sms-code                                          A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/auth/sms-login                                         A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET /api/v1/halls                                                   A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET /api/v1/halls/{hall_id}                                         A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/halls/{hall_id}/memberships                            L  A  V  V  V  V  V  V  V  V  A  A  A  A
GET /api/v1/halls/{hall_id}/memberships                             L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/memberships/{pk}/approve                               L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/memberships/{pk}/decline                               L  D  D  D  D  D  D  D  D  A  A  A  A  D
PUT /api/v1/memberships/{pk}/roles                                  L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET /api/v1/halls/{hall_id}/proposals                               A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/halls/{hall_id}/proposals                              L  D  D  A  A  A  A  A  A  A  A  A  A  D
PUT /api/v1/proposals/{pk}                                          L  N  N  A  N  N  N  N  N  N  N  N  N  N
GET /api/v1/proposals/{pk}                                          A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/proposals/{pk}/images                                  L  N  N  A  N  N  N  N  N  N  N  N  N  N
POST /api/v1/proposals/{pk}/publish                                 L  N  N  A  N  N  N  N  N  N  N  N  N  N
POST /api/v1/proposals/{pk}/second                                  L  D  D  A  A  A  A  A  A  A  A  A  A  D
POST /api/v1/proposals/{pk}/review                                  L  D  D  D  D  D  D  D  A  A  A  A  A  D
GET /api/v1/proposals/{pk}/comments                                 A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/proposals/{pk}/comments                                L  D  D  A  A  A  A  A  A  A  A  A  A  D
PATCH /api/v1/comments/{pk}                                         L  D  D  D  A  D  D  D  D  D  D  D  D  D
DELETE /api/v1/comments/{pk}                                        L  D  D  D  A  D  D  D  D  D  D  D  D  D
POST /api/v1/comments/{pk}/react                                    L  D  D  A  V  A  A  A  A  A  A  A  A  D
POST /api/v1/reports                                                L  D  D  A  A  A  A  A  A  A  A  A  A  D
GET /api/v1/notifications                                           L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/notifications/read                                     L  A  A  A  A  A  A  A  A  A  A  A  A  A
GET /api/v1/halls/{hall_id}/meetings                                L  D  D  A  A  A  A  A  A  A  A  A  A  D
POST /api/v1/halls/{hall_id}/meetings                               L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET /api/v1/meetings/{meeting_id}                                   L  D  D  A  A  A  A  A  A  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:open_meeting    L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:close_meeting   L  D  D  D  D  D  D  V  D  V  V  V  V  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:set_checkin     L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:check_in        L  D  D  A  A  A  V  V  A  V  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:check_in_member L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:open_item       L  D  D  D  D  D  D  V  D  V  V  V  V  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:next_item       L  D  D  D  D  D  D  V  D  V  V  V  V  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:raise_hand      L  D  D  V  V  V  A  A  V  A  V  V  V  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:lower_hand      L  D  D  V  V  V  V  V  V  V  V  V  V  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:remove_hand     L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:reorder_queue   L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:give_floor      L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:end_speech      L  D  D  V  V  V  V  V  V  V  V  V  V  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:extend_speech   L  D  D  D  D  D  D  V  D  V  V  V  V  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:save_minutes    L  D  D  D  D  D  A  D  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:confirm_minutes L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:add_item        L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:remove_item     L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:move_item       L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:set_budget      L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:ballot_open     L  D  D  D  D  D  D  V  D  V  V  V  V  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:ballot_close    L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:ballot_cast     L  D  D  D  D  D  A  A  D  A  D  D  D  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:hand_count      L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/actions/{action}:presence_list   L  D  D  D  D  D  V  V  D  V  V  V  V  D
GET /api/v1/meetings/{meeting_id}/minutes                           L  D  D  A  A  A  A  A  A  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/reschedule                       L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/meetings/{meeting_id}/cancel                           L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET /api/v1/halls/{hall_id}/ballots                                 L  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/halls/{hall_id}/ballots                                L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET /api/v1/ballots/{pk}                                            L  D  D  A  A  A  A  A  A  A  A  A  A  D
POST /api/v1/ballots/{pk}/open                                      L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/ballots/{pk}/close                                     L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/ballots/{pk}/cast                                      L  D  D  A  A  A  A  A  A  A  D  D  D  D
POST /api/v1/ballots/{pk}/proxies                                   L  D  D  D  D  D  D  A  D  A  A  A  A  D
POST /api/v1/ballots/{pk}/hand-count                                L  D  D  D  D  D  D  A  D  A  A  A  A  D
GET /api/v1/ballots/{pk}/results                                    L  D  D  A  A  A  A  A  A  A  A  A  A  D
POST /api/v1/ballots/{pk}/resolution                                L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET /api/v1/halls/{hall_id}/resolutions                             A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET /api/v1/resolutions/{pk}                                        A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/resolutions/{pk}/objections                            L  D  D  A  A  A  A  A  A  A  A  A  A  D
POST /api/v1/objections/{pk}/answer                                 L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET /api/v1/halls/{hall_id}/ledger                                  A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET /api/v1/proposals/{pk}/story                                    A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET /api/v1/halls/{hall_id}/dashboard                               L  D  D  D  D  D  D  D  A  A  A  A  A  D
GET /api/v1/communities/{pk}/dashboard                              L  D  D  D  D  D  D  D  D  D  A  A  A  D
GET /api/v1/streets/{pk}/dashboard                                  L  D  D  D  D  D  D  D  D  D  D  A  A  D
GET /api/v1/results/{pk}                                            A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/results/{pk}/evaluations                               L  D  D  A  A  A  A  A  A  A  D  D  D  D
GET /api/v1/halls/{hall_id}/results                                 A  A  A  A  A  A  A  A  A  A  A  A  A  A
GET /api/v1/halls/{hall_id}/tasks                                   A  A  A  A  A  A  A  A  A  A  A  A  A  A
POST /api/v1/resolutions/{resolution_id}/tasks                      L  D  D  D  D  D  D  D  D  A  A  A  A  D
GET /api/v1/tasks/{task_id}                                         A  A  A  A  A  A  A  A  A  A  A  A  A  A
PATCH /api/v1/tasks/{task_id}                                       L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/tasks/{task_id}/transitions/{action}:start             L  D  D  D  D  D  D  D  D  V  V  V  V  D
POST /api/v1/tasks/{task_id}/transitions/{action}:block             L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/tasks/{task_id}/transitions/{action}:unblock           L  D  D  D  D  D  D  D  D  V  V  V  V  D
POST /api/v1/tasks/{task_id}/transitions/{action}:complete          L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/tasks/{task_id}/transitions/{action}:cancel            L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/tasks/{task_id}/transitions/{action}:reopen            L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/tasks/{task_id}/reports                                L  D  D  D  D  A  D  D  D  A  A  A  A  D
POST /api/v1/tasks/{task_id}/reports/photos                         L  D  D  D  D  A  D  D  D  A  A  A  A  D
POST /api/v1/tasks/{task_id}/subtasks                               L  D  D  D  D  D  D  D  D  A  A  A  A  D
POST /api/v1/tasks/{task_id}/subtasks/{subtask_id}/toggle           L  D  D  D  D  A  D  D  D  A  A  A  A  D
DELETE /api/v1/tasks/{task_id}/subtasks/{subtask_id}                L  D  D  D  D  D  D  D  D  A  A  A  A  D
PUT /api/v1/tasks/{task_id}/progress                                L  D  D  D  D  D  D  D  D  V  V  V  V  D
"""


def parse(table: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for line in table.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#") or tuple(line.split()) == COLUMNS:
            continue
        (*key,) = line.split()
        codes = key[-len(ROLES) :]
        row = " ".join(key[: -len(ROLES)])
        assert row not in out, f"row {row} twice"
        out[row] = dict(zip(ROLES, codes, strict=True))
    return out


EXPECTED = parse(TABLE)
# The database is set up for tests that ask for it; the matrix itself runs in its own
# module-wide transaction (the `matrix` fixture).
pytestmark = pytest.mark.django_db
DISCOVER = os.environ.get("MATRIX_DISCOVER") == "1"


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker, tmp_path_factory):
    """Build the busy hall once, sign every role in, send every row as every role."""
    media = tmp_path_factory.mktemp("media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every role signs up from the same test address: the sign-up throttle is
    # tests/community/test_registration_throttle.py's subject, not this table's.
    no_throttle = {
        "REGISTRATION_LIMIT_PER_HOUR": 0,
        "REGISTRATION_LIMIT_TOTAL_PER_HOUR": 0,
        "SMS_CODE_LIMIT_PER_PHONE_PER_HOUR": 0,
        "SMS_CODE_LIMIT_PER_IP_PER_HOUR": 0,
        "SMS_BACKEND": "locmem",
    }
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers, MEDIA_ROOT=media, **no_throttle),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            clients = {}
            for role, user in world.people.items():
                client = BrowserClient()
                if user is not None:
                    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
                client.csrf_token()
                clients[role] = client
            cases = {**page_cases(world.ids), **api_cases(world.ids)}
            observed = {
                row: {role: observe(clients[role], case) for role in ROLES}
                for row, case in cases.items()
            }
            yield observed
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def format_table(observed: dict[str, dict[str, str]]) -> str:
    width = max(len(row) for row in observed) + 2
    lines = [" " * width + " ".join(COLUMNS)]
    for row, by_role in observed.items():
        lines.append(row.ljust(width) + " ".join(by_role[r].ljust(2) for r in ROLES).rstrip())
    return "\n".join(lines)


def test_matrix_matches_the_table(matrix):
    if DISCOVER:
        print("\n" + format_table(matrix))
        return
    wrong = [
        f"{row}: {role} expected {EXPECTED[row][role]}, got {got}"
        for row, by_role in matrix.items()
        if row in EXPECTED
        for role, got in by_role.items()
        if got != EXPECTED[row][role]
    ]
    assert not wrong, "\n".join(wrong)


def _patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """Every URL pattern of the project: (route, namespace, name)."""
    from django.urls import URLResolver, get_resolver

    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        else:
            yield prefix + str(p.pattern), namespace, p.name


def _row_keys() -> set[str]:
    ids = defaultdict(int, checkin_token="t", slug="s")
    return {*page_cases(ids), *api_cases(ids)}


def test_every_endpoint_has_a_row():
    """A URL pattern, an API operation or a room command without a row fails here: add the row
    (and what each role should get) to TABLE."""
    from config.api import api
    from deliberation.meetings.commands import COMMANDS
    from deliberation.tasks.services import ACTIONS

    rows = _row_keys()
    names = {row.split()[1].split(":")[0] for row in rows}
    missing = [
        f"URL {route} ({name})"
        for route, namespace, name in _patterns()
        if namespace not in ("admin", "api") and name not in names
    ]
    api_rows = {row.split(":")[0] for row in rows if " /api/" in row}
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method in operations:
            if f"{method.upper()} {path}" not in api_rows:
                missing.append(f"API {method.upper()} {path}")
    for command in COMMANDS:
        for row in (
            f"POST meeting_action:{command}",
            f"POST /api/v1/meetings/{{meeting_id}}/actions/{{action}}:{command}",
        ):
            if row not in rows:
                missing.append(f"meeting command {command}: {row}")
    for action in ACTIONS:
        if f"POST task_action:{action}" not in rows:
            missing.append(f"task action {action}")
    assert not missing, "endpoints with no row in the matrix:\n" + "\n".join(missing)
    if not DISCOVER:
        assert rows == set(EXPECTED), (
            f"rows without an expectation: {sorted(rows - set(EXPECTED))}; "
            f"expectations without a request: {sorted(set(EXPECTED) - rows)}"
        )


def _admin_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", "1", route).replace("^", "").replace("$", "")


def test_the_admin_is_for_staff_only(people):
    """Every page of Django's admin (a new model registered there included): anonymous people
    and every role that is not staff are sent to the admin's sign-in; a staff member without
    permissions gets no model page (our rules share a few names with Django's model permissions:
    `community.view_hall` let every staff member read the halls' admin); the superuser gets
    every list."""
    staff = people["admin"]
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    visitors = {
        "anonymous": BrowserClient(),
        **{role: client_for(people[role]) for role in ("resident", "head", "outsider")},
    }
    staff_client = client_for(staff)
    root = client_for(UserFactory(is_staff=True, is_superuser=True))
    wrong = []
    routes = [(r, n) for r, ns, n in _patterns() if ns == "admin"]
    assert len(routes) > 50
    for route, name in routes:
        path = _admin_path(route)
        if "(?P<url>" in route or ".*" in route:
            path = "/admin/no-such-page/"
        for role, client in visitors.items():
            response = client.get(path)
            location = response.get("Location", "")
            if name in ("login", "logout"):
                continue
            if not (response.status_code == 302 and location.startswith("/admin/login/")):
                wrong.append(f"{path} ({name}): {role} got {response.status_code} {location}")
        model_page = name and name.endswith(("_changelist", "_change", "_delete", "_history"))
        if model_page and not name.startswith("password_"):
            status = staff_client.get(path).status_code
            if status == 200:
                wrong.append(f"{path} ({name}): staff without permissions got 200")
        if name and name.endswith("_changelist"):
            status = root.get(path).status_code
            if status != 200:
                wrong.append(f"{path} ({name}): the superuser got {status}")
    assert not wrong, "\n".join(wrong)
