"""LeRobotDataset v3.0: layout, writing, statistics, validation, merging and reports.

Knows nothing of bags or robots: it writes `Episode`s (dataset/episode.py) handed to it by
the exporter (interop_bridge.export) and reads datasets back.
"""
