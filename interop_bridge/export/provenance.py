"""What an export records about itself in meta/interop.json: per export and per episode.

Per export (`export_meta`): the exporter and canonical interface versions, the policy and
codec, the licence given (`--license`, 'other' when none), and every bag with its robot,
storage files (SHA-256), the episodes exported and left out, its warnings, and the hand profile
its vendor hand topics were read with (`hands`: profile, firmware, and every tactile pad with
its grid, unit, "no reading" sentinels and valid range). Per episode
(`episode_meta`): its source bag, id, outcome, notes, warnings, time span, the profile used and
the topics read (the episode builder adds the resampling report, the stamps actually used
(`stamp_source`: 'header', 'receive' or 'mixed', and `stamp_sources` per topic; the export's
`policy.stamp_source` is what was asked for) and `implausible`; the exporter, for a vendor
state with its own checksum, `checksum_failures`: the state messages read for the episode that
failed it, dropped).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import cast

from interop_bridge import __name__ as package_name
from interop_bridge.canonical import CanonicalSpec
from interop_bridge.dataset.records import BagRecord, EpisodeMeta, ExportMeta, JsonValue
from interop_bridge.export.episode_split import EpisodeSpan
from interop_bridge.export.planning import BagPlan, ExportRequest, source_record

EXPORTER_VERSION = '0.1.0'


def episode_meta(plan: BagPlan, span: EpisodeSpan) -> EpisodeMeta:
    """The provenance of one episode of a bag."""
    robot = plan.robot
    return {'source_bag': str(plan.path), 'episode_id': span.episode_id,
            'outcome': span.outcome, 'notes': list(span.notes), 'warnings': list(span.warnings),
            'start_ns': span.start_ns, 'end_ns': span.end_ns,
            'profile': robot.profile.name, 'profile_sha256': robot.profile.sha256,
            'recorded_profile_sha256': robot.embodiment_sha256,
            'profile_from': robot.profile_from, 'namespace': robot.namespace,
            'state_topic': robot.state_topic, 'canonical_input': robot.canonical,
            'cameras': {name: topic for name, (topic, _) in robot.cameras.items()}}


def bag_record(plan: BagPlan) -> BagRecord:
    """One bag of an export, including those none of whose episodes were kept."""
    record: BagRecord = {
        'path': str(plan.path), 'robot': plan.robot.profile.name,
        'profile_sha256': plan.robot.profile.sha256,
        'sources': [source_record(source) for source in plan.sources],
        'episodes': [span.episode_id for span in plan.spans],
        'excluded': [{'episode_id': span.episode_id, 'outcome': span.outcome}
                     for span in plan.excluded],
        'warnings': list(plan.warnings)}
    hands = plan.robot.hands
    if hands is not None:
        record['hands'] = {
            'profile': hands.name, 'profile_sha256': hands.sha256, 'firmware': hands.firmware,
            'pads': [{'feature': f'observation.tactile.{side.side}.{pad.patch}',
                      'native_name': pad.native_name, 'rows': pad.rows, 'cols': pad.cols,
                      'unit': pad.unit, 'no_reading': list(pad.no_reading),
                      'valid_range': list(pad.valid_range)}
                     for side in hands.sides for pad in hands.tactile]}
    return record


def export_meta(request: ExportRequest, spec: CanonicalSpec, plans: Sequence[BagPlan],
                action: dict[str, str]) -> ExportMeta:
    """The provenance of one export (every bag of it) and where its action came from."""
    return {'exporter': f'{package_name} {EXPORTER_VERSION}',
            'interface_version': spec.interface_version,
            'canonical_sha256': hashlib.sha256(Path(spec.source).read_bytes()).hexdigest(),
            'policy': cast(dict[str, JsonValue], asdict(request.policy)),
            'vcodec': request.vcodec, 'action': action, 'license': request.license,
            'joints': request.joints, 'bags': [bag_record(plan) for plan in plans]}
