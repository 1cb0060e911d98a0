"""Who may export the 台账：the hall's head （微家负责人） and the federation admins over it."""

import rules

from community.permissions import is_admin, is_head

PERMISSIONS = {
    "deliberation.export_taizhang": is_head | is_admin,
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
