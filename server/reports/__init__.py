"""What staff send upward: the monthly report of an area node as an Excel workbook, its lists
as CSV, and each activity's sign-up and check-in list as a workbook.

Every figure comes from the feature package that owns its rule (the overview and the three
rates from ``server.wishes.queries.overview``, points from ``server.points.queries``, unit
figures from ``server.party.figures``); this package only gathers them for a month and lays
them out. Nothing here writes to the database.
"""
