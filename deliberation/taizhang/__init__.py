"""台账：the monthly export of a hall's proposals, meetings, ballots, resolutions and tasks.

`rows.py` builds each list once (headers and rows of plain values); `xlsx.py` and the CSV
writer in `views.py` only format them. See docs/taizhang.md.
"""
