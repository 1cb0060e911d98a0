"""数据看板：figures of a hall, a community or a street for a period, as pages and JSON."""
