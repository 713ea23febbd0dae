"""Export rosbag2 recordings into LeRobotDataset v3.0 with the canonical schema."""
