"""Governance tasks （治理任务），result publication （实施结果公开） and evaluation （评议）."""
