"""Canonical humanoid interface: profiles, mapping, bridges, recorder and dataset exporter."""
