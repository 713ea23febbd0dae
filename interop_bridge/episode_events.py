"""The episode-event vocabulary: what an interop_msgs/EpisodeEvent type number means.

The numbers equal the constants of EpisodeEvent.msg (a test checks them against the generated
message); the recorder (online), the exporter (offline, from a recording) and the canonical
controller (which sends them) all use these names.
"""

from __future__ import annotations

from types import MappingProxyType

START, STOP, SUCCESS, FAILURE, ABORT, ANNOTATION = range(6)
EVENT_NAMES = ('START', 'STOP', 'SUCCESS', 'FAILURE', 'ABORT', 'ANNOTATION')
OUTCOMES = MappingProxyType({SUCCESS: 'success', FAILURE: 'failure', ABORT: 'abort'})
EXCLUDED_OUTCOMES = ('failure', 'abort')  # left out of a dataset unless asked for
