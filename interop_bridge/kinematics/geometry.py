"""Small vector geometry shared by the kinematic checks and the profile draft."""

from __future__ import annotations

import math

import numpy as np


def angle_deg(first: np.ndarray, second: np.ndarray) -> float:
    """The angle between two vectors [deg]."""
    cosine = float(np.dot(first, second) / (np.linalg.norm(first) * np.linalg.norm(second)))
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def turn_about(axis: np.ndarray, vector: np.ndarray, target: np.ndarray) -> float:
    """The rotation [rad] about unit `axis` that brings `vector` closest to `target`."""
    along_v = vector - axis * float(np.dot(axis, vector))
    along_t = target - axis * float(np.dot(axis, target))
    return math.atan2(float(np.dot(axis, np.cross(along_v, along_t))),
                      float(np.dot(along_v, along_t)))


def rotate(vector: np.ndarray, axis: np.ndarray, angle: float) -> np.ndarray:
    """Rodrigues' rotation of `vector` about unit `axis` by `angle` [rad]."""
    return (vector * math.cos(angle) + np.cross(axis, vector) * math.sin(angle)
            + axis * float(np.dot(axis, vector)) * (1 - math.cos(angle)))
