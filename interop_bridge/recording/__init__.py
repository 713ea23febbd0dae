"""The recorder's pure parts: topic selection, bag writing with definitions, episode state."""
